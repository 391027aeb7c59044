// Plain statistics of a unit and of one operation it executed.
#pragma once

#include <cstdint>
#include <systemc>
#include <vector>

#include "hw/command.hpp"

namespace ssmsim {

// What an operation's compute waits for while it holds its unit (the VCD's
// <unit>.stall_reason): the memory traffic that arrives last.
// kNone: computing or idle (busy says which).
enum class StallReason : int { kNone = 0, kInput, kWeights, kState, kOutput };
constexpr int kStallReasonCount = 5;
inline const char* stall_reason_name(StallReason r) {
  static const char* const names[kStallReasonCount] = {"none", "wait_input", "wait_weights",
                                                       "wait_state", "wait_output_write"};
  return names[static_cast<int>(r)];
}

// The latest of an operation's memory arrivals and what it was.
struct Arrival {
  sc_core::sc_time at = sc_core::SC_ZERO_TIME;
  StallReason why = StallReason::kNone;
  void add(const sc_core::sc_time& t, StallReason r) {
    if (t > at) {
      at = t;
      why = r;
    }
  }
};

struct UnitStats {
  uint64_t ops = 0;
  uint64_t busy_cycles = 0;   // the datapath was working
  uint64_t stall_cycles = 0;  // an operation was running but waited for data
  uint64_t elements = 0;      // elements produced (MACs for the GEMM unit)
  uint64_t dram_read_bytes = 0, dram_write_bytes = 0;
  uint64_t sram_read_bytes = 0, sram_write_bytes = 0;
  uint64_t link_bytes = 0;  // sent on unit-to-unit links
  uint64_t accesses = 0;    // memory transactions issued
};

// One executed operation, for per-layer reports and gemm_ops.
struct OpRecord {
  Unit unit = Unit::kGemm;
  Op op = Op::kRmsNorm;
  int64_t layer = 0;
  int64_t tile = 0;
  bool decode = false;          // a decode step's operation (else prefill's)
  int64_t M = 0, N = 0, K = 0;  // GEMM shape (0 for other units)
  int64_t count = 1;            // GEMMs of that shape (the SSD's batched matmuls)
  bool fp16 = false;            // GEMM with FP16 operands (the fp16 baseline, or the SSD's)
  uint64_t start_cycle = 0, end_cycle = 0;
  uint64_t busy_cycles = 0, stall_cycles = 0;  // stall: holding the unit, waiting for memory
  uint64_t queue_cycles = 0;                   // waiting for the unit, busy with other operations
  uint64_t compute_cycles = 0;                 // GEMM: compute cycles of its mapping
  uint8_t mapping = 0;                         // GEMM: the mapping used (GemmMapping)
  uint64_t elements = 0;
  // Operations the energy table charges: MACs (gemm), elements quantized,
  // element-passes (vec), state updates (scan), additions (had).
  uint64_t arith_ops = 0;
  uint64_t dram_read_bytes = 0, dram_write_bytes = 0;
  uint64_t sram_read_bytes = 0, sram_write_bytes = 0;
};

// Where units hand their executed operations, in completion order. A run
// aggregates them as they come (its memory does not grow with the run's
// length); OpLog keeps them all (tests).
class OpSink {
 public:
  virtual ~OpSink() = default;
  virtual void add(const OpRecord& r) = 0;
};

class OpLog : public OpSink {
 public:
  void add(const OpRecord& r) override { ops.push_back(r); }
  std::vector<OpRecord> ops;
};

}  // namespace ssmsim
