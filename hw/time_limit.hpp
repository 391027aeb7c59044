// Simulated time is a 64-bit count of picoseconds (213 days). A run that
// would pass a quarter of it is stopped with an error instead of wrapping
// or saturating into a wrong answer: every time a unit or memory computes is
// checked against the limit, and the sum of two checked times cannot wrap.
#pragma once

#include <cstdint>
#include <string>
#include <systemc>

#include "common/error.hpp"

namespace ssmsim {

constexpr uint64_t kTimeLimitValue = uint64_t(1) << 62;

inline const sc_core::sc_time& time_limit() {
  static const sc_core::sc_time limit = sc_core::sc_time::from_value(kTimeLimitValue);
  return limit;
}

// Out of line and cold: the check's caller keeps only a compare and a branch.
[[noreturn, gnu::cold, gnu::noinline]] inline void time_limit_passed(const char* where) {
  throw Error(std::string("simulated time would pass ") + time_limit().to_string() +
              " (53 days) in " + where +
              ": the run is too long to simulate; use a faster clock, more DRAM bandwidth, "
              "a larger array or fewer tokens");
}

inline const sc_core::sc_time& check_time(const sc_core::sc_time& t, const char* where) {
  // The limit as a constant: this check runs for every memory request.
  if (t.value() >= kTimeLimitValue) time_limit_passed(where);
  return t;
}

}  // namespace ssmsim
