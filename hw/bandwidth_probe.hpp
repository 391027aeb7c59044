// Bandwidth per window of simulated time for the VCD: how many bytes a
// memory moved in each window, as GB/s for reads and writes, and the bytes
// moved so far. A transfer's bytes are spread evenly over its bus time, so
// a window never shows more than the bus can carry. A window's figure is
// known only when it has ended: it is written at the window's end and holds
// through the next window (GTKWave: read the step to the left of an edge).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <systemc>

#include "hw/trace_window.hpp"

namespace ssmsim {

class BandwidthProbe : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(BandwidthProbe);
  BandwidthProbe(sc_core::sc_module_name name, const TraceWindow* window);

  // A transfer of `bytes` on the bus over [start, end) (absolute times,
  // now or later; end == start: at one instant).
  void add(const sc_core::sc_time& start, const sc_core::sc_time& end, uint64_t bytes, bool read);
  // Traces <prefix>.read_gbps, <prefix>.write_gbps and, with `moved`,
  // <prefix>.bytes_moved (the DRAM has its exact bytes_done).
  void trace(sc_core::sc_trace_file* tf, const std::string& prefix, bool moved) const;

 private:
  void run();

  const TraceWindow* window_;
  uint64_t period_ = 0;  // window length, in SystemC time units
  // Bytes of each window still to publish (window index -> read, write).
  std::map<uint64_t, std::array<double, 2>> pending_;
  double moved_ = 0;
  sc_core::sc_event activity_;
  sc_core::sc_signal<double> read_sig_, write_sig_;
  sc_core::sc_signal<uint64_t> moved_sig_;
};

}  // namespace ssmsim
