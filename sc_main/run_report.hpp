// Reports of ssmsim run: per layer and per unit cycles, busy %, stall
// cycles, bytes; totals; every GEMM with its SCALE-Sim compute cycles; the
// quantization error of each quantizer on the data path.
#pragma once

#include <string>

#include "model/accelerator.hpp"
#include "model/functional_state.hpp"

namespace ssmsim {

struct RunReportInput {
  std::string trace, model_dir, mode;
  int64_t tokens;
  const ArchConfig& arch;
  const Accelerator& acc;
  const FunctionalState& fn;
  double wall_s;
};

// Prints the tables and writes OUT/run.json, OUT/run.csv, OUT/run.config.json.
void write_run_report(const RunReportInput& in, const std::string& out_dir);

}  // namespace ssmsim
