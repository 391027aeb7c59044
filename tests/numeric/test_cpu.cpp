// What the CPU report says against what the kernels dispatch to. The
// emulated-CPU tests (tests/CMakeLists.txt, isa.*) run this on a Zen 3
// without AVX-512 and on a Nehalem without AVX.
#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "numeric/activations.hpp"
#include "numeric/cpu.hpp"
#include "numeric/gemm.hpp"

namespace ssmsim {
namespace {

bool lists(const std::string& isa, const std::string& name) {
  std::istringstream in(isa);
  for (std::string w; in >> w;) {
    if (w == name) return true;
  }
  return false;
}

TEST(Cpu, IsaListsTheExtensionsTheKernelsCheck) {
  const std::string isa = cpu_isa();
  EXPECT_EQ(lists(isa, "avx512f"), isa_supported(VectorIsa::kAvx512)) << isa;
  EXPECT_EQ(lists(isa, "avx2"), isa_supported(VectorIsa::kAvx2)) << isa;
  EXPECT_EQ(lists(isa, "avx512f") && lists(isa, "avx512bw") && lists(isa, "avx512vnni"),
            gemm_isa_available(GemmIsa::kAvx512Vnni))
      << isa;
  EXPECT_EQ(isa == "baseline", !isa_supported(VectorIsa::kAvx2) && !lists(isa, "fma")) << isa;
}

TEST(Cpu, EachKernelTakesTheBestPathTheCpuHas) {
  if (std::getenv("SSMSIM_GEMM_ISA")) GTEST_SKIP() << "SSMSIM_GEMM_ISA caps the GEMM paths";
  const bool avx512 = isa_supported(VectorIsa::kAvx512), avx2 = isa_supported(VectorIsa::kAvx2);
  EXPECT_EQ(activation_isa(), avx512 ? VectorIsa::kAvx512
                              : avx2 ? VectorIsa::kAvx2
                                     : VectorIsa::kPortable);
  EXPECT_EQ(gemm_f32_isa(), avx512 ? GemmIsa::kAvx512Vnni
                            : avx2 ? GemmIsa::kAvx2
                                   : GemmIsa::kPortable);
  EXPECT_EQ(gemm_s8_isa(), gemm_isa_available(GemmIsa::kAvx512Vnni) ? GemmIsa::kAvx512Vnni
                           : avx2                                   ? GemmIsa::kAvx2
                                                                    : GemmIsa::kPortable);
}

TEST(Cpu, KernelPathsNameTheDispatchedPaths) {
  const std::string k = kernel_paths();
  const std::string f32 =
      gemm_f32_isa() == GemmIsa::kAvx512Vnni ? "avx512f" : gemm_isa_name(gemm_f32_isa());
  EXPECT_EQ(k, "GEMM fp32 " + f32 + ", INT8 " + gemm_isa_name(gemm_s8_isa()) +
                   "; scan, softplus, SiLU " + isa_name(activation_isa()));
}

TEST(Cpu, ModelIsNamed) { EXPECT_FALSE(cpu_model().empty()); }

}  // namespace
}  // namespace ssmsim
