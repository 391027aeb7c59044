// Exhaustive accuracy check of exp_fixed, the scan's exponential: every
// float in [-104, 88.7] against exp in double rounded once to float, as the
// distance in representable floats. About a minute on one core; the unit
// test samples every 1000th float. Run: build/bench/exp_ulp
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "numeric/selective_scan.hpp"

int main() {
  const auto ord = [](float f) {
    int32_t i;
    std::memcpy(&i, &f, sizeof i);
    return i < 0 ? -static_cast<int64_t>(i & 0x7fffffff) : static_cast<int64_t>(i);
  };
  int64_t n = 0, worst = 0, off = 0;
  float worst_x = 0;
  for (uint64_t b = 0; b <= 0xffffffffu; ++b) {
    const auto bits = static_cast<uint32_t>(b);
    float x;
    std::memcpy(&x, &bits, sizeof x);
    if (!(x >= -104.0f && x <= 88.7f)) continue;
    const float want = static_cast<float>(std::exp(static_cast<double>(x)));
    const int64_t d = std::llabs(ord(ssmsim::exp_fixed(x)) - ord(want));
    if (d > worst) worst = d, worst_x = x;
    off += d != 0;
    ++n;
  }
  std::printf("%lld floats, worst %lld ulp (at %a), %lld not correctly rounded\n",
              static_cast<long long>(n), static_cast<long long>(worst), worst_x,
              static_cast<long long>(off));
  return worst <= 1 ? 0 : 1;
}
