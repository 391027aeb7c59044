// Occupancy of a shared channel (DRAM bus, SRAM ports) as a table of busy
// intervals. Loosely-timed initiators run ahead in local time, so requests
// arrive out of time order; each gets the earliest gap that fits at or after
// its own request time, instead of queueing behind a reservation made for a
// later time (which a single busy-until time would do).
#pragma once

#include <iterator>
#include <map>
#include <systemc>

namespace ssmsim {

class ChannelSchedule {
 public:
  // Reserves `duration` at or after `request`; returns the start time.
  sc_core::sc_time reserve(const sc_core::sc_time& request, const sc_core::sc_time& duration) {
    prune(sc_core::sc_time_stamp());
    sc_core::sc_time start = request;
    // The interval starting at or before `request` may still cover it.
    auto it = busy_.upper_bound(start);
    if (it != busy_.begin()) {
      auto prev = std::prev(it);
      if (prev->second > start) start = prev->second;
    }
    // Walk forward until the gap before the next interval is wide enough.
    for (it = busy_.lower_bound(start); it != busy_.end(); ++it) {
      if (it->first >= start + duration) break;
      if (it->second > start) start = it->second;
    }
    if (duration > sc_core::SC_ZERO_TIME) busy_.emplace(start, start + duration);
    return start;
  }

 private:
  // Intervals that ended before `now` can never matter again.
  void prune(const sc_core::sc_time& now) {
    while (!busy_.empty() && busy_.begin()->second <= now) busy_.erase(busy_.begin());
  }
  std::multimap<sc_core::sc_time, sc_core::sc_time> busy_;  // start -> end
};

}  // namespace ssmsim
