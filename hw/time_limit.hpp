// Simulated time is a 64-bit count of picoseconds (213 days). A run that
// would pass a quarter of it is stopped with an error instead of wrapping
// or saturating into a wrong answer: every time a unit or memory computes is
// checked against the limit, and the sum of two checked times cannot wrap.
#pragma once

#include <string>
#include <systemc>

#include "common/error.hpp"

namespace ssmsim {

inline const sc_core::sc_time& time_limit() {
  static const sc_core::sc_time limit = sc_core::sc_time::from_value(uint64_t(1) << 62);
  return limit;
}

inline const sc_core::sc_time& check_time(const sc_core::sc_time& t, const char* where) {
  if (t >= time_limit()) {
    throw Error(std::string("simulated time would pass ") + time_limit().to_string() +
                " (53 days) in " + where +
                ": the run is too long to simulate; use a faster clock, more DRAM bandwidth, "
                "a larger array or fewer tokens");
  }
  return t;
}

}  // namespace ssmsim
