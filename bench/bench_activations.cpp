// softplus and SiLU over one token's channels of Mamba-130M (d_inner 1536),
// libm's scalar loop against the 16-lane versions with the same bits
// (numeric/activations.hpp) on each instruction set (Arg: 0 portable,
// 1 AVX2, 2 AVX-512F); elements per second. dt as the model gives it
// before softplus (mostly -8 .. 2), SiLU's inputs within -6 .. 6.
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <vector>

#include "bench/machine_context.hpp"
#include "numeric/activations.hpp"

namespace {

using namespace ssmsim;

constexpr int64_t kN = 1536;

std::vector<float> inputs(float lo, float hi) {
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(kN);
  for (float& e : v) e = u(rng);
  return v;
}

template <typename F>
void run(benchmark::State& st, F f) {
  for (auto _ : st) f();
  st.counters["elements_per_s"] =
      benchmark::Counter(static_cast<double>(kN), benchmark::Counter::kIsIterationInvariantRate);
}

void BM_SoftplusLibm(benchmark::State& st) {
  const auto x = inputs(-8, 2);
  std::vector<float> y(kN);
  run(st, [&] {
    for (int64_t i = 0; i < kN; ++i) y[i] = x[i] > 20.0f ? x[i] : std::log1p(std::exp(x[i]));
    benchmark::DoNotOptimize(y.data());
  });
}
BENCHMARK(BM_SoftplusLibm);

// Arg: the instruction set (VectorIsa), skipped where the CPU lacks it.
bool pick(benchmark::State& st, VectorIsa& isa) {
  isa = static_cast<VectorIsa>(st.range(0));
  st.SetLabel(isa_name(isa));
  if (isa_supported(isa)) return true;
  st.SkipWithError("not on this CPU");
  return false;
}

void BM_SoftplusVector(benchmark::State& st) {
  VectorIsa isa;
  if (!pick(st, isa)) return;
  const auto x = inputs(-8, 2);
  std::vector<float> y(kN);
  run(st, [&] {
    softplus_n(x.data(), y.data(), kN, isa);
    benchmark::DoNotOptimize(y.data());
  });
}
BENCHMARK(BM_SoftplusVector)->Arg(0)->Arg(1)->Arg(2);

void BM_SiluLibm(benchmark::State& st) {
  const auto x = inputs(-6, 6);
  std::vector<float> y(kN);
  run(st, [&] {
    for (int64_t i = 0; i < kN; ++i) y[i] = silu(x[i]);
    benchmark::DoNotOptimize(y.data());
  });
}
BENCHMARK(BM_SiluLibm);

void BM_SiluVector(benchmark::State& st) {
  VectorIsa isa;
  if (!pick(st, isa)) return;
  const auto x = inputs(-6, 6);
  std::vector<float> y(kN);
  run(st, [&] {
    silu_n(x.data(), y.data(), kN, isa);
    benchmark::DoNotOptimize(y.data());
  });
}
BENCHMARK(BM_SiluVector)->Arg(0)->Arg(1)->Arg(2);

}  // namespace

SSMSIM_BENCHMARK_MAIN();
