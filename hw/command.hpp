// A command from the controller to a unit: the TLM-2.0 extension on the
// command payload (and on the quantizer's link payloads). It says which
// operation on which rows, its shape in the unit's own terms, and where its
// operands lie (addresses from the AddressMap). Units time it; what it
// computes is the Datapath's business.
#pragma once

#include <array>
#include <cstdint>
#include <tlm>

#include "common/ops.hpp"

namespace ssmsim {

// The compute units, in report order.
enum class Unit : uint8_t { kGemm, kQuant, kScan, kHad, kVec };
constexpr int kUnitCount = 5;

inline const char* unit_name(Unit u) {
  static constexpr const char* kNames[kUnitCount] = {"gemm", "quant", "scan", "had", "vec"};
  return kNames[static_cast<int>(u)];
}

// A memory operand: its first byte's address and its size.
struct Operand {
  uint64_t addr = 0;
  uint64_t bytes = 0;
  // Non-zero: the bytes stream through an on-chip block of this size at
  // addr (attention's scores, flash-style), one transfer per block.
  uint64_t window = 0;
};

// An operation reads up to this many separate inputs (the gate reads y and
// z, the residual out and resid, the scan dt, B/C and, in fp16, u; the SSD
// decay its scores, cumulative decays, C and x).
constexpr int kMaxInputs = 4;

struct Command : tlm::tlm_extension<Command> {
  Op op = Op::kRmsNorm;
  int64_t layer = 0;        // n_layer for the head (final norm, lm_head)
  int64_t tile = 0;         // prefill tile, or decode step
  int64_t first_token = 0;  // token index of the first row
  int64_t tokens = 0;       // tokens (rows of one sequence)
  // GEMM unit: C[m, n] = A[m, k] * W[k, n], `count` independent ones of
  // that shape (the SSD's per-chunk, per-head matmuls; W is then an
  // activation, not a weight). fp16_operands: FP16 inputs at gemm.fp16_rate
  // even in w8a8 (the SSD matmuls whose operands carry fp decays).
  int64_t m = 0, n = 0, k = 0;
  int64_t count = 1;
  // The rows the `count` GEMMs really hold when they differ (MoE experts:
  // the routed rows; m is then the most one expert runs); 0: count x m.
  // MACs are counted on these.
  int64_t rows_total = 0;
  bool fp16_operands = false;
  // Vector unit and quantizer: elements, and operations per element (vector).
  int64_t elements = 0;
  int64_t passes = 1;
  // Scan unit: independent channels (batch x d_inner) of d_state each.
  // Hadamard unit: channels transformed in blocks of hadamard_block.
  int64_t channels = 0;
  int64_t d_state = 0;
  // Scan unit: sequential steps of the recurrence; 0: one per token (the
  // SSD's state_passing: one per chunk).
  int64_t steps = 0;
  int64_t hadamard_block = 0;
  int64_t priority = 0;          // lower runs first when a unit is contended
  bool decode = false;           // decode step: state comes from and goes to memory
  bool input_from_link = false;  // x_proj: INT8 arrives on quant2gemm
  // Other operations may run meanwhile (prefill tiles in flight): the unit
  // sends each memory request at its own time, to be arbitrated with those
  // of the same time. Alone, it places its requests ahead at once.
  bool concurrent = false;
  std::array<Operand, kMaxInputs> in{};  // unused inputs have 0 bytes
  Operand weight, out, state;
  Operand weight_fill;  // resident weights' first use: their SRAM copy, written as read
  // GEMM alone on the accelerator: the weights of the next GEMM of the
  // program, whose first strips it prefetches while its last ones compute.
  Operand next_weight;
  int64_t n_next = 0;      // its columns (N)
  int64_t count_next = 1;  // its GEMMs (their weights one after another)

  tlm::tlm_extension_base* clone() const override { return new Command(*this); }
  void copy_from(const tlm::tlm_extension_base& other) override {
    *this = static_cast<const Command&>(other);
  }
};

}  // namespace ssmsim
