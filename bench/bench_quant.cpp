// Throughput of the quantizer library on the real ssm.u activations of the
// bundled trace (all layers, 1.18 M elements): quantize + metrics, F16
// widening, percentile calibration. Figures go to docs/performance.md.
#include <benchmark/benchmark.h>

#include "io/trace.hpp"
#include "numeric/calibration.hpp"
#include "numeric/metrics.hpp"
#include "bench/machine_context.hpp"

namespace {

using namespace ssmsim;

const std::string kTrace =
    std::string(SSMSIM_SOURCE_DIR) + "/traces/default/mamba-bytes-a-sample0.safetensors";

const std::vector<float>& ssm_u() {
  static const std::vector<float> all = [] {
    const Trace t(kTrace);
    std::vector<float> v;
    for (int64_t l = 0; l < t.dims().n_layer; ++l) {
      const auto x = t.layer(l, "ssm.u").to_float_finite();
      v.insert(v.end(), x.begin(), x.end());
    }
    return v;
  }();
  return all;
}

void BM_QuantizeAndMeasure(benchmark::State& state) {
  const auto kind = static_cast<quant::QuantKind>(state.range(0));
  const auto& x = ssm_u();
  for (auto _ : state) {
    auto s = quant::measure(kind, x.data(), x.size(), 0.030235f);
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * x.size()));
  state.SetLabel(quant::kind_name(kind));
}
BENCHMARK(BM_QuantizeAndMeasure)
    ->Arg(static_cast<int>(quant::QuantKind::kInt8))
    ->Arg(static_cast<int>(quant::QuantKind::kSe))
    ->Arg(static_cast<int>(quant::QuantKind::kSeAuthors))
    ->Unit(benchmark::kMillisecond);

void BM_WidenF16(benchmark::State& state) {
  const Trace t(kTrace);
  const TensorView& u = t.layer(0, "ssm.u");
  std::vector<float> out(u.numel);
  for (auto _ : state) {
    u.to_float(0, u.numel, out.data());
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * u.numel));
}
BENCHMARK(BM_WidenF16)->Unit(benchmark::kMicrosecond);

void BM_PercentileObserve(benchmark::State& state) {
  const auto& x = ssm_u();
  const size_t n = x.size() / 6;  // one layer = one calibration sample
  for (auto _ : state) {
    quant::PercentileObserver obs(0.9999);
    obs.observe(x.data(), n);
    benchmark::DoNotOptimize(obs.amax());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
}
BENCHMARK(BM_PercentileObserve)->Unit(benchmark::kMicrosecond);

}  // namespace

SSMSIM_BENCHMARK_MAIN()
