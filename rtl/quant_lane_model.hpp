// The verilated quantizer lane (rtl/quant_lane.v) behind the codec's
// interface, so a run can quantize through the RTL (quantizer.rtl=true)
// and show that its results do not change.
#pragma once

#include <cstdint>
#include <memory>

#include "numeric/quantizer.hpp"

namespace ssmsim {

// What the driver writes into the lane's scale register for a scale s (a
// normal FP32 value > 0; throws ssmsim::Error otherwise): s, the
// reciprocal floor(2^76 / ms) of its significand, and for se-authors the
// limits fl(15.75 s) and fl(143 s), each as the FP32 bits the lane reads.
struct QuantLaneRegs {
  uint32_t scale = 0;
  uint64_t recip = 0;
  uint32_t lim_hi = 0, lim_mid = 0;
};
QuantLaneRegs quant_lane_regs(float scale);
// The same, with the se-authors grid of that scale already built.
QuantLaneRegs quant_lane_regs(float scale, const quant::SeAuthorsGrid& grid);

// Writes them into a verilated lane's (or stage's lane) register inputs.
template <class Lane>
void load_quant_lane_regs(Lane& lane, const QuantLaneRegs& r) {
  lane.scale = r.scale;
  lane.recip = r.recip;
  lane.lim_hi = r.lim_hi;
  lane.lim_mid = r.lim_mid;
}

class RtlQuantLane {
 public:
  // int8, se or se-authors with the RTL's parameters (small and large
  // shift 2, payload 6); throws ssmsim::Error otherwise, or when the build
  // has no RTL.
  RtlQuantLane(quant::QuantKind kind, const quant::SoftEdgeParams& se);
  ~RtlQuantLane();
  RtlQuantLane(const RtlQuantLane&) = delete;
  RtlQuantLane& operator=(const RtlQuantLane&) = delete;

  void set_scale(float scale);
  // x must be an FP16 value (the lane's input); the dequantized value and
  // the region as quant::measure gives them.
  float quantize(float x, int32_t& region);

  static bool available();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ssmsim
