// Process suspensions the model asks SystemC for (each one a thread switch),
// counted over the whole simulation. Per operation it must stay constant
// whatever the number of tiles, layers or the batch (bench/bench_switches.sh,
// tests/cli): the simulator's cost is linear in operations.
#pragma once

#include <cstdint>
#include <systemc>
#include <utility>

namespace ssmsim {

inline uint64_t& switch_count() {
  static uint64_t n = 0;
  return n;
}

template <typename... Args>
void counted_wait(Args&&... args) {
  ++switch_count();
  sc_core::wait(std::forward<Args>(args)...);
}

}  // namespace ssmsim
