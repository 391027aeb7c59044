#include "hw/hadamard_unit.hpp"

#include "common/error.hpp"
#include "numeric/hadamard.hpp"

namespace ssmsim {

using sc_core::sc_time;

HadamardUnit::HadamardUnit(sc_core::sc_module_name name, const ArchConfig& cfg,
                           const UnitContext& ctx)
    : UnitBase(name, Unit::kHad, cfg.clock_period_ns(), ctx), cfg_(cfg.hadamard) {}

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

sc_time HadamardUnit::execute(const Command& d, OpRecord& rec) {
  const int64_t D = d.channels;  // batch x d_inner
  const int64_t n = d.hadamard_block;
  const sc_time ready = read_inputs(d, sc_core::SC_ZERO_TIME, rec);
  stall_span(sc_core::SC_ZERO_TIME, ready, StallReason::kInput);
  datapath_.compute(d);
  const uint64_t busy = op_cycles(cfg_, d.tokens, D, n);
  const sc_time t = ready + cycles(busy);
  const sc_time done = mem(tlm::TLM_WRITE_COMMAND, d.out, t, rec);
  stall_span(t, done, StallReason::kOutput);
  rec.busy_cycles = busy;
  rec.stall_cycles = to_cycles(ready) + to_cycles(done - t);
  rec.elements = static_cast<uint64_t>(d.tokens * D);
  rec.arith_ops = static_cast<uint64_t>(d.tokens * (D / n)) * block_additions(n);
  return done;
}

}  // namespace ssmsim
