// The GEMM kernels of the reference and W8A8 pipelines: y[m, n] = sum_k
// x[m, k] * w[n, k] (w row-major [N, K], a PyTorch Linear's layout).
//
// fp32: every output is the same 8-lane partial sum in k, reduced in one
// fixed tree, whatever the instruction set: the same bits on every x86-64
// (SSE2, AVX2 or AVX-512 path) and on every run. The kernels compute 4 rows
// (8 on AVX-512, two outputs per 16-lane register) x 2 weight rows at a
// time (8 rows x 4 weight rows on AVX-512, two outputs per 16-lane
// register, x broadcast by a load), so each load serves several products.
#pragma once

#include <cstdint>

namespace ssmsim {

void gemm_f32(const float* x, int64_t M, int64_t K, const float* w, int64_t N, float* y);
// INT8 x INT8 with INT32 accumulation (exact), out = scale * acc. Integer
// sums are exact in any order, so the instruction set changes only the
// speed: AVX-512 VNNI (vpdpbusd on x + 128, less 128 * sum(w)), AVX2
// (int8 widened to int16, vpmaddwd), or a portable 8-lane loop.
void gemm_s8(const int8_t* x, int64_t M, int64_t K, const int8_t* w, int64_t N, float scale,
             float* out);

// The INT8 kernel's instruction-set paths, for tests and benchmarks.
enum class GemmIsa { kPortable, kAvx2, kAvx512Vnni };
const char* gemm_isa_name(GemmIsa isa);
bool gemm_isa_available(GemmIsa isa);
// What gemm_s8 runs: the best available path, or SSMSIM_GEMM_ISA
// (portable | avx2 | avx512-vnni) when set and available; the variable
// forces gemm_f32's path too.
GemmIsa gemm_s8_isa();
void gemm_s8_with(GemmIsa isa, const int8_t* x, int64_t M, int64_t K, const int8_t* w, int64_t N,
                  float scale, float* out);
// gemm_f32 on one path (for tests and benchmarks: the same bits on each):
// kAvx512Vnni the AVX-512 F kernels, kAvx2 the AVX2 one, kPortable the
// baseline; a path the CPU lacks falls back to the next.
void gemm_f32_with(GemmIsa isa, const float* x, int64_t M, int64_t K, const float* w, int64_t N,
                   float* y);
// What gemm_f32 runs: the AVX-512 F kernels (kAvx512Vnni) where the CPU
// has AVX-512 F, else AVX2, else the baseline; SSMSIM_GEMM_ISA caps it.
GemmIsa gemm_f32_isa();
// INT32 activations (codes that may pass 127) x INT8 weights, INT32 sums.
void gemm_s32(const int32_t* x, int64_t M, int64_t K, const int8_t* w, int64_t N, float scale,
              float* out);

}  // namespace ssmsim
