#include "hw/sram.hpp"

#include <algorithm>

#include "hw/address_map.hpp"
#include "hw/time_limit.hpp"

namespace ssmsim {

using sc_core::sc_time;

Sram::Sram(sc_core::sc_module_name name, const SramConfig& cfg, double clock_period_ns,
           const TraceWindow* window)
    : sc_module(name),
      noc2sram("noc2sram"),
      cfg_(cfg),
      period_(clock_period_ns, sc_core::SC_NS),
      bandwidth_("bandwidth", window) {
  noc2sram.register_b_transport(this, &Sram::b_transport);
  SC_METHOD(arbitrate);
  sensitive << arbiter_.event();
  dont_initialize();
}

uint64_t Sram::transfer_cycles(uint64_t bytes) const {
  const uint64_t per_cycle = static_cast<uint64_t>(cfg_.ports * cfg_.port_bytes);
  return (bytes + per_cycle - 1) / per_cycle;
}

void Sram::b_transport(tlm::tlm_generic_payload& trans, sc_time& delay) {
  const uint64_t offset = trans.get_address() - kSramBase;
  const uint64_t bytes = trans.get_data_length();
  if (trans.get_address() < kSramBase || offset + bytes > static_cast<uint64_t>(cfg_.bytes)) {
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  delay = arbiter_.serve(trans, delay, [this](auto& t, const sc_time& at) { return place(t, at); });
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

sc_time Sram::place(tlm::tlm_generic_payload& trans, const sc_time& request) {
  const uint64_t bytes = trans.get_data_length();
  const sc_time transfer = period_ * static_cast<double>(transfer_cycles(bytes));
  const sc_time start = ports_.reserve(request, transfer);
  stats_.accesses += 1;
  (trans.is_read() ? stats_.read_bytes : stats_.write_bytes) += bytes;
  bandwidth_.add(start, start + transfer, bytes, trans.is_read());
  return check_time(start + period_ * static_cast<double>(cfg_.latency_cycles) + transfer, name());
}

void Sram::arbitrate() {
  arbiter_.decide([this](auto& t, const sc_time& at) { return place(t, at); });
}

}  // namespace ssmsim
