// The TLM-2.0 extension that rides on every command and data payload: what
// operation on which tensor tile, its shape, and (for the units that compute
// on real data) where the functional data lives. The payload's data length
// is the byte count the transfer moves.
#pragma once

#include <cstdint>
#include <string>
#include <tlm>
#include <vector>

namespace ssmsim {

struct FunctionalState;  // real-data buffers of one run (controller-owned)

struct TensorDesc : tlm::tlm_extension<TensorDesc> {
  std::string op;     // in_proj, x_proj, scan, hadamard, rmsnorm, ...
  int64_t layer = 0;  // n_layer for the head (final norm, lm_head)
  int64_t tile = 0;
  int64_t first_token = 0;      // token index of the tile's first row
  int64_t tokens = 0;           // rows in the tile
  int64_t M = 0, N = 0, K = 0;  // GEMM shape (C[M,N] = A[M,K] * W[K,N])
  int64_t elements = 0;         // vector, quantizer, Hadamard operations
  int64_t passes = 1;           // vector unit: operations per element
  int64_t priority = 0;         // lower runs first when a unit is contended
  bool decode = false;          // decode step: state comes from and goes to memory
  // Addresses (DRAM or SRAM, by the address map) and sizes in bytes.
  uint64_t in_addr = 0, weight_addr = 0, out_addr = 0, state_addr = 0;
  uint64_t in_bytes = 0, weight_bytes = 0, out_bytes = 0, state_bytes = 0;
  bool input_from_link = false;  // x_proj: INT8 arrives on quant2gemm
  FunctionalState* fn = nullptr;

  tlm::tlm_extension_base* clone() const override { return new TensorDesc(*this); }
  void copy_from(const tlm::tlm_extension_base& other) override {
    *this = static_cast<const TensorDesc&>(other);
  }
};

// Address map: DRAM at 0, SRAM above it.
constexpr uint64_t kDramBase = 0;
constexpr uint64_t kSramBase = uint64_t(1) << 40;

}  // namespace ssmsim
