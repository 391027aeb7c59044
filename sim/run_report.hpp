// Reports of ssmsim run: per layer and per unit cycles, busy %, stall
// cycles, bytes; totals; every GEMM with its SCALE-Sim compute cycles; the
// quantization error of each quantizer on the data path.
#pragma once

#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hw/area.hpp"
#include "hw/energy.hpp"
#include "sim/report.hpp"
#include "sim/simulate.hpp"

namespace ssmsim {

// The files write_run_report writes into its folder (run.workload.json with
// a workload).
std::vector<std::string> run_report_files(bool workload);

// One kernel (operation kind) in one phase, summed over layers and tiles.
struct KernelFigures {
  Op op = Op::kRmsNorm;
  bool decode = false;
  const Agg* agg = nullptr;  // in the RunResult's aggregate
  const char* bound = "";    // what bounds it (sim/report.hpp's kernel_bound)
};

// Every figure a run's reports derive from its result; the writers only
// format these and the result's own counts.
struct RunMetrics {
  double period_ns = 1;  // the simulated clock period
  uint64_t total_cycles = 0, prefill_cycles = 0, decode_cycles = 0;
  double latency_ns = 0, prefill_ns = 0;
  int64_t tokens = 0;  // prompt and generated, of every sequence
  double tokens_per_s = 0;
  std::string source;  // "workload NAME" or the trace
  Energy energy;       // the units', the DRAM's background and the static energy
  double static_mw = 0, dram_background_mw = 0;
  AreaBreakdown area;
  double edp_j_s = 0;                  // energy-delay product
  double weight_bound_ns = 0;          // every weight once at the DRAM's peak
  Attribution attr;                    // cycles by layer and unit; idle
  bool hybrid = false;                 // layers have kinds
  ojson prefill_dram, decode_dram;     // per phase: GB/s, efficiency (empty without the phase)
  std::vector<KernelFigures> kernels;  // prefill's, then decode's
  std::map<std::string, std::pair<uint64_t, uint64_t>> gemm_bounds;  // bound -> ops, cycles
  std::optional<quant::ErrorStats> ssm_in_error;  // every layer's SSM input, with data
};
RunMetrics run_metrics(const RunResult& r);

// Prints the tables to `out` and writes OUT/run.json, OUT/run.csv,
// OUT/run.kernels.csv, OUT/run.config.json (and OUT/run.workload.json for a
// workload run).
void write_run_report(const RunResult& r, const std::string& out_dir,
                      std::ostream& out = std::cout);

}  // namespace ssmsim
