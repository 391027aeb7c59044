// The units compute on a trace's real activations (ssmsim run --trace): the
// quantizer on the trace's SSM input (Mamba-1 u, Mamba-2 x); with the
// checkpoint's parameters, the scan (Mamba-2: the SSD) on the quantized
// input and the trace's dt, B, C, the gate (Mamba-2: the gated norm) with
// the trace's z, and the Hadamard + INT8 of the out_proj input; each
// against the trace. Batch row 0: the accelerator computes one sequence
// (timing covers the batch).
#pragma once

#include <memory>
#include <vector>

#include "config/arch_config.hpp"
#include "hw/datapath.hpp"
#include "io/checkpoint.hpp"
#include "io/trace.hpp"
#include "numeric/metrics.hpp"
#include "numeric/quantizer.hpp"
#include "rtl/quant_lane_model.hpp"

namespace ssmsim {

struct LayerData {
  // From the trace, [L, width] row-major, fp32. Mamba-2: u is ssm.x, dt the
  // delta (softplus(dt + dt_bias), clamped), y the out_proj input norm.out.
  std::vector<float> u, dt, B, C, z, y;
  // From the checkpoint: A = -exp(A_log) [d_state, d_inner] (transposed for
  // the scan), D [d_inner]; Mamba-2: A and D per head, the norm's gains.
  std::vector<float> A, D, gnorm;
  float u_scale = 1.0f;          // SSM-input quantizer scale (percentile / 127)
  float y_scale = 1.0f;          // out_proj-input (Hadamard domain) scale (max / 127)
  std::vector<float> y_ref_had;  // Hadamard(y from the trace), [L, d_inner]
  // Produced by the operations.
  std::vector<float> u_hat, y_ssm, y_hat;
  std::vector<float> h;       // scan state [d_state, d_inner], carried over tiles
  quant::ErrorStats u_err;    // SSM input: quantizer vs trace
  quant::ErrorStats y_err;    // gated y: computed from u_hat vs trace y
  quant::ErrorStats had_err;  // out_proj input: INT8(H y_hat) vs H y_trace
};

class TraceDatapath : public Datapath {
 public:
  // Loads batch row 0 of the trace's activations and calibrates the
  // SSM-input scale (percentile of |u|) and the out_proj-input scale (max of
  // the Hadamard-rotated trace y); with a checkpoint, also A and D.
  TraceDatapath(const Trace& trace, const Checkpoint* ckpt, const ArchConfig& arch,
                double percentile, int64_t hadamard_size);

  void compute(const Command& c) override;
  QuantRegions quantize(const Command& c, uint8_t* regions) override;

  // A and D loaded: the scan, gate and Hadamard compute (else timing only).
  bool have_weights() const { return have_weights_; }
  const std::vector<LayerData>& layers() const { return layers_; }

 private:
  bool have_weights_ = false;
  ModelDims dims_;
  int64_t d_inner_ = 0;
  quant::QuantKind kind_;
  quant::SoftEdgeParams se_;
  std::unique_ptr<RtlQuantLane> rtl_;  // quantizer.rtl: the verilated lane
  std::vector<LayerData> layers_;
  std::vector<float> row_;  // one Hadamard row
};

}  // namespace ssmsim
