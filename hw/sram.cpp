#include "hw/sram.hpp"

#include <algorithm>

#include "hw/mem_stream.hpp"
#include "hw/memory_map.hpp"
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
  bool ok = true;
  auto serve = [this, &ok](tlm::tlm_generic_payload& t, sc_time& d) {
    const uint64_t offset = t.get_address() - kSramBase;
    if (t.get_address() < kSramBase ||
        offset + t.get_data_length() > static_cast<uint64_t>(cfg_.bytes)) {
      ok = false;
      return;
    }
    d = arbiter_.serve(t, d, [this](auto& r, const sc_time& at) { return place(r, at); });
  };
  if (MemStream::Source* s = stream_source(trans)) {
    serve_stream(*s, trans, [&](tlm::tlm_generic_payload& t, sc_time& d) {
      if (ok) serve(t, d);  // after an error, the rest of the chain is not served
    });
  } else {
    serve(trans, delay);
  }
  trans.set_response_status(ok ? tlm::TLM_OK_RESPONSE : tlm::TLM_ADDRESS_ERROR_RESPONSE);
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
