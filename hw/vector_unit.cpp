#include "hw/vector_unit.hpp"

#include <cmath>

#include "hw/functional_state.hpp"
#include "numeric/selective_scan.hpp"

namespace ssmsim {

using sc_core::sc_time;

VectorUnit::VectorUnit(sc_core::sc_module_name name, const ArchConfig& cfg,
                       std::vector<OpRecord>* log, const TraceWindow* window)
    : UnitBase(name, "vec", cfg.clock_period_ns(), log, window), cfg_(cfg.vector) {}

uint64_t VectorUnit::op_cycles(const VectorConfig& v, int64_t elements, int64_t passes) {
  const auto lanes = static_cast<uint64_t>(v.lanes);
  return static_cast<uint64_t>(passes) * ((static_cast<uint64_t>(elements) + lanes - 1) / lanes) +
         static_cast<uint64_t>(v.pipeline_depth);
}

sc_time VectorUnit::execute(const TensorDesc& d, OpRecord& rec) {
  sc_time ready = mem(tlm::TLM_READ_COMMAND, d.in_addr, d.in_bytes, sc_core::SC_ZERO_TIME, rec);
  ready = std::max(ready, mem(tlm::TLM_READ_COMMAND, d.weight_addr, d.weight_bytes,
                              sc_core::SC_ZERO_TIME, rec));  // conv1d weights, norm gains
  if (d.decode && d.state_bytes > 0) {                       // conv1d state of a decode step
    ready = std::max(
        ready, mem(tlm::TLM_READ_COMMAND, d.state_addr, d.state_bytes, sc_core::SC_ZERO_TIME, rec));
  }
  compute_w8a8(d);
  FunctionalState* fn = d.fn;
  if (d.op == "gate" && fn != nullptr && fn->have_weights) {
    LayerData& L = fn->layers[static_cast<size_t>(d.layer)];
    const size_t off = static_cast<size_t>(d.first_token * fn->d_inner);
    const auto E = static_cast<size_t>(d.elements);
    for (size_t i = off; i < off + E; ++i) L.y_hat[i] = L.y_ssm[i] * silu(L.z[i]);
    L.y_err.merge(quant::compare(L.y.data() + off, L.y_hat.data() + off, E));
  }
  const uint64_t busy = op_cycles(cfg_, d.elements, d.passes);
  const sc_time t = ready + cycles(busy);
  sc_time done = mem(tlm::TLM_WRITE_COMMAND, d.out_addr, d.out_bytes, t, rec);
  if (d.decode && d.state_bytes > 0) {
    done = std::max(done, mem(tlm::TLM_WRITE_COMMAND, d.state_addr, d.state_bytes, t, rec));
  }
  rec.busy_cycles = busy;
  rec.stall_cycles = to_cycles(ready) + to_cycles(done - t);
  rec.elements = static_cast<uint64_t>(d.elements);
  rec.arith_ops = rec.elements * static_cast<uint64_t>(d.passes);
  return done;
}

}  // namespace ssmsim
