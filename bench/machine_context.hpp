// Every benchmark says where it ran: the CPU model and the vector ISA
// extensions the kernels can dispatch to (machines of one kind differ:
// some have AVX-512, some only AVX2), in Google Benchmark's context header.
#pragma once

#include <benchmark/benchmark.h>

#include <fstream>
#include <string>

#include "numeric/gemm.hpp"

namespace ssmsim_bench {

inline std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "unknown";
}

inline std::string isa_list() {
  std::string s;
#if defined(__x86_64__) && defined(__GNUC__)
  for (const char* f : {"avx2", "fma", "avx512f", "avx512bw", "avx512vnni"}) {
    bool has = false;
    const std::string n = f;
    if (n == "avx2") has = __builtin_cpu_supports("avx2");
    if (n == "fma") has = __builtin_cpu_supports("fma");
    if (n == "avx512f") has = __builtin_cpu_supports("avx512f");
    if (n == "avx512bw") has = __builtin_cpu_supports("avx512bw");
    if (n == "avx512vnni") has = __builtin_cpu_supports("avx512vnni");
    if (has) s += (s.empty() ? "" : " ") + n;
  }
#endif
  return s.empty() ? "baseline" : s;
}

inline void add_machine_context() {
  benchmark::AddCustomContext("cpu_model", cpu_model());
  benchmark::AddCustomContext("isa", isa_list());
  benchmark::AddCustomContext("gemm_s8_path", ssmsim::gemm_isa_name(ssmsim::gemm_s8_isa()));
}

}  // namespace ssmsim_bench

// BENCHMARK_MAIN with the machine's context first.
#define SSMSIM_BENCHMARK_MAIN()                         \
  int main(int argc, char** argv) {                     \
    ssmsim_bench::add_machine_context();                \
    benchmark::Initialize(&argc, argv);                 \
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1; \
    benchmark::RunSpecifiedBenchmarks();                \
    benchmark::Shutdown();                              \
    return 0;                                           \
  }
