// The quantizer stage's RTL (rtl/quant_lane.v, rtl/fp_quotient.v,
// rtl/quant_stage.v) under Verilator against the C++ codecs
// (numeric/quantizer.hpp), bit for bit, for int8, se and se-authors:
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
#include "Vquant_lane_se_authors.h"
#include "Vquant_stage.h"
#include "io/trace.hpp"
#include "numeric/calibration.hpp"
#include "numeric/half.hpp"
#include "numeric/quantizer.hpp"
#include "rtl/quant_lane_model.hpp"
#include "tests/support/float_bits.hpp"

using namespace ssmsim;
using test::float_bits;

namespace {

struct Lanes {
  Vquant_lane_se se;
  Vquant_lane_int8 i8;
  Vquant_lane_se_authors au;
};

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

// Checks every one of `inputs` through the three lanes at `scale`;
// returns the count checked.
size_t check(Lanes& L, float scale, const std::vector<uint16_t>& inputs, const std::string& what) {
  const quant::SoftEdgeCodec codec(scale);
  const quant::SeAuthorsGrid grid(scale);
  const QuantLaneRegs regs = quant_lane_regs(scale);
  load_quant_lane_regs(L.se, regs);
  load_quant_lane_regs(L.i8, regs);
  load_quant_lane_regs(L.au, regs);
  size_t checked = 0, failures = 0;
  for (uint16_t h : inputs) {
    L.se.x = L.i8.x = L.au.x = h;
    L.se.eval();
    L.i8.eval();
    L.au.eval();
    if (is_nan_half(h)) {
      // NaN has no code (traces with NaN are rejected at load): flagged.
      EXPECT_TRUE(L.se.invalid && L.i8.invalid && L.au.invalid) << what << " x=" << std::hex << h;
      continue;
    }
    EXPECT_FALSE(L.se.invalid || L.au.invalid) << what;
    const float x = half_to_float(h);
    const Expected e = expect_se(codec, h);
    const auto q8 = static_cast<uint8_t>(quant::quantize_int8(x, scale));
    int32_t au_region = 0;
    const float au_value = grid.quantize(x, au_region);
    const float au_rtl = grid.decode(
        quant::SeWord{static_cast<uint8_t>(L.au.flag), static_cast<uint8_t>(L.au.code)});
    if (L.se.code != e.code || L.se.flag != e.flag || L.se.region != e.region || L.i8.code != q8 ||
        float_bits(au_rtl) != float_bits(au_value) || L.au.region != au_region) {
      if (++failures <= 5) {
        ADD_FAILURE() << what << " scale " << scale << " x=0x" << std::hex << h << std::dec << " ("
                      << x << "): RTL se " << int(L.se.code) << "/" << int(L.se.flag) << "/"
                      << int(L.se.region) << " C++ " << int(e.code) << "/" << int(e.flag) << "/"
                      << int(e.region) << "; RTL int8 " << int(L.i8.code) << " C++ " << int(q8)
                      << "; RTL se-authors " << au_rtl << "/" << int(L.au.region) << " (word "
                      << int(L.au.flag) << "/" << int(L.au.code) << ") C++ " << au_value << "/"
                      << au_region;
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
// at powers of two (ties land exactly on rounding boundaries), at odd
// scales, and just below 1, where x / s lands a hair past a tie or a
// threshold and only the quotient's remainder says so (129 / s is 129 and
// 0.504 ulp: fl rounds it up, so 129 is a large code, not a clipped 127).
TEST(QuantRtl, EveryFp16PatternMatchesTheCodecBitForBit) {
  Lanes lanes;
  std::vector<uint16_t> all(65536);
  for (uint32_t h = 0; h < 65536; ++h) all[h] = static_cast<uint16_t>(h);
  size_t checked = 0;
  for (float scale : {0.030235f, 0.040519f, 1.0f, 0.25f, 2.0f, 0.0078125f, 3.0f, 0.1f, 1.0f / 3.0f,
                      1e-4f, 0.7071068f, 517.3f, 6.1e-5f, 0.99999994f}) {
    checked += check(lanes, scale, all, "all FP16 patterns");
  }
  EXPECT_EQ(checked, 14u * (65536 - 2 * 1023));
}

// The bundled trace's SSM input, every element of every layer, at the
// layer's 99.99th-percentile scale as `ssmsim quant` calibrates it.
TEST(QuantRtl, BundledTraceMatchesTheCodecBitForBit) {
  const Trace t(std::string(SSMSIM_SOURCE_DIR) +
                "/traces/default/mamba-bytes-a-sample0.safetensors");
  Lanes lanes;
  size_t checked = 0;
  for (int64_t l = 0; l < t.dims().n_layer; ++l) {
    const TensorView& u = t.layer(l, "ssm.u");
    ASSERT_EQ(u.dtype, DType::F16);
    std::vector<uint16_t> bits(u.numel);
    std::memcpy(bits.data(), u.data, u.numel * 2);
    const std::vector<float> f = u.to_float_finite();
    const float scale = static_cast<float>(quant::abs_quantile(f.data(), f.size(), 0.9999) / 127.0);
    checked += check(lanes, scale, bits, "layer " + std::to_string(l));
  }
  EXPECT_GT(checked, 1000000u);
}

// The stage: LANES = 4 se-authors lanes behind the scale register, DEPTH = 3 cycles
// from in_valid to out_valid, each lane's output the lane's.
TEST(QuantRtl, StageDelaysEachVectorByItsDepth) {
  Vquant_stage st;  // MODE 2 (se-authors): every scale register in use
  Vquant_lane_se_authors lane;
  const float scale = 0.030235f;
  const QuantLaneRegs regs = quant_lane_regs(scale);
  load_quant_lane_regs(lane, regs);
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
  st.scale_in = regs.scale;
  st.recip_in = regs.recip;
  st.lim_hi_in = regs.lim_hi;
  st.lim_mid_in = regs.lim_mid;
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
