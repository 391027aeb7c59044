// The real data a run computes on: the trace's activations of every layer,
// the checkpoint's A and D, and what the units produce (quantized SSM input,
// scan output, gated y) with their error against the trace. Units reach it
// through the TensorDesc extension; the controller owns it.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "numeric/metrics.hpp"
#include "numeric/quantizer.hpp"

namespace ssmsim {

struct LayerData {
  // From the trace, [L, width] row-major, fp32.
  std::vector<float> u, dt, B, C, z, y;
  // From the checkpoint: A = -exp(A_log) [d_state, d_inner] (transposed for
  // the scan), D [d_inner].
  std::vector<float> A, D;
  float u_scale = 1.0f;          // SSM-input quantizer scale (percentile / 127)
  float y_scale = 1.0f;          // out_proj-input (Hadamard domain) scale (max / 127)
  std::vector<float> y_ref_had;  // Hadamard(y from the trace), [L, d_inner]
  // Produced by the units.
  std::vector<float> u_hat, y_ssm, y_hat;
  std::vector<float> h;       // scan state [d_state, d_inner], carried over tiles
  quant::ErrorStats u_err;    // SSM input: quantizer vs trace
  quant::ErrorStats y_err;    // gated y: computed from u_hat vs trace y
  quant::ErrorStats had_err;  // out_proj input: INT8(H y_hat) vs H y_trace
};

class W8A8Sequence;

struct FunctionalState {
  bool have_trace = false;    // activations available: the quantizer computes
  bool have_weights = false;  // A and D available: scan, gate, Hadamard compute
  int64_t seq_len = 0, d_inner = 0, d_state = 0, hadamard_size = 0;
  quant::QuantKind kind = quant::QuantKind::kSe;
  quant::SoftEdgeParams se;
  // Timing-only runs (no trace): SSM-input region fractions from the
  // workload, for the quantizer's data-dependent (multicycle) cost.
  bool have_region_rates = false;
  // run --pipeline w8a8: every unit executes its operation of the Quamba
  // W8A8 pipeline (mamba/w8a8.hpp) on its tile's rows, so the run
  // computes the same bits as ssmsim eval.
  W8A8Sequence* w8a8 = nullptr;
  std::array<double, 4> region_rates = {1.0, 0.0, 0.0, 0.0};  // by quant::SeRegion
  std::vector<LayerData> layers;
};

}  // namespace ssmsim
