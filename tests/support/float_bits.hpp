// Test support: a float's bit pattern, for bit-for-bit comparisons.
#pragma once

#include <cstdint>
#include <cstring>

namespace ssmsim::test {

inline uint32_t float_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

}  // namespace ssmsim::test
