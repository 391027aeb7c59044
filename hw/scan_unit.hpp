// Selective-scan unit: `lanes` state updates (channel x state) per cycle.
// Per token: softplus(dt), exp(delta * A), h = exp(delta A) h + delta B u,
// y = C . h + D u. Per operation of T tokens:
//   cycles = T * max(ceil(d_inner * d_state / lanes), recurrence_latency)
//            + softplus_latency + exp_latency + pipeline_depth
// The state lives in the unit across the tiles of a prefill; a decode step
// reads it from memory and writes it back. SE words from the quantizer
// arrive on quant2scan.
#pragma once

#include <deque>

#include "config/arch_config.hpp"
#include "hw/unit_base.hpp"

namespace ssmsim {

class ScanUnit : public UnitBase {
 public:
  tlm_utils::simple_target_socket<ScanUnit> quant2scan;

  SC_HAS_PROCESS(ScanUnit);
  ScanUnit(sc_core::sc_module_name name, const ScanConfig& cfg, const UnitContext& ctx);
  void trace_signals(sc_core::sc_trace_file* tf) const;

  static uint64_t cycles_per_token(const ScanConfig& s, int64_t d_inner, int64_t d_state);
  static uint64_t op_cycles(const ScanConfig& s, int64_t tokens, int64_t d_inner, int64_t d_state);

 protected:
  Work work(const Command& d) const override;
  void computing(const Command& d, const sc_core::sc_time& ready) override;

 private:
  void link_b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  void on_token();
  ScanConfig cfg_;
  sc_core::sc_event_queue token_q_;
  std::deque<int> token_values_;
  int token_now_ = -1;  // the token the recurrence is on, inside the window or not
  sc_core::sc_signal<int> token_sig_;
};

}  // namespace ssmsim
