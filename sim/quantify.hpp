// ssmsim quant as a library function: the per-layer quantization error of a
// trace tensor under Quamba INT8 and the soft-edge quantizers, each layer's
// scale from the percentile of |x| over the calibration samples (Quamba's
// EMA over batch rows), / 127. Streams the trace row by row.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "numeric/metrics.hpp"
#include "numeric/quantizer.hpp"

namespace ssmsim {

struct QuantifyRequest {
  std::string trace;
  std::string tensor;  // empty: the SSM input (ssm.u for Mamba-1, ssm.x for Mamba-2)
  std::vector<quant::QuantKind> kinds;
  double percentile = 99.99;
  std::vector<std::string> calib;  // calibration traces (empty: the trace itself)
  quant::SoftEdgeParams se;
};

struct LayerResult {
  int64_t layer = 0;
  size_t elements = 0;
  double amax = 0;
  float scale = 0;
  std::vector<quant::ErrorStats> stats;  // one per quantizer
  // Error by region: elements classified by their soft-edge region at this
  // layer's scale (the same bands for every quantizer), squared error summed
  // per quantizer and region.
  std::array<uint64_t, quant::kSeRegionCount> region_elements{};
  std::vector<std::array<double, quant::kSeRegionCount>> region_sq_error;
};

struct QuantifyResult {
  QuantifyRequest request;
  std::string model;  // the trace's model name
  int64_t n_layer = 0, batch = 0, seq_len = 0;
  std::vector<LayerResult> layers;
};

QuantifyResult quantify(const QuantifyRequest& r);

}  // namespace ssmsim
