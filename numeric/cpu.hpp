// Where the kernels run: the CPU, its vector extensions and the path each
// kernel dispatches to on it. Machines of one kind differ (some have
// AVX-512, some only AVX2), so benchmarks and `ssmsim --version` say which.
#pragma once

#include <string>

namespace ssmsim {

std::string cpu_model();  // /proc/cpuinfo's model name, or "unknown"
// The extensions the kernels can use that this CPU has, e.g. "avx2 fma
// avx512f avx512bw avx512vnni"; "baseline" where none.
std::string cpu_isa();
// The path each kernel takes here, e.g. "GEMM fp32 avx512f, INT8
// avx512-vnni; scan, softplus, SiLU avx512f".
std::string kernel_paths();

}  // namespace ssmsim
