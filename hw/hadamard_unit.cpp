#include "hw/hadamard_unit.hpp"

#include "common/error.hpp"
#include "numeric/hadamard.hpp"

namespace ssmsim {

using sc_core::sc_time;

HadamardUnit::HadamardUnit(sc_core::sc_module_name name, const HadamardConfig& cfg,
                           const UnitContext& ctx)
    : UnitBase(name, Unit::kHad, ctx), cfg_(cfg) {}

uint64_t HadamardUnit::block_cycles(const HadamardConfig& h, int64_t n) {
  HadamardShape s;
  if (!hadamard_shape(n, &s))
    throw Error("hadamard.size = " + std::to_string(n) + ": not supported");
  const auto adds_per_cycle = static_cast<uint64_t>(2 * h.lanes);
  const auto un = static_cast<uint64_t>(n);
  uint64_t c = static_cast<uint64_t>(s.k) * ((un + adds_per_cycle - 1) / adds_per_cycle);
  if (s.m > 1) c += (un * static_cast<uint64_t>(s.m - 1) + adds_per_cycle - 1) / adds_per_cycle;
  return c;
}

uint64_t HadamardUnit::block_additions(int64_t n) {
  HadamardShape s;
  if (!hadamard_shape(n, &s))
    throw Error("hadamard.size = " + std::to_string(n) + ": not supported");
  // k butterfly stages of n additions/subtractions, then the H_m part.
  const auto un = static_cast<uint64_t>(n);
  return static_cast<uint64_t>(s.k) * un + un * static_cast<uint64_t>(s.m - 1);
}

uint64_t HadamardUnit::op_cycles(const HadamardConfig& h, int64_t tokens, int64_t d_inner,
                                 int64_t n) {
  return static_cast<uint64_t>(tokens * (d_inner / n)) * block_cycles(h, n) +
         static_cast<uint64_t>(h.pipeline_depth);
}

UnitBase::Work HadamardUnit::work(const Command& d) const {
  const int64_t D = d.channels;  // batch x d_inner
  const int64_t n = d.hadamard_block;
  Work w;
  w.busy_cycles = op_cycles(cfg_, d.tokens, D, n);
  w.elements = static_cast<uint64_t>(d.tokens * D);
  w.arith_ops = static_cast<uint64_t>(d.tokens * (D / n)) * block_additions(n);
  return w;
}

}  // namespace ssmsim
