// What the units compute in a run, chosen from what it was given: Quamba's
// W8A8 pipeline (Mamba-1) or the Quamba2-style one (Mamba-2) on the trace's
// tokens and the checkpoint, the trace's own activations, or nothing but a
// workload's soft-edge region rates (timing only).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "config/arch_config.hpp"
#include "datapath/rates_datapath.hpp"
#include "datapath/trace_datapath.hpp"
#include "datapath/w8a8_datapath.hpp"
#include "io/checkpoint.hpp"
#include "io/trace.hpp"
#include "mamba/mamba2_forward.hpp"
#include "mamba/mamba_forward.hpp"
#include "mamba/w8a8.hpp"
#include "mamba/w8a8_mamba2.hpp"

namespace ssmsim {

// What the user chose for the units' computation.
struct PipelineOptions {
  bool w8a8 = false;                           // Quamba's W8A8 pipeline (else the trace's own data)
  std::string scales;                          // w8a8: a scales file ("": calibrate on the trace)
  ScaleScheme scheme = ScaleScheme::kQuamba2;  // w8a8 on Mamba-2
  double percentile = 99.99;                   // calibration of the SSM input
};

struct DatapathRequest {
  const ArchConfig* arch = nullptr;
  const Trace* trace = nullptr;  // none: a workload (timing only)
  const Checkpoint* checkpoint = nullptr;
  const MambaWeights* weights = nullptr;    // Mamba-1 checkpoint
  const Mamba2Weights* weights2 = nullptr;  // Mamba-2 checkpoint
  PipelineOptions pipeline;
  int64_t prefill_tokens = 0, decode_tokens = 0;
  int64_t hadamard_size = 0;
  std::array<double, 4> region_rates{};  // a workload's soft-edge regions
};

// The datapath and what it runs on; only one of the pipelines is set.
struct RunDatapath {
  std::unique_ptr<TraceDatapath> trace_data;  // --pipeline trace on a trace
  std::unique_ptr<W8A8Mamba> pipe;
  std::unique_ptr<W8A8Sequence> seq;
  std::unique_ptr<W8A8Mamba2> pipe2;
  std::unique_ptr<W8A8Mamba2Sequence> seq2;
  std::unique_ptr<Datapath> other;  // the W8A8 datapaths, or the rates
  std::string quantizer, scales;    // w8a8: the quantizer's label, where the scales came from
  Datapath& datapath() { return trace_data ? *trace_data : *other; }
};

RunDatapath make_datapath(const DatapathRequest& r);

}  // namespace ssmsim
