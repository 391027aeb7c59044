// softplus and SiLU as the reference forward computes them, one element at a
// time or a vector of channels at a time with the same bits
// (docs/reference-forward.md).
#pragma once

#include <cmath>
#include <cstdint>

namespace ssmsim {

// log1p(x) for x >= +0 as fdlibm's float log1pf computes it, which is glibc's
// log1pf up to 2.40: the same IEEE float operations in the same order, so
// the same bits whatever the machine's libm (glibc 2.41 rounds correctly,
// and so differs in the last bit for some x). NaN and +inf give x + x; a
// negative x, outside what softplus needs, is libm's log1pf.
float log1p_fdlibm(float x);

// torch.nn.functional.softplus with its default threshold 20: x above it,
// else log1p_fdlibm(expf(x)) with libm's expf.
float softplus(float x);

// x * sigmoid(x) as x / (1 + expf(-x)), libm's expf.
inline float silu(float x) { return x / (1.0f + std::exp(-x)); }

// out[i] = softplus(in[i]) or silu(in[i]) for i < n, the same bits, a
// register of lanes at a time: 16 on AVX-512F, 8 on AVX2, 4 on baseline
// x86-64 (SSE2). expf runs in double precision and is rounded to float only
// where that rounding is certain: libm's expf is within 1.69 * 2^-34
// (relative) of e^x before its own rounding (glibc's, from ARM's optimized
// routines), so where the double result lies farther than 2^-32 from a
// midpoint between two floats both round to the same float. The other
// lanes (about 0.2 % of those with |x| <= 87), and results that are not
// normal floats, call libm's expf. The forms with an instruction set run
// that one (isa_supported() must hold: tests and benchmarks); the others
// take the widest the CPU has.
enum class VectorIsa { kPortable, kAvx2, kAvx512 };
bool isa_supported(VectorIsa isa);
const char* isa_name(VectorIsa isa);  // "portable", "avx2", "avx512f"
VectorIsa activation_isa();
void softplus_n(const float* in, float* out, int64_t n, VectorIsa isa);
void silu_n(const float* in, float* out, int64_t n, VectorIsa isa);
// out[i] = y[i] * silu(z[i]) (the gate); out may be y.
void silu_mul_n(const float* z, const float* y, float* out, int64_t n, VectorIsa isa);
inline void softplus_n(const float* in, float* out, int64_t n) {
  softplus_n(in, out, n, activation_isa());
}
inline void silu_n(const float* in, float* out, int64_t n) { silu_n(in, out, n, activation_isa()); }
inline void silu_mul_n(const float* z, const float* y, float* out, int64_t n) {
  silu_mul_n(z, y, out, n, activation_isa());
}

// How many lanes of normal results softplus_n, silu_n and silu_mul_n sent
// to libm's expf so far in this thread (bench/check_activations).
uint64_t activation_fallbacks();

}  // namespace ssmsim
