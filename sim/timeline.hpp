// A run's timeline in the Chrome / Perfetto trace-event format
// (`run --timeline FILE`, open it in ui.perfetto.dev or chrome://tracing):
// one track per unit with a slice per operation (args: layer, tile, phase,
// busy / stall / queue cycles, DRAM and SRAM bytes, the GEMM's shape and
// bound), and counter tracks: the DRAM's bandwidth (GB/s) and each unit's
// queue depth (operations waiting for it), averaged over time bins. Slices
// are written as the units complete them, in front of the run's aggregate
// (an OpSink that forwards every record); the counters at the end.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/arch_config.hpp"
#include "hw/unit_stats.hpp"
#include "sim/report.hpp"

namespace ssmsim {

class TimelineWriter : public OpSink {
 public:
  // Forwards every record to `next`. n_layer: the head is layer n_layer.
  TimelineWriter(const std::string& path, OpSink& next, const ArchConfig& arch, int64_t n_layer);
  void add(const OpRecord& r) override;
  // The counters up to end_cycle, then the file is complete.
  void finish(uint64_t end_cycle);
  uint64_t slices() const { return slices_; }

 private:
  // Spreads `amount` uniformly over [a, b) cycles into the bins.
  void spread(std::vector<double>& bins, uint64_t a, uint64_t b, double amount);
  void widen(uint64_t cycle);  // doubles the bin width until cycle fits
  AtomicFile file_;
  OpSink& next_;
  const ArchConfig& arch_;
  int64_t n_layer_;
  double period_ns_;
  uint64_t slices_ = 0, max_end_ = 0;
  uint64_t bin_cycles_ = 64;  // doubled as the run grows: at most kMaxBins bins
  static constexpr size_t kMaxBins = 2048;
  std::vector<double> dram_bytes_;                            // per bin
  std::array<std::vector<double>, kUnitCount> queue_cycles_;  // per unit, per bin
};

}  // namespace ssmsim
