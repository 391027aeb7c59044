// The GEMM kernels of the reference and W8A8 pipelines (numeric/gemm.hpp)
// in MACs per second, on the shapes the models run, against the compute
// roof of the same instructions: a register-only loop of the kernel's
// 8-lane multiply and add (no loads), which no GEMM built from them can
// beat on this machine. Figures go to docs/performance.md.
#include <benchmark/benchmark.h>
#include <immintrin.h>

#include <cstdint>
#include <random>
#include <type_traits>
#include <vector>

#include "bench/machine_context.hpp"
#include "numeric/gemm.hpp"

namespace {

using namespace ssmsim;

// (M, K, N): bundled model in_proj and out_proj over a 256-token trace;
// Mamba-130M in_proj over a 512-token prefill; one decode token (M = 1).
const std::vector<std::vector<int64_t>> kShapes = {
    {256, 384, 1536}, {256, 768, 384}, {512, 768, 3072}, {1, 768, 3072}};

template <typename T>
std::vector<T> random_vec(size_t n, int seed) {
  std::mt19937 g(static_cast<unsigned>(seed));
  std::vector<T> v(n);
  if constexpr (std::is_floating_point_v<T>) {
    std::normal_distribution<float> d;
    for (auto& x : v) x = d(g);
  } else {
    std::uniform_int_distribution<int> d(-127, 127);
    for (auto& x : v) x = static_cast<T>(d(g));
  }
  return v;
}

void set_counters(benchmark::State& state, int64_t M, int64_t K, int64_t N) {
  state.SetItemsProcessed(state.iterations() * M * K * N);  // MACs
  state.counters["GMAC/s"] = benchmark::Counter(static_cast<double>(M * K * N) * 1e-9,
                                                benchmark::Counter::kIsIterationInvariantRate);
}

// One GEMM of the kernels: fp32, or INT8 x INT8 with INT32 accumulation.
template <typename T>
void BM_Gemm(benchmark::State& state) {
  const int64_t M = state.range(0), K = state.range(1), N = state.range(2);
  const auto x = random_vec<T>(static_cast<size_t>(M * K), 1);
  const auto w = random_vec<T>(static_cast<size_t>(N * K), 2);
  std::vector<float> y(static_cast<size_t>(M * N));
  for (auto _ : state) {
    if constexpr (std::is_same_v<T, float>) {
      gemm_f32(x.data(), M, K, w.data(), N, y.data());
    } else {
      gemm_s8(x.data(), M, K, w.data(), N, 0.01f, y.data());
    }
    benchmark::DoNotOptimize(y.data());
  }
  set_counters(state, M, K, N);
}

// A kernel on one instruction-set path (args: M, K, N, GemmIsa): every
// path this CPU has, an AVX2-only machine's included. For fp32,
// avx512-vnni stands for the AVX-512 F kernels.
template <typename T>
void BM_GemmPath(benchmark::State& state) {
  const int64_t M = state.range(0), K = state.range(1), N = state.range(2);
  const auto isa = static_cast<GemmIsa>(state.range(3));
  if (!gemm_isa_available(isa)) return state.SkipWithError("path not available on this CPU");
  state.SetLabel(gemm_isa_name(isa));
  const auto x = random_vec<T>(static_cast<size_t>(M * K), 1);
  const auto w = random_vec<T>(static_cast<size_t>(N * K), 2);
  std::vector<float> y(static_cast<size_t>(M * N));
  for (auto _ : state) {
    if constexpr (std::is_same_v<T, float>) {
      gemm_f32_with(isa, x.data(), M, K, w.data(), N, y.data());
    } else {
      gemm_s8_with(isa, x.data(), M, K, w.data(), N, 0.01f, y.data());
    }
    benchmark::DoNotOptimize(y.data());
  }
  set_counters(state, M, K, N);
}

// AVX2 INT8 roof: vpmaddwd (16 int16 products summed in pairs) + vpaddd.
__attribute__((target("avx2"), noinline)) int32_t roof_madd_avx2(int64_t n, int x) {
  __m256i a = _mm256_set1_epi16(static_cast<int16_t>(x)), b = _mm256_set1_epi16(1), acc[12];
  for (auto& v : acc) v = _mm256_setzero_si256();
  for (int64_t i = 0; i < n; ++i) {
    asm volatile("" : "+x"(a));
    for (int j = 0; j < 12; ++j) acc[j] = _mm256_add_epi32(acc[j], _mm256_madd_epi16(a, b));
  }
  for (int j = 1; j < 12; ++j) acc[0] = _mm256_add_epi32(acc[0], acc[j]);
  return _mm256_extract_epi32(acc[0], 0);
}

// Roofs: register-only loops, 12 independent accumulators, no loads.
// (1) The kernels' own instructions: 8-lane multiply, then add (no FMA: the
// fp32 kernels keep a fixed rounding on every machine). (2) The machine's
// peaks we do not use: AVX-512 FMA for fp32, AVX-512 VNNI (vpdpbusd, u8 x s8
// into INT32) for INT8. Each on one core, skipped where the CPU lacks it.
typedef float v8f __attribute__((vector_size(32)));
typedef int32_t v8i __attribute__((vector_size(32)));
constexpr int64_t kRoofIters = 1 << 18;

template <typename V>
__attribute__((target("avx2"), noinline)) V roof_mul_add(int64_t n, V a, V b) {
  V acc[12] = {};
  for (int64_t i = 0; i < n; ++i) {
    for (int j = 0; j < 12; ++j) {
      asm volatile("" : "+x"(a));  // a new product every time: no hoisting
      acc[j] += a * b;
    }
  }
  V s = {};
  for (int j = 0; j < 12; ++j) s += acc[j];
  return s;
}

typedef float v16f __attribute__((vector_size(64)));

// The AVX-512 fp32 kernel's instructions: 16-lane multiply, then add.
__attribute__((target("avx512f"), noinline)) v16f roof_mul_add512(int64_t n, v16f a, v16f b) {
  v16f acc[12] = {};
  for (int64_t i = 0; i < n; ++i) {
    for (int j = 0; j < 12; ++j) {
      asm volatile("" : "+v"(a));
      acc[j] += a * b;
    }
  }
  v16f s = {};
  for (int j = 0; j < 12; ++j) s += acc[j];
  return s;
}

void BM_RoofMulAdd512(benchmark::State& state) {
  if (!__builtin_cpu_supports("avx512f")) return state.SkipWithError("no AVX-512");
  v16f a = {}, b = {};
  for (int j = 0; j < 16; ++j) a[j] = 1, b[j] = 1;
  for (auto _ : state) benchmark::DoNotOptimize(roof_mul_add512(kRoofIters, a, b));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kRoofIters * 12 * 16));
  state.counters["GMAC/s"] = benchmark::Counter(static_cast<double>(kRoofIters) * 12 * 16 * 1e-9,
                                                benchmark::Counter::kIsIterationInvariantRate);
}

__attribute__((target("avx512f"), noinline)) float roof_fma512(int64_t n, float x) {
  __m512 a = _mm512_set1_ps(x), b = _mm512_set1_ps(1.0f), acc[12];
  for (auto& v : acc) v = _mm512_setzero_ps();
  for (int64_t i = 0; i < n; ++i) {
    asm volatile("" : "+v"(a));  // not loop-invariant to the compiler
    for (int j = 0; j < 12; ++j) acc[j] = _mm512_fmadd_ps(a, b, acc[j]);
  }
  for (int j = 1; j < 12; ++j) acc[0] = _mm512_add_ps(acc[0], acc[j]);
  float out[16];
  _mm512_storeu_ps(out, acc[0]);
  return out[0];
}

__attribute__((target("avx512f,avx512vnni"), noinline)) int32_t roof_vnni512(int64_t n, int x) {
  __m512i a = _mm512_set1_epi8(static_cast<char>(x)), b = _mm512_set1_epi8(1), acc[12];
  for (auto& v : acc) v = _mm512_setzero_si512();
  for (int64_t i = 0; i < n; ++i) {
    asm volatile("" : "+v"(a));
    for (int j = 0; j < 12; ++j) acc[j] = _mm512_dpbusd_epi32(acc[j], a, b);
  }
  for (int j = 1; j < 12; ++j) acc[0] = _mm512_add_epi32(acc[0], acc[j]);
  int32_t out[16];
  _mm512_storeu_si512(out, acc[0]);
  return out[0];
}

void roof_counters(benchmark::State& state, double macs_per_iteration) {
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * macs_per_iteration));
  state.counters["GMAC/s"] =
      benchmark::Counter(macs_per_iteration * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

template <typename V>
void BM_RoofMulAdd(benchmark::State& state) {
  if (!__builtin_cpu_supports("avx2")) return state.SkipWithError("no AVX2");
  V a = {}, b = {};
  for (int j = 0; j < 8; ++j) a[j] = 1, b[j] = 1;
  for (auto _ : state) benchmark::DoNotOptimize(roof_mul_add<V>(kRoofIters, a, b));
  roof_counters(state, static_cast<double>(kRoofIters) * 12 * 8);
}

void BM_RoofFma512(benchmark::State& state) {
  if (!__builtin_cpu_supports("avx512f")) return state.SkipWithError("no AVX-512");
  for (auto _ : state) benchmark::DoNotOptimize(roof_fma512(kRoofIters, 1.0f));
  roof_counters(state, static_cast<double>(kRoofIters) * 12 * 16);
}

void BM_RoofVnni512(benchmark::State& state) {
  if (!__builtin_cpu_supports("avx512vnni")) return state.SkipWithError("no AVX-512 VNNI");
  for (auto _ : state) benchmark::DoNotOptimize(roof_vnni512(kRoofIters, 1));
  roof_counters(state, static_cast<double>(kRoofIters) * 12 * 64);
}

void BM_RoofMaddAvx2(benchmark::State& state) {
  if (!__builtin_cpu_supports("avx2")) return state.SkipWithError("no AVX2");
  for (auto _ : state) benchmark::DoNotOptimize(roof_madd_avx2(kRoofIters, 1));
  roof_counters(state, static_cast<double>(kRoofIters) * 12 * 16);
}

void shapes_by_path(benchmark::internal::Benchmark* b) {
  for (int isa = 0; isa < 3; ++isa) {
    for (const auto& s : kShapes) b->Args({s[0], s[1], s[2], isa});
  }
  b->ArgNames({"M", "K", "N", "isa"});
}

void shapes(benchmark::internal::Benchmark* b) {
  for (const auto& s : kShapes) b->Args(s);
  b->ArgNames({"M", "K", "N"});
}

}  // namespace

BENCHMARK(BM_Gemm<float>)->Apply(shapes)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_GemmPath<float>)
    ->Name("BM_GemmF32Path")
    ->Apply(shapes_by_path)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Gemm<int8_t>)->Apply(shapes)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_GemmPath<int8_t>)
    ->Name("BM_GemmS8Path")
    ->Apply(shapes_by_path)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_RoofMaddAvx2)->Name("BM_Roof_s16_avx2_madd_add")->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_RoofMulAdd<v8f>)->Name("BM_Roof_f32_avx2_mul_add")->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_RoofMulAdd<v8i>)->Name("BM_Roof_s32_avx2_mullo_add")->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_RoofMulAdd512)->Name("BM_Roof_f32_avx512_mul_add")->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_RoofFma512)->Name("BM_Roof_f32_avx512_fma")->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_RoofVnni512)->Name("BM_Roof_s8_avx512_vnni")->Unit(benchmark::kMicrosecond);

SSMSIM_BENCHMARK_MAIN()
