#include "hw/bandwidth_probe.hpp"

#include <algorithm>
#include <cmath>

namespace ssmsim {

BandwidthProbe::BandwidthProbe(sc_core::sc_module_name name, const TraceWindow* window)
    : sc_module(name),
      window_(window),
      read_sig_("read_gbps", 0.0),
      write_sig_("write_gbps", 0.0),
      moved_sig_("bytes_moved", 0) {
  if (window_ == nullptr || !window_->enabled) return;  // nothing traced: no process
  period_ = std::max<uint64_t>(1, window_->bandwidth_window.value());
  SC_THREAD(run);
}

void BandwidthProbe::add(const sc_core::sc_time& start, const sc_core::sc_time& end, uint64_t bytes,
                         bool read) {
  if (period_ == 0 || bytes == 0) return;
  const uint64_t a = start.value(), b = std::max<uint64_t>(end.value(), a);
  const auto dir = static_cast<size_t>(read ? 0 : 1);
  if (a == b) {
    pending_[a / period_][dir] += static_cast<double>(bytes);
  } else {
    const double per_unit = static_cast<double>(bytes) / static_cast<double>(b - a);
    for (uint64_t w = a / period_; w * period_ < b; ++w) {
      const uint64_t lo = std::max(a, w * period_), hi = std::min(b, (w + 1) * period_);
      pending_[w][dir] += per_unit * static_cast<double>(hi - lo);
    }
  }
  activity_.notify(sc_core::SC_ZERO_TIME);
}

void BandwidthProbe::run() {
  const double window_ns =
      sc_core::sc_time::from_value(period_).to_seconds() * 1e9;  // GB/s = bytes / ns
  bool shown_nonzero = false;
  for (;;) {
    // Idle: nothing to publish and the signals show 0; sleep until traffic.
    if (pending_.empty() && !shown_nonzero) sc_core::wait(activity_);
    const uint64_t now = sc_core::sc_time_stamp().value();
    const uint64_t w = now / period_;
    sc_core::wait(sc_core::sc_time::from_value((w + 1) * period_ - now));
    // Window w has ended: every transfer overlapping it was placed before
    // its end (a transfer is placed at or before its start).
    std::array<double, 2> b{0.0, 0.0};
    const auto it = pending_.find(w);
    if (it != pending_.end()) {
      b = it->second;
      pending_.erase(it);
    }
    moved_ += b[0] + b[1];
    shown_nonzero = b[0] > 0 || b[1] > 0;
    if (window_->active()) {
      read_sig_.write(b[0] / window_ns);
      write_sig_.write(b[1] / window_ns);
      moved_sig_.write(static_cast<uint64_t>(std::llround(moved_)));
    }
  }
}

void BandwidthProbe::trace(sc_core::sc_trace_file* tf, const std::string& prefix,
                           bool moved) const {
  sc_core::sc_trace(tf, read_sig_, prefix + ".read_gbps");
  sc_core::sc_trace(tf, write_sig_, prefix + ".write_gbps");
  if (moved) sc_core::sc_trace(tf, moved_sig_, prefix + ".bytes_moved");
}

}  // namespace ssmsim
