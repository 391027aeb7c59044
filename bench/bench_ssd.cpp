// Throughput of the Mamba-2 SSD kernels at the bundled model's shape (16
// heads x 32, 1 group of d_state 64, chunk 64): chunked prefill of 256
// tokens and the per-token decode step; state updates (H P N per token) per
// second. Figures go to docs/performance.md.
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "bench/machine_context.hpp"
#include "numeric/ssd.hpp"
#include "tests/support/ssd_problem.hpp"

namespace {

using namespace ssmsim;

// The bundled model's shape, 256 tokens, a zero state.
struct Inputs : ssmsim::test::SsdProblem {
  std::vector<float> y;
  Inputs() : SsdProblem({16, 32, 1, 64}, 256, 1, 0.001f, 0.1f, 50, false) { y.resize(x.size()); }
  double updates() const { return static_cast<double>(s.heads * s.head_dim * s.d_state); }
};

void BM_SsdChunkedPrefill(benchmark::State& st) {
  Inputs in;
  const int64_t chunk = st.range(0);
  for (auto _ : st) {
    std::fill(in.state.begin(), in.state.end(), 0.0f);
    ssd_chunked(in.x.data(), in.delta.data(), in.A.data(), in.B.data(), in.C.data(), in.D.data(),
                in.L, in.s, chunk, in.state.data(), in.y.data());
    benchmark::DoNotOptimize(in.y.data());
  }
  st.counters["state_updates_per_s"] = benchmark::Counter(
      in.updates() * static_cast<double>(in.L), benchmark::Counter::kIsIterationInvariantRate);
  st.SetLabel("256 tokens, chunk " + std::to_string(chunk));
}
BENCHMARK(BM_SsdChunkedPrefill)->Arg(16)->Arg(64)->Arg(256)->Unit(benchmark::kMicrosecond);

void BM_SsdStep(benchmark::State& st) {
  Inputs in;
  int64_t t = 0;
  for (auto _ : st) {
    const int64_t r = t++ % in.L;
    ssd_step(in.x.data() + r * in.s.width(), in.delta.data() + r * in.s.heads, in.A.data(),
             in.B.data() + r * 64, in.C.data() + r * 64, in.D.data(), in.s, in.state.data(),
             in.y.data());
    benchmark::DoNotOptimize(in.y.data());
  }
  st.counters["state_updates_per_s"] =
      benchmark::Counter(in.updates(), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_SsdStep)->Unit(benchmark::kMicrosecond);

}  // namespace

SSMSIM_BENCHMARK_MAIN()
