// The verilated quantizer lane (rtl/quant_lane.v) behind the codec's
// interface, so a run can quantize through the RTL (quantizer.rtl=true)
// and show that its results do not change.
#pragma once

#include <cstdint>
#include <memory>

#include "numeric/quantizer.hpp"

namespace ssmsim {

class RtlQuantLane {
 public:
  // int8 or se with the RTL's parameters (small and large shift 2, payload
  // 6); throws ssmsim::Error otherwise, or when the build has no RTL.
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
