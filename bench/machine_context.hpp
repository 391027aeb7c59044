// Every benchmark says where it ran: the CPU model, the vector ISA
// extensions the kernels can dispatch to and the paths they take (machines
// of one kind differ: some have AVX-512, some only AVX2), in Google
// Benchmark's context header.
#pragma once

#include <benchmark/benchmark.h>

#include "numeric/cpu.hpp"

namespace ssmsim_bench {

inline void add_machine_context() {
  benchmark::AddCustomContext("cpu_model", ssmsim::cpu_model());
  benchmark::AddCustomContext("isa", ssmsim::cpu_isa());
  benchmark::AddCustomContext("kernels", ssmsim::kernel_paths());
}

}  // namespace ssmsim_bench

// BENCHMARK_MAIN with the machine's context first.
#define SSMSIM_BENCHMARK_MAIN()                                       \
  int main(int argc, char** argv) {                                   \
    ssmsim_bench::add_machine_context();                              \
    benchmark::Initialize(&argc, argv);                               \
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1; \
    benchmark::RunSpecifiedBenchmarks();                              \
    benchmark::Shutdown();                                            \
    return 0;                                                         \
  }
