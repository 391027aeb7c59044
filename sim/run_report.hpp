// Reports of ssmsim run: per layer and per unit cycles, busy %, stall
// cycles, bytes; totals; every GEMM with its SCALE-Sim compute cycles; the
// quantization error of each quantizer on the data path.
#pragma once

#include <string>

#include "config/workload.hpp"
#include "datapath/trace_datapath.hpp"
#include "hw/accelerator.hpp"
#include "hw/controller.hpp"
#include "mamba/scoring.hpp"

namespace ssmsim {

// run --pipeline w8a8: the model-output figures, as ssmsim eval reports them.
struct W8A8Result {
  std::string quantizer, scales;  // SSM-input quantizer; where the scales came from
  Score fp32, quantized;
  std::vector<quant::ErrorStats> layer_err;  // [layer * 9 + tensor], w8a8_tensor_names()
};

struct RunReportInput {
  std::string trace, model_dir;  // trace "" for a workload run
  const Workload* workload;      // nullptr for a trace run
  const RunPlan& plan;
  const ArchConfig& arch;
  const Controller& controller;
  const Accelerator& acc;
  const TraceDatapath* trace_data;  // the trace's data path (--pipeline trace), else nullptr
  double wall_s;
  const W8A8Result* w8a8 = nullptr;
};

// Prints the tables and writes OUT/run.json, OUT/run.csv, OUT/run.config.json
// (and OUT/run.workload.json for a workload run).
void write_run_report(const RunReportInput& in, const std::string& out_dir);

}  // namespace ssmsim
