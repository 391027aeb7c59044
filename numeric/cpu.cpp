#include "numeric/cpu.hpp"

#include <fstream>
#include <utility>

#include "numeric/activations.hpp"
#include "numeric/gemm.hpp"

namespace ssmsim {

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    const auto colon = line.find(':');
    if (line.rfind("model name", 0) == 0 && colon != std::string::npos) {
      return line.substr(line.find_first_not_of(' ', colon + 1));
    }
  }
  return "unknown";
}

std::string cpu_isa() {
  std::string s;
#if defined(__x86_64__) && defined(__GNUC__)
  // __builtin_cpu_supports takes only a literal.
  const std::pair<const char*, bool> has[] = {{"avx2", __builtin_cpu_supports("avx2")},
                                              {"fma", __builtin_cpu_supports("fma")},
                                              {"avx512f", __builtin_cpu_supports("avx512f")},
                                              {"avx512bw", __builtin_cpu_supports("avx512bw")},
                                              {"avx512vnni", __builtin_cpu_supports("avx512vnni")}};
  for (const auto& [name, present] : has) {
    if (present) s += (s.empty() ? "" : " ") + std::string(name);
  }
#endif
  return s.empty() ? "baseline" : s;
}

std::string kernel_paths() {
  const GemmIsa f32 = gemm_f32_isa();
  // The scan's target clones resolve by the same features as the
  // activations (AVX-512 F, else AVX2, else the baseline).
  return std::string("GEMM fp32 ") +
         (f32 == GemmIsa::kAvx512Vnni ? "avx512f" : gemm_isa_name(f32)) + ", INT8 " +
         gemm_isa_name(gemm_s8_isa()) + "; scan, softplus, SiLU " + isa_name(activation_isa());
}

}  // namespace ssmsim
