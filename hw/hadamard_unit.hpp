// Hadamard unit: y (out_proj input) is rotated by a normalised Hadamard
// transform in blocks of n = m * 2^k (m = 1, 12, 20; 40 * 2^k = 20 * 2^(k+1))
// and quantized to INT8 (roundf, no clamp: Quamba's kernel), so out_proj
// sees no outliers. `lanes` butterflies (two adders each) per cycle:
//   per block = k * ceil(n / (2 lanes)) + [m > 1] * ceil(n (m - 1) / (2 lanes))
//   per op    = tokens * (d_inner / n) * per block + pipeline_depth
#pragma once

#include "config/arch_config.hpp"
#include "hw/unit_base.hpp"

namespace ssmsim {

class HadamardUnit : public UnitBase {
 public:
  HadamardUnit(sc_core::sc_module_name name, const HadamardConfig& cfg, const UnitContext& ctx);
  static uint64_t block_cycles(const HadamardConfig& h, int64_t n);
  static uint64_t op_cycles(const HadamardConfig& h, int64_t tokens, int64_t d_inner, int64_t n);
  // Additions and subtractions of one size-n block transform.
  static uint64_t block_additions(int64_t n);

 protected:
  Work work(const Command& d) const override;

 private:
  HadamardConfig cfg_;
  std::vector<float> row_;
};

}  // namespace ssmsim
