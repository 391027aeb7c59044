// INT8 x INT8 -> INT32 systolic array with a requantizing epilogue.
// Compute cycles per GEMM follow SCALE-Sim v2 for the same array and
// dataflow (docs/timing.md):
//   os: Sr = M, Sc = N, T = K; per fold R + C + T - 2 (fill, stream, drain)
//   ws: Sr = K, Sc = N, T = M; per fold 2R + C + T - 2 (plus weight load)
//   compute = ceil(Sr / R) * ceil(Sc / C) * per fold
// or, with gemm.gemv = auto, for M < R (decode, small batches) where it is
// faster, as a weight-stationary GEMV: ceil(K/R) * ceil(N/C) tiles of R
// cycles (R rows of C weights load while the M input vectors stream), + R
// for the first load + ceil(log2 R) for the column adder trees.
// Weights stream from memory one column strip (Sc chunk of C) at a time:
// gemm.prefetch_strips strips ahead of the one computing. A GEMM running
// alone (decode) uses its last buffer slots for the next GEMM's first strips
// (Command::next_weight), so the DRAM latency and the first strip's transfer
// are not exposed at every operation.
#pragma once

#include <array>
#include <map>
#include <vector>

#include "config/arch_config.hpp"
#include "hw/unit_base.hpp"

namespace ssmsim {

// How the array ran a GEMM (run.json gemm_ops[].mapping).
enum class GemmMapping : uint8_t { kOs, kWs, kGemv };
inline const char* gemm_mapping_name(GemmMapping m) {
  static constexpr const char* kNames[] = {"os", "ws", "gemv"};
  return kNames[static_cast<int>(m)];
}

class GemmUnit : public UnitBase {
 public:
  // INT8 activations for x_proj arrive from the quantizer stage here.
  tlm_utils::simple_target_socket<GemmUnit> quant2gemm;

  // fp16: precision = fp16 (the array runs at gemm.fp16_rate).
  GemmUnit(sc_core::sc_module_name name, const GemmConfig& cfg, bool fp16, const UnitContext& ctx);

  // A GEMM's compute cycles as column strips (C columns each, the last one
  // the columns left over), each strip all of its row folds.
  struct Folds {
    int64_t row_folds = 1, col_folds = 1;
    uint64_t strip_cycles = 0;       // a strip of C columns
    uint64_t last_strip_cycles = 0;  // the last strip
    int64_t once = 0;                // cycles once per operation (GEMV: first load, adder levels)
    int64_t rows = 0;                // the array rows the mapping runs on (GEMV: <= R)
    GemmMapping mapping = GemmMapping::kOs;
    uint64_t total() const {
      return static_cast<uint64_t>(col_folds - 1) * strip_cycles + last_strip_cycles +
             static_cast<uint64_t>(once);
    }
  };
  // The dataflow's folds (SCALE-Sim's, fill and drain over the rows and
  // columns each fold uses), the GEMV mapping's on `rows` of the array's
  // rows, and the one used: the fewest cycles over the dataflow and, for
  // M < R, the GEMV mapping on every sub-array height.
  static Folds dataflow_folds(const GemmConfig& g, int64_t M, int64_t N, int64_t K);
  static Folds gemv_folds(const GemmConfig& g, int64_t M, int64_t N, int64_t K, int64_t rows);
  static Folds folds(const GemmConfig& g, int64_t M, int64_t N, int64_t K);
  static uint64_t compute_cycles(const GemmConfig& g, int64_t M, int64_t N, int64_t K) {
    return folds(g, M, N, K).total();
  }

 protected:
  sc_core::sc_time execute(const Command& d, OpRecord& rec) override;

 private:
  class Strips;  // the weight strips' reads of one GEMM (gemm_unit.cpp)
  void link_b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  GemmConfig cfg_;
  bool fp16_;
  std::vector<sc_core::sc_time> ready_;                  // per strip of the current GEMM
  std::map<std::array<int64_t, 3>, Folds> folds_cache_;  // by (M, N, K): folds() tries many
  std::vector<sc_core::sc_time> prefetched_;  // the next GEMM's first strips: arrival (absolute)
  uint64_t prefetched_addr_ = 0;              // ... of the weights at this address
  OpRecord prefetched_bytes_;                 // ... their bytes, counted by the GEMM using them
};

}  // namespace ssmsim
