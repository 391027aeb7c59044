// Reports of ssmsim run: per layer and per unit cycles, busy %, stall
// cycles, bytes; totals; every GEMM with its SCALE-Sim compute cycles; the
// quantization error of each quantizer on the data path.
#pragma once

#include <string>

#include "model/accelerator.hpp"
#include "model/functional_state.hpp"
#include "model/workload.hpp"

namespace ssmsim {

struct RunReportInput {
  std::string trace, model_dir;  // trace "" for a workload run
  const Workload* workload;      // nullptr for a trace run
  const RunPlan& plan;
  const ArchConfig& arch;
  const Accelerator& acc;
  const FunctionalState& fn;
  double wall_s;
};

// Prints the tables and writes OUT/run.json, OUT/run.csv, OUT/run.config.json
// (and OUT/run.workload.json for a workload run).
void write_run_report(const RunReportInput& in, const std::string& out_dir);

}  // namespace ssmsim
