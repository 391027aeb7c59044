// Quantizers bit for bit against the spec (../shared/spec/quantizers.md).
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "common/error.hpp"
#include "numeric/quantizer.hpp"

using namespace ssmsim::quant;

TEST(Rounding, HalfAwayAndHalfEven) {
  EXPECT_EQ(round_half_away(0.5f), 1);
  EXPECT_EQ(round_half_away(-0.5f), -1);
  EXPECT_EQ(round_half_away(2.5f), 3);
  EXPECT_EQ(round_half_away(-2.5f), -3);
  EXPECT_EQ(round_half_away(0.49999997f), 0);  // x + 0.5 would give 1
  EXPECT_EQ(round_half_away(1.4999999f), 1);
  EXPECT_EQ(round_half_even(0.5f), 0);
  EXPECT_EQ(round_half_even(1.5f), 2);
  EXPECT_EQ(round_half_even(2.5f), 2);
  EXPECT_EQ(round_half_even(-2.5f), -2);
  EXPECT_EQ(round_half_even(-3.5f), -4);
  EXPECT_EQ(round_half_even(2.5000002f), 3);
  // Agree with the C library everywhere on a sweep of quarter steps.
  for (int i = -2000; i <= 2000; ++i) {
    const float v = static_cast<float>(i) * 0.25f;
    ASSERT_EQ(round_half_away(v), static_cast<int32_t>(std::roundf(v))) << v;
    ASSERT_EQ(round_half_even(v), static_cast<int32_t>(std::nearbyintf(v))) << v;
  }
}

TEST(Int8, ClampsAndRounds) {
  const float s = 0.5f;
  EXPECT_EQ(quantize_int8(1.25f, s), 3);  // 2.5 -> 3 (half away)
  EXPECT_EQ(quantize_int8(1.25f, s, Rounding::kHalfToEven), 2);
  EXPECT_EQ(quantize_int8(1000.0f, s), 127);
  EXPECT_EQ(quantize_int8(-1000.0f, s), -128);
  EXPECT_EQ(quantize_int8(-64.0f, s), -128);
  EXPECT_EQ(dequantize_int8(-128, s), -64.0f);
}

// Power-of-two scale: every boundary product below is exact in fp32.
constexpr float kS = 1.0f / 64.0f;

TEST(SoftEdge, EveryCodeDecodesAndReencodes) {
  const SoftEdgeCodec c(kS);
  int canonical = 0;
  std::set<float> values;
  for (int flag = 0; flag < 2; ++flag) {
    for (int byte = 0; byte < 256; ++byte) {
      const SeWord w{static_cast<uint8_t>(flag), static_cast<uint8_t>(byte)};
      const float v = c.decode(w);
      const SeWord back = c.encode(v);
      // Every word's value survives a round trip.
      ASSERT_EQ(c.decode(back), v) << flag << " " << byte;
      const auto q = static_cast<int8_t>(byte);
      if (flag == 0 && q >= -15 && q <= 15) {
        // Redundant: small codes with 4x finer steps cover |q| <= 15.
        EXPECT_EQ(back.flag, 1);
        EXPECT_FALSE(c.is_canonical(w));
      } else {
        ASSERT_EQ(back, w) << "flag " << flag << " byte " << byte;
        ++canonical;
      }
      values.insert(v);
    }
  }
  EXPECT_EQ(canonical, 512 - 31);
  // Distinct values: small 0..63 (+/-, one zero) 127, normal 16..127 and
  // -16..-128 (225), large 64 each side (128) -- -0.0 == 0.0 in the set.
  EXPECT_EQ(values.size(), 127u + 225u + 128u);
}

TEST(SoftEdge, Boundaries) {
  const SoftEdgeCodec c(kS);
  SeRegion r;
  // 0: small code m = 0.
  EXPECT_EQ(c.encode(0.0f, &r), (SeWord{1, 0x00}));
  EXPECT_EQ(r, SeRegion::kSmall);
  // 15.875 s: roundf(63.5) = 64 > 63, so normal with q = 16.
  EXPECT_EQ(c.encode(15.875f * kS, &r), (SeWord{0, 16}));
  EXPECT_EQ(r, SeRegion::kNormal);
  // Just below: 15.75 s is m = 63, the largest small code.
  EXPECT_EQ(c.encode(15.75f * kS, &r), (SeWord{1, 63}));
  EXPECT_EQ(c.decode(SeWord{1, 63}), 15.75f * kS);
  // 16 s: normal q = 16.
  EXPECT_EQ(c.encode(16.0f * kS, &r), (SeWord{0, 16}));
  // 127.5 s: normal region (<= 129 s), roundf -> 128 clamps to 127.
  EXPECT_EQ(c.encode(127.5f * kS, &r), (SeWord{0, 127}));
  EXPECT_EQ(r, SeRegion::kNormal);
  // 129 s: not > 129 s, still normal, clamps to 127.
  EXPECT_EQ(c.encode(129.0f * kS, &r), (SeWord{0, 127}));
  EXPECT_EQ(r, SeRegion::kNormal);
  // 131 s: large, k = 1 -> payload 0.
  EXPECT_EQ(c.encode(131.0f * kS, &r), (SeWord{1, 0x40}));
  EXPECT_EQ(r, SeRegion::kLarge);
  EXPECT_EQ(c.decode(SeWord{1, 0x40}), 131.0f * kS);
  // 383 s: the largest code, k = 64 -> payload 63.
  EXPECT_EQ(c.encode(383.0f * kS, &r), (SeWord{1, 0x7F}));
  EXPECT_EQ(r, SeRegion::kLarge);
  EXPECT_EQ(c.max_magnitude(), 383.0f * kS);
  // 400 s: k would be 68, saturates at 383 s.
  EXPECT_EQ(c.encode(400.0f * kS, &r), (SeWord{1, 0x7F}));
  EXPECT_EQ(r, SeRegion::kSaturated);
  EXPECT_EQ(c.quantize(-400.0f * kS), -383.0f * kS);
  // -128 s: normal, two's complement 0x80.
  EXPECT_EQ(c.encode(-128.0f * kS, &r), (SeWord{0, 0x80}));
  EXPECT_EQ(r, SeRegion::kNormal);
  // Negative small and large keep the sign in bit 7.
  EXPECT_EQ(c.encode(-2.0f * kS), (SeWord{1, 0x80 | 8}));
  EXPECT_EQ(c.encode(-135.0f * kS), (SeWord{1, 0x80 | 0x40 | 1}));
}

TEST(SoftEdge, XprojGetsInt8OfTheValue) {
  const SoftEdgeCodec c(kS);
  EXPECT_EQ(c.to_xproj_int8(c.quantize(200.0f * kS)), 127);  // 199 s clamps
  EXPECT_EQ(c.to_xproj_int8(c.quantize(2.25f * kS)), 2);     // 9/4 s -> roundf(2.25) = 2
  EXPECT_EQ(c.to_xproj_int8(c.quantize(2.5f * kS)), 3);      // half away from zero
}

TEST(SoftEdge, ParametersAreConfigurable) {
  // small step s/2, large step 2s, 4 payload bits: small up to 15 * s/2,
  // large 127 + 2k for k = 1..16, threshold 128 s.
  const SoftEdgeCodec c(kS, SoftEdgeParams{1, 1, 4});
  EXPECT_EQ(c.encode(7.5f * kS), (SeWord{1, 15}));
  EXPECT_EQ(c.encode(8.0f * kS), (SeWord{0, 8}));
  EXPECT_EQ(c.encode(129.0f * kS), (SeWord{1, 0x40}));
  EXPECT_EQ(c.max_magnitude(), 159.0f * kS);
  EXPECT_THROW(SoftEdgeCodec(kS, SoftEdgeParams{2, 2, 7}), ssmsim::Error);
  EXPECT_THROW(SoftEdgeCodec(0.0f), ssmsim::Error);
}

TEST(SeAuthors, GridHas509ValuesAndSpecBoundaries) {
  const SeAuthorsGrid g(kS);
  std::set<float> values;
  for (int i = -420 * 16; i <= 420 * 16; ++i) values.insert(g.quantize(i * kS / 16.0f) / kS);
  EXPECT_EQ(values.size(), 509u);
  EXPECT_EQ(*values.rbegin(), 395.0f);
  SeRegion r;
  EXPECT_EQ(g.quantize(15.75f * kS, &r), 15.75f * kS);
  EXPECT_EQ(r, SeRegion::kSmall);
  EXPECT_EQ(g.quantize(15.8f * kS, &r), 16.0f * kS);  // mid, clamped up to 16
  EXPECT_EQ(r, SeRegion::kNormal);
  EXPECT_EQ(g.quantize(143.0f * kS, &r), 143.0f * kS);
  EXPECT_EQ(g.quantize(-150.0f * kS, &r), -151.0f * kS);  // 143 + roundf(7/4) * 4 = 151
  EXPECT_EQ(r, SeRegion::kLarge);
  EXPECT_EQ(g.quantize(1000.0f * kS, &r), 395.0f * kS);
  EXPECT_EQ(r, SeRegion::kSaturated);
}

TEST(Kinds, ParseAndName) {
  EXPECT_EQ(parse_kind("se-authors", "x"), QuantKind::kSeAuthors);
  EXPECT_STREQ(kind_name(QuantKind::kSe), "se");
  EXPECT_THROW(parse_kind("fp8", "--quantizer"), ssmsim::Error);
}

// The branch-free quantize() paths against the reference definitions, on a
// dense sweep over every region and boundary neighbourhood.
TEST(SoftEdge, FastPathEqualsEncodeDecode) {
  for (float s : {kS, 0.030234990641474724f, 0.0405191f}) {
    for (const SoftEdgeParams p : {SoftEdgeParams{}, SoftEdgeParams{1, 1, 4}}) {
      const SoftEdgeCodec c(s, p);
      for (int i = -420000; i <= 420000; ++i) {
        const float x = static_cast<float>(i) * s / 1000.0f;
        SeRegion r1, r2;
        const float fast = c.quantize(x, &r1);
        const SeWord w = c.encode(x, &r2);
        ASSERT_EQ(fast, c.decode(w)) << "x = " << x << " s = " << s;
        ASSERT_EQ(r1, r2) << "x = " << x;
      }
    }
  }
}

TEST(SeAuthors, FastPathEqualsSpecFormulas) {
  for (float s : {kS, 0.030234990641474724f}) {
    const SeAuthorsGrid g(s);
    for (int i = -420000; i <= 420000; ++i) {
      const float x = static_cast<float>(i) * s / 1000.0f;
      const float a = std::fabs(x);
      float ref;  // the spec's three cases, literally
      if (a <= 15.75f * s) {
        ref = static_cast<float>(clamp_i32(round_half_away(x / (s / 4.0f)), -63, 63)) * (s / 4.0f);
      } else if (a <= 143.0f * s) {
        ref = (x < 0 ? -1.0f : 1.0f) *
              static_cast<float>(clamp_i32(round_half_away(a / s), 16, 143)) * s;
      } else {
        ref = (x < 0 ? -1.0f : 1.0f) *
              (143.0f * s + static_cast<float>(
                                clamp_i32(round_half_away((a - 143.0f * s) / (4.0f * s)), 0, 63)) *
                                (4.0f * s));
      }
      ASSERT_EQ(g.quantize(x), ref) << "x = " << x;
    }
  }
}
