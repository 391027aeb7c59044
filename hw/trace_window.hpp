// The simulated-time window in which traced signals change (--vcd-window):
// outside it mirrors hold their value, so the VCD holds only the window.
#pragma once

#include <systemc>

namespace ssmsim {

struct TraceWindow {
  bool enabled = false;
  sc_core::sc_time start = sc_core::SC_ZERO_TIME;
  sc_core::sc_time end = sc_core::sc_max_time();
  // The memories' bandwidth signals average over windows this long.
  sc_core::sc_time bandwidth_window = sc_core::sc_time(1000, sc_core::SC_NS);
  // When the window opens after time 0: every traced module writes its
  // whole state then, so the VCD opens on the true values, not on the
  // last ones written before (issue 39).
  bool opens_late() const { return enabled && start > sc_core::SC_ZERO_TIME; }
  bool active() const {
    const sc_core::sc_time now = sc_core::sc_time_stamp();
    return enabled && now >= start && now <= end;
  }
};

}  // namespace ssmsim
