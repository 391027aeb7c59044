#include "hw/dram.hpp"

#include <algorithm>

#include "hw/mem_stream.hpp"
#include "hw/time_limit.hpp"

namespace ssmsim {

using sc_core::sc_time;

Dram::Dram(sc_core::sc_module_name name, const DramConfig& cfg, const TraceWindow* window)
    : sc_module(name),
      noc2dram("noc2dram"),
      cfg_(cfg),
      window_(window),
      latency_(cfg.latency_ns, sc_core::SC_NS),
      bandwidth_("bandwidth", window) {
  noc2dram.register_b_transport(this, &Dram::b_transport);
  // One process drives the signal (a signal has one driver).
  SC_METHOD(on_change);
  sensitive << start_q_ << end_q_ << window_open_ev_;
  dont_initialize();
  SC_METHOD(arbitrate);
  sensitive << arbiter_.event();
  dont_initialize();
}

sc_time Dram::transfer_time(uint64_t bytes, bool read) { return transfer(bytes, read).time; }

const Dram::TimeCache& Dram::transfer(uint64_t bytes, bool read) {
  // Transfers come in few sizes (weight strips, tiles): the last time per
  // direction is reused, the same value as computing it again.
  TimeCache& c = transfer_cache_[read ? 1 : 0];
  if (c.bytes == bytes && c.valid) return c;
  const uint64_t bursts = (bytes + cfg_.burst_bytes - 1) / cfg_.burst_bytes;
  // GB/s is bytes per ns; a stream gets its measured share of the peak.
  const double gbps = cfg_.bandwidth_gbps * (read ? cfg_.read_efficiency : cfg_.write_efficiency);
  c = {bytes, sc_time(static_cast<double>(bursts * cfg_.burst_bytes) / gbps, sc_core::SC_NS),
       bursts, true};
  return c;
}

inline sc_time Dram::place(tlm::tlm_generic_payload& trans, const sc_time& request,
                           const sc_time& now) {
  const uint64_t bytes = trans.get_data_length();
  const TimeCache& size = this->transfer(bytes, trans.is_read());
  const sc_time transfer = check_time(size.time, name());
  const sc_time start = channel_.reserve(request, transfer, now);
  const sc_time done = check_time(start + latency_ + transfer, name());
  stats_.busy_time += transfer;
  stats_.active.add(request, done);
  stats_.accesses += 1;
  stats_.bursts += size.bursts;
  (trans.is_read() ? stats_.read_bytes : stats_.write_bytes) += bytes;
  const auto w = static_cast<size_t>(dram_window(trans.get_address()));
  (trans.is_read() ? stats_.window_read_bytes[w] : stats_.window_write_bytes[w]) += bytes;
  if (window_ && window_->enabled) {
    start_q_.notify(start - now);
    end_q_.notify(done - now);
    ending_.emplace(done.value(), bytes);
    bandwidth_.add(start, start + transfer, bytes, trans.is_read());
  }
  return done;
}

void Dram::b_transport(tlm::tlm_generic_payload& trans, sc_time& delay) {
  // Other operations running: the request waits for every request of its
  // time and takes its place in the fixed order (hw/arbiter.hpp).
  auto serve = [this](tlm::tlm_generic_payload& t, sc_time& d) {
    d = arbiter_.serve(t, d, [this](auto& r, const sc_time& at) {
      return place(r, at, sc_core::sc_time_stamp());
    });
  };
  if (MemStream::Source* s = stream_source(trans)) {
    // Each request as its own transaction from a requester running alone
    // (UnitBase::mem_stream) would be served: placed at once, at its time.
    const sc_time now = sc_core::sc_time_stamp();
    serve_stream(*s, trans, [&](tlm::tlm_generic_payload& t, sc_time& d) {
      d = place(t, now + d, now) - now;
    });
  } else {
    serve(trans, delay);
  }
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

void Dram::arbitrate() {
  arbiter_.decide([this](auto& t, const sc_time& at) { return place(t, at, at); });
}

void Dram::start_of_simulation() {
  if (window_ && window_->opens_late()) window_open_ev_.notify(window_->start);
}

void Dram::on_change() {
  // An event queue triggers once per delta for each notification due now.
  if (start_q_.default_event().triggered()) ++wave_.in_flight;
  if (end_q_.default_event().triggered()) {
    --wave_.in_flight;
    wave_.bytes_done += ending_.top().second;  // the transfer ending now: the earliest
    ending_.pop();
  }
  if (window_->active()) wave_.publish();
}

void Dram::trace(sc_core::sc_trace_file* tf) const {
  wave_.trace(tf);
  bandwidth_.trace(tf, "dram", false);
}

}  // namespace ssmsim
