// Reports of ssmsim run: per layer and per unit cycles, busy %, stall
// cycles, bytes; totals; every GEMM with its SCALE-Sim compute cycles; the
// quantization error of each quantizer on the data path.
#pragma once

#include <string>

#include "sim/simulate.hpp"

namespace ssmsim {

// The files write_run_report writes into its folder (run.workload.json with
// a workload).
std::vector<std::string> run_report_files(bool workload);

// Prints the tables and writes OUT/run.json, OUT/run.csv, OUT/run.config.json
// (and OUT/run.workload.json for a workload run).
void write_run_report(const RunResult& r, const std::string& out_dir);

}  // namespace ssmsim
