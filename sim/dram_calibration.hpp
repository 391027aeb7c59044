// The analytic DRAM model's numbers, measured with DRAMSys instead of
// guessed: a probe drives the DRAMSys memory of an architecture's dram.*
// keys with access patterns (isolated reads, sequential read and write
// streams, a read/write mix, strided and random reads) and reports what each gets:
// the latency and the share of the peak that the analytic keys
// dram.latency_ns, dram.read_efficiency and dram.write_efficiency take
// (docs/dram.md). One elaboration: one per process.
#pragma once

#include <string>
#include <vector>

#include "config/arch_config.hpp"

namespace ssmsim {

struct DramPatternResult {
  std::string name;  // latency, seq_read, seq_write, seq_mixed, strided_read, random_read
  std::string what;  // the pattern in words
  uint64_t bytes = 0, transfers = 0;
  int outstanding = 0;         // transfers in flight at a time
  double time_ns = 0;          // first issue to last completion
  double mean_latency_ns = 0;  // issue to completion, per transfer
  double effective_gbps = 0;   // bytes / (time - idle latency)
  double efficiency = 0;       // effective_gbps / peak
};

struct DramCalibration {
  std::string dram_text;  // the DRAMSys memory, in words
  double peak_gbps = 0;
  double latency_ns = 0;  // idle read latency beyond one transaction's transfer
  double read_efficiency = 0, write_efficiency = 0;
  std::vector<DramPatternResult> patterns;
  double wall_s = 0;
};

// Throws Error when this build has no DRAMSys or the keys do not describe
// a DRAMSys memory.
DramCalibration calibrate_dram(const DramConfig& cfg);

}  // namespace ssmsim
