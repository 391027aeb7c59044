// Exhaustive check of the vector softplus and SiLU (numeric/activations.hpp)
// against the machine's libm, on every float and every instruction set the
// CPU has: softplus_n against log1pf(expf(x)) and the scalar softplus,
// silu_n against x / (1 + expf(-x)); and log1p_fdlibm against log1pf on
// every x >= 0. Bits compared (any NaN equals any NaN). With glibc 2.41 or
// later log1pf rounds correctly and is no longer fdlibm's, so those two
// comparisons are reported, not required. About 5 minutes on 2 cores; the
// unit test samples every 1021st float.
// Run: build/bench/check_activations
#include <gnu/libc-version.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <thread>
#include <vector>

#include "numeric/activations.hpp"
#include "numeric/cpu.hpp"

namespace {

using ssmsim::VectorIsa;

constexpr VectorIsa kIsas[] = {VectorIsa::kPortable, VectorIsa::kAvx2, VectorIsa::kAvx512};

bool same(float a, float b) {
  if (std::isnan(a) && std::isnan(b)) return true;
  uint32_t x, y;
  std::memcpy(&x, &a, sizeof x);
  std::memcpy(&y, &b, sizeof y);
  return x == y;
}

struct Counts {
  std::atomic<uint64_t> softplus{0}, softplus_scalar{0}, silu{0}, fallbacks{0};
};
std::atomic<uint64_t> log1p_bad{0};

void check(uint64_t first, uint64_t end, Counts* bad) {
  constexpr uint64_t kChunk = 1 << 16;
  std::vector<float> x(kChunk), sp(kChunk), si(kChunk), want_sp(kChunk), want_scalar(kChunk),
      want_si(kChunk);
  uint64_t log1p = 0;
  for (uint64_t b = first; b < end; b += kChunk) {
    const uint64_t n = std::min(kChunk, end - b);
    for (uint64_t i = 0; i < n; ++i) {
      const auto u = static_cast<uint32_t>(b + i);
      float v;
      std::memcpy(&v, &u, sizeof u);
      x[i] = v;
      want_sp[i] = v > 20.0f ? v : std::log1p(std::exp(v));
      want_scalar[i] = ssmsim::softplus(v);
      want_si[i] = v / (1.0f + std::exp(-v));
      if (!std::signbit(v)) log1p += !same(ssmsim::log1p_fdlibm(v), std::log1p(v));
    }
    for (int k = 0; k < 3; ++k) {
      const VectorIsa isa = kIsas[k];
      if (!ssmsim::isa_supported(isa)) continue;
      const uint64_t before = ssmsim::activation_fallbacks();
      ssmsim::softplus_n(x.data(), sp.data(), static_cast<int64_t>(n), isa);
      ssmsim::silu_n(x.data(), si.data(), static_cast<int64_t>(n), isa);
      uint64_t softplus = 0, softplus_scalar = 0, silu = 0;
      for (uint64_t i = 0; i < n; ++i) {
        softplus += !same(sp[i], want_sp[i]);
        softplus_scalar += !same(sp[i], want_scalar[i]);
        silu += !same(si[i], want_si[i]);
      }
      bad[k].softplus += softplus;
      bad[k].softplus_scalar += softplus_scalar;
      bad[k].silu += silu;
      bad[k].fallbacks += ssmsim::activation_fallbacks() - before;
    }
  }
  log1p_bad += log1p;
}

}  // namespace

int main() {
  std::printf("cpu: %s; isa: %s\n", ssmsim::cpu_model().c_str(), ssmsim::cpu_isa().c_str());
  int major = 0, minor = 0;
  std::sscanf(gnu_get_libc_version(), "%d.%d", &major, &minor);
  const bool fdlibm_log1pf = major == 2 && minor < 41;
  std::printf("glibc %s: log1pf is %s\n", gnu_get_libc_version(),
              fdlibm_log1pf ? "fdlibm's (compared)" : "correctly rounded (reported only)");
  Counts bad[3];
  const uint64_t total = uint64_t(1) << 32;
  const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) {
    pool.emplace_back(check, total * t / threads, total * (t + 1) / threads, bad);
  }
  for (auto& th : pool) th.join();
  // softplus_n's and silu_n's lanes whose expf argument is within +-87
  // (floats up to 87.0f's bit pattern, either sign); the rest go to libm.
  const uint64_t in_range = 2 * 2 * (uint64_t(0x42ae0000) + 1);
  bool ok = !fdlibm_log1pf || log1p_bad == 0;
  std::printf("%llu floats; log1p_fdlibm differs from log1pf on %llu of the x >= 0\n",
              static_cast<unsigned long long>(total),
              static_cast<unsigned long long>(log1p_bad.load()));
  for (int k = 0; k < 3; ++k) {
    if (!ssmsim::isa_supported(kIsas[k])) continue;
    const Counts& c = bad[k];
    std::printf(
        "%-8s softplus_n differs from log1pf(expf(x)) on %llu, from softplus on %llu; silu_n "
        "from x / (1 + expf(-x)) on %llu; %llu of the %llu lanes with |x| <= 87 (%.3f %%) "
        "called libm's expf\n",
        ssmsim::isa_name(kIsas[k]), static_cast<unsigned long long>(c.softplus.load()),
        static_cast<unsigned long long>(c.softplus_scalar.load()),
        static_cast<unsigned long long>(c.silu.load()),
        static_cast<unsigned long long>(c.fallbacks.load()),
        static_cast<unsigned long long>(in_range),
        100.0 * static_cast<double>(c.fallbacks.load()) / static_cast<double>(in_range));
    ok = ok && c.softplus_scalar == 0 && c.silu == 0 && (!fdlibm_log1pf || c.softplus == 0);
  }
  return ok ? 0 : 1;
}
