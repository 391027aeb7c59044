#include "hw/vector_unit.hpp"

#include <cmath>

namespace ssmsim {

using sc_core::sc_time;

VectorUnit::VectorUnit(sc_core::sc_module_name name, const ArchConfig& cfg, const UnitContext& ctx)
    : UnitBase(name, Unit::kVec, cfg.clock_period_ns(), ctx), cfg_(cfg.vector) {}

uint64_t VectorUnit::op_cycles(const VectorConfig& v, int64_t elements, int64_t passes) {
  const auto lanes = static_cast<uint64_t>(v.lanes);
  return static_cast<uint64_t>(passes) * ((static_cast<uint64_t>(elements) + lanes - 1) / lanes) +
         static_cast<uint64_t>(v.pipeline_depth);
}

sc_time VectorUnit::execute(const Command& d, OpRecord& rec) {
  const sc_time zero = sc_core::SC_ZERO_TIME;
  Arrival in;
  in.add(read_inputs(d, zero, rec), StallReason::kInput);
  in.add(read_weights(d, 0, d.weight.bytes, zero, rec), StallReason::kWeights);  // conv1d, gains
  if (d.decode && d.state.bytes > 0) {  // conv1d state of a decode step
    in.add(mem(tlm::TLM_READ_COMMAND, d.state, zero, rec), StallReason::kState);
  }
  const sc_time ready = in.at;
  stall_span(zero, ready, in.why);
  datapath_.compute(d);
  const uint64_t busy = op_cycles(cfg_, d.elements, d.passes);
  const sc_time t = ready + cycles(busy);
  sc_time done = mem(tlm::TLM_WRITE_COMMAND, d.out, t, rec);
  if (d.decode && d.state.bytes > 0)
    done = std::max(done, mem(tlm::TLM_WRITE_COMMAND, d.state, t, rec));
  stall_span(t, done, StallReason::kOutput);
  rec.busy_cycles = busy;
  rec.stall_cycles = to_cycles(ready) + to_cycles(done - t);
  rec.elements = static_cast<uint64_t>(d.elements);
  rec.arith_ops = rec.elements * static_cast<uint64_t>(d.passes);
  return done;
}

}  // namespace ssmsim
