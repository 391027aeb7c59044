// The quantizer stage's RTL (rtl/quant_lane.v, rtl/quant_stage.v) under
// Verilator against the C++ codec (numeric/quantizer.hpp), bit for bit:
// every FP16 input pattern at several scales, and every element of the
// bundled trace's SSM input at each layer's calibrated scale; then the
// pipelined stage's latency and lanes.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <vector>

#include "Vquant_lane_int8.h"
#include "Vquant_lane_se.h"
#include "Vquant_stage.h"
#include "io/trace.hpp"
#include "numeric/calibration.hpp"
#include "numeric/half.hpp"
#include "numeric/quantizer.hpp"

using namespace ssmsim;

namespace {

uint32_t float_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

bool is_nan_half(uint16_t h) { return (h & 0x7c00u) == 0x7c00u && (h & 0x03ffu) != 0; }

// What the C++ codec gives for one FP16 input: the SE word and region, or
// the INT8 code.
struct Expected {
  uint8_t code, flag, region;
};
Expected expect_se(const quant::SoftEdgeCodec& c, uint16_t h) {
  quant::SeRegion r;
  const quant::SeWord w = c.encode(half_to_float(h), &r);
  return {w.byte, w.flag, static_cast<uint8_t>(r)};
}

// Checks every one of `inputs` through both lanes at `scale`; returns the
// count checked.
size_t check(Vquant_lane_se& se, Vquant_lane_int8& i8, float scale,
             const std::vector<uint16_t>& inputs, const std::string& what) {
  const quant::SoftEdgeCodec codec(scale);
  se.scale = i8.scale = float_bits(scale);
  size_t checked = 0, failures = 0;
  for (uint16_t h : inputs) {
    se.x = i8.x = h;
    se.eval();
    i8.eval();
    if (is_nan_half(h)) {
      // NaN has no code (traces with NaN are rejected at load): flagged.
      EXPECT_TRUE(se.invalid && i8.invalid) << what << " x=" << std::hex << h;
      continue;
    }
    EXPECT_FALSE(se.invalid) << what;
    const Expected e = expect_se(codec, h);
    const auto q8 = static_cast<uint8_t>(quant::quantize_int8(half_to_float(h), scale));
    if (se.code != e.code || se.flag != e.flag || se.region != e.region || i8.code != q8) {
      if (++failures <= 5) {
        ADD_FAILURE() << what << " scale " << scale << " x=0x" << std::hex << h << " ("
                      << half_to_float(h) << "): RTL se " << int(se.code) << "/" << int(se.flag)
                      << "/" << int(se.region) << " C++ " << int(e.code) << "/" << int(e.flag)
                      << "/" << int(e.region) << "; RTL int8 " << int(i8.code) << " C++ "
                      << int(q8);
      }
    }
    ++checked;
  }
  EXPECT_EQ(failures, 0u) << what << " scale " << scale;
  return checked;
}

}  // namespace

// All 65,536 FP16 patterns (NaN flagged, +-Inf saturated as the codec
// gives it), at the reference layers' scales (spec/quantizers.md), at 1,
// at powers of two (ties land exactly on rounding boundaries) and at odd
// scales.
TEST(QuantRtl, EveryFp16PatternMatchesTheCodecBitForBit) {
  Vquant_lane_se se;
  Vquant_lane_int8 i8;
  std::vector<uint16_t> all(65536);
  for (uint32_t h = 0; h < 65536; ++h) all[h] = static_cast<uint16_t>(h);
  size_t checked = 0;
  for (float scale : {0.030235f, 0.040519f, 1.0f, 0.25f, 2.0f, 0.0078125f, 3.0f, 0.1f, 1.0f / 3.0f,
                      1e-4f, 0.7071068f, 517.3f, 6.1e-5f}) {
    checked += check(se, i8, scale, all, "all FP16 patterns");
  }
  EXPECT_EQ(checked, 13u * (65536 - 2 * 1023));
}

// The bundled trace's SSM input, every element of every layer, at the
// layer's 99.99th-percentile scale as `ssmsim quant` calibrates it.
TEST(QuantRtl, BundledTraceMatchesTheCodecBitForBit) {
  const Trace t(std::string(SSMSIM_SOURCE_DIR) +
                "/traces/default/mamba-bytes-a-sample0.safetensors");
  Vquant_lane_se se;
  Vquant_lane_int8 i8;
  size_t checked = 0;
  for (int64_t l = 0; l < t.dims().n_layer; ++l) {
    const TensorView& u = t.layer(l, "ssm.u");
    ASSERT_EQ(u.dtype, DType::F16);
    std::vector<uint16_t> bits(u.numel);
    std::memcpy(bits.data(), u.data, u.numel * 2);
    const std::vector<float> f = u.to_float_finite();
    const float scale = static_cast<float>(quant::abs_quantile(f.data(), f.size(), 0.9999) / 127.0);
    checked += check(se, i8, scale, bits, "layer " + std::to_string(l));
  }
  EXPECT_GT(checked, 1000000u);
}

// The stage: LANES = 4 lanes behind the scale register, DEPTH = 3 cycles
// from in_valid to out_valid, each lane's output the lane's.
TEST(QuantRtl, StageDelaysEachVectorByItsDepth) {
  Vquant_stage st;
  Vquant_lane_se lane;
  const float scale = 0.030235f;
  lane.scale = float_bits(scale);
  auto tick = [&] {
    st.clk = 0;
    st.eval();
    st.clk = 1;
    st.eval();
  };
  st.rst = 1;
  tick();
  st.rst = 0;
  st.scale_we = 1;
  st.scale_in = float_bits(scale);
  tick();
  st.scale_we = 0;
  std::vector<std::vector<uint16_t>> sent;
  for (int cycle = 0; cycle < 40; ++cycle) {
    std::vector<uint16_t> v(4);
    for (int k = 0; k < 4; ++k) v[k] = static_cast<uint16_t>((cycle * 7919 + k * 104729) & 0x7bff);
    const bool valid = cycle < 30 && cycle % 5 != 3;
    uint64_t word = 0;
    for (int k = 0; k < 4; ++k) word |= static_cast<uint64_t>(v[k]) << (16 * k);
    st.x = word;
    st.in_valid = valid;
    sent.push_back(valid ? v : std::vector<uint16_t>{});
    tick();
    // After this edge the output is the vector sent 3 edges ago (DEPTH 3).
    const int from = cycle - 2;
    const bool want = from >= 0 && !sent[static_cast<size_t>(from)].empty();
    ASSERT_EQ(bool(st.out_valid), want) << "cycle " << cycle;
    if (!want) continue;
    for (int k = 0; k < 4; ++k) {
      lane.x = sent[static_cast<size_t>(from)][static_cast<size_t>(k)];
      lane.eval();
      EXPECT_EQ((st.code >> (8 * k)) & 0xff, lane.code) << "cycle " << cycle << " lane " << k;
      EXPECT_EQ((st.flag >> k) & 1, lane.flag) << "cycle " << cycle << " lane " << k;
      EXPECT_EQ((st.region >> (2 * k)) & 3, lane.region) << "cycle " << cycle << " lane " << k;
    }
  }
}
