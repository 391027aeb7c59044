#include "hw/hadamard_unit.hpp"

#include "hw/functional_state.hpp"
#include "common/error.hpp"
#include "numeric/hadamard.hpp"
#include "numeric/metrics.hpp"

namespace ssmsim {

using sc_core::sc_time;

HadamardUnit::HadamardUnit(sc_core::sc_module_name name, const ArchConfig& cfg,
                           std::vector<OpRecord>* log, const TraceWindow* window)
    : UnitBase(name, "had", cfg.clock_period_ns(), log, window), cfg_(cfg.hadamard) {}

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

sc_time HadamardUnit::execute(const TensorDesc& d, OpRecord& rec) {
  const int64_t D = d.N;  // batch x d_inner
  const int64_t n = d.K;  // block size
  const sc_time ready =
      mem(tlm::TLM_READ_COMMAND, d.in_addr, d.in_bytes, sc_core::SC_ZERO_TIME, rec);
  compute_w8a8(d);
  FunctionalState* fn = d.fn;
  if (fn != nullptr && fn->have_weights) {
    LayerData& L = fn->layers[static_cast<size_t>(d.layer)];
    const int64_t Di = fn->d_inner;  // one sequence
    row_.resize(static_cast<size_t>(Di));
    for (int64_t t = d.first_token; t < d.first_token + d.tokens; ++t) {
      const float* y = L.y_hat.data() + t * Di;
      std::copy(y, y + Di, row_.begin());
      for (int64_t b = 0; b < Di; b += n) hadamard_transform(row_.data() + b, n);
      // INT8 with roundf and no clamp, dequantized, against H(y from the trace).
      const float s = L.y_scale;
      for (float& v : row_) v = static_cast<float>(quant::round_half_away(v / s)) * s;
      L.had_err.merge(
          quant::compare(L.y_ref_had.data() + t * Di, row_.data(), static_cast<size_t>(Di)));
    }
  }
  const uint64_t busy = op_cycles(cfg_, d.tokens, D, n);
  const sc_time t = ready + cycles(busy);
  const sc_time done = mem(tlm::TLM_WRITE_COMMAND, d.out_addr, d.out_bytes, t, rec);
  rec.busy_cycles = busy;
  rec.stall_cycles = to_cycles(ready) + to_cycles(done - t);
  rec.elements = static_cast<uint64_t>(d.tokens * D);
  rec.arith_ops = static_cast<uint64_t>(d.tokens * (D / n)) * block_additions(n);
  return done;
}

}  // namespace ssmsim
