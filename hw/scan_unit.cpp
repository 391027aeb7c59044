#include "hw/scan_unit.hpp"

#include <cmath>

namespace ssmsim {

using sc_core::sc_time;

ScanUnit::ScanUnit(sc_core::sc_module_name name, const ScanConfig& cfg, const UnitContext& ctx)
    : UnitBase(name, Unit::kScan, ctx),
      quant2scan("quant2scan"),
      cfg_(cfg),
      token_sig_("scan_token", -1) {
  quant2scan.register_b_transport(this, &ScanUnit::link_b_transport);
  SC_METHOD(on_token);
  sensitive << token_q_ << window_opens();
  dont_initialize();
}

uint64_t ScanUnit::cycles_per_token(const ScanConfig& s, int64_t d_inner, int64_t d_state) {
  const auto updates = static_cast<uint64_t>(d_inner * d_state);
  const auto lanes = static_cast<uint64_t>(s.lanes);
  return std::max<uint64_t>((updates + lanes - 1) / lanes,
                            static_cast<uint64_t>(s.recurrence_latency));
}

uint64_t ScanUnit::op_cycles(const ScanConfig& s, int64_t tokens, int64_t d_inner,
                             int64_t d_state) {
  return static_cast<uint64_t>(tokens) * cycles_per_token(s, d_inner, d_state) +
         static_cast<uint64_t>(s.softplus_latency + s.exp_latency + s.pipeline_depth);
}

void ScanUnit::link_b_transport(tlm::tlm_generic_payload& trans, sc_time&) {
  stats_.link_bytes += trans.get_data_length();
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

void ScanUnit::on_token() {
  // A token's time (one value each), or the VCD window opening: then the
  // signal shows the token the recurrence is on.
  if (token_q_.default_event().triggered() && !token_values_.empty()) {
    token_now_ = token_values_.front();
    token_values_.pop_front();
  }
  if (window_->active()) token_sig_.write(token_now_);
}

// Recurrence steps: tokens, or Mamba-2's chunks (state_passing).
int64_t scan_steps(const Command& d) { return d.steps > 0 ? d.steps : d.tokens; }

UnitBase::Work ScanUnit::work(const Command& d) const {
  const int64_t D = d.channels, N = d.d_state;  // channels: batch x d_inner
  Work w;
  w.busy_cycles = op_cycles(cfg_, scan_steps(d), D, N);
  w.elements = static_cast<uint64_t>(scan_steps(d) * D * N);
  w.arith_ops = w.elements;
  return w;
}

void ScanUnit::computing(const Command& d, const sc_time& ready) {
  if (!window_ || !window_->enabled) return;
  touch_signals();
  const uint64_t per_token = cycles_per_token(cfg_, d.channels, d.d_state);
  const int64_t steps = scan_steps(d);
  for (int64_t i = 0; i < steps; ++i) {
    token_values_.push_back(static_cast<int>(d.first_token + i * d.tokens / steps));
    const sc_time at = ready + cycles(per_token * static_cast<uint64_t>(i));
    token_q_.notify(at > local_now() ? at - local_now() : sc_core::SC_ZERO_TIME);
  }
}

void ScanUnit::trace_signals(sc_core::sc_trace_file* tf) const {
  trace(tf);
  sc_core::sc_trace(tf, token_sig_, "scan.token_index");
}

}  // namespace ssmsim
