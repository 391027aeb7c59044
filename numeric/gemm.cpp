#include "numeric/gemm.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

// AVX2 and baseline clones chosen at load time (GCC, x86-64, glibc). Lane
// arithmetic is identical in both (-ffp-contract=off: no FMA), so the clone
// changes the speed, never a bit of the result.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define SSMSIM_CLONES __attribute__((target_clones("avx2", "default")))
#define SSMSIM_AVX512 1
#include <immintrin.h>
#else
#define SSMSIM_CLONES
#define SSMSIM_AVX512 0
#endif

namespace ssmsim {

namespace {

typedef float v8f __attribute__((vector_size(32)));
typedef int32_t v8i __attribute__((vector_size(32)));

inline v8f load8(const float* p) {
  v8f v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

inline v8i widen8(const int8_t* p) {
  v8i v;
  for (int j = 0; j < 8; ++j) v[j] = p[j];
  return v;
}

inline v8i widen8(const int32_t* p) {
  v8i v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

inline float reduce(const v8f& a) {
  return ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
}

inline int32_t reduce(const v8i& a) {
  return ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
}

// A thread's scratch buffer of n elements, zeroed, at a 64-byte boundary:
// the packed kernels load whole cache lines, and a load that straddles
// two lines costs two.
template <typename T>
T* aligned_scratch(std::vector<T>& buf, size_t n) {
  buf.assign(n + 64 / sizeof(T), T(0));
  const auto a = reinterpret_cast<uintptr_t>(buf.data());
  return buf.data() + ((64 - a % 64) % 64) / sizeof(T);
}

// Weight panels: all rows of x against a panel of NB weight rows that stays
// in the first-level caches, then the next panel. Each output is computed
// by the same tile code in the same order whatever the panel, so panels
// change the speed, not a bit.
inline int64_t panel_rows(int64_t K, int64_t elem_bytes) {
  const int64_t nb = (int64_t(24) << 10) / std::max<int64_t>(1, K * elem_bytes);
  return std::max<int64_t>(4, nb & ~int64_t(3));
}

// MR rows of x times NR rows of w from k = 0 to K8: each output's 8 lanes.
// Hold: keep each x vector in a register for all NR products (AVX2 only,
// where GCC would otherwise fold its load into every multiply and the
// loads, not the multipliers, bound the kernel).
template <int MR, int NR, bool Hold>
inline __attribute__((always_inline)) void accumulate_f32(const float* x, int64_t K, int64_t K8,
                                                          const float* w, v8f (&acc)[MR][NR]) {
  for (int64_t k = 0; k < K8; k += 8) {
    v8f wv[NR];
    for (int c = 0; c < NR; ++c) wv[c] = load8(w + c * K + k);
    for (int r = 0; r < MR; ++r) {
      v8f xv = load8(x + r * K + k);
      if constexpr (Hold) asm("" : "+x"(xv));
      for (int c = 0; c < NR; ++c) acc[r][c] += xv * wv[c];
    }
  }
}

// The K tail of output (r, c), after its 8 lanes' sum s, in k order.
inline float tail_f32(float s, const float* x, const float* w, int64_t K8, int64_t K) {
  for (int64_t k = K8; k < K; ++k) s += x[k] * w[k];
  return s;
}

// MR rows of x times NR rows of w: MR x NR outputs, each an 8-lane sum.
template <int MR, int NR>
inline __attribute__((always_inline)) void tile_f32(const float* x, int64_t K, const float* w,
                                                    int64_t N, float* y) {
  v8f acc[MR][NR] = {};
  const int64_t K8 = K & ~int64_t(7);
  accumulate_f32<MR, NR, false>(x, K, K8, w, acc);
  for (int r = 0; r < MR; ++r) {
    for (int c = 0; c < NR; ++c)
      y[r * N + c] = tail_f32(reduce(acc[r][c]), x + r * K, w + c * K, K8, K);
  }
}

template <int MR, int NR, typename T>
inline __attribute__((always_inline)) void tile_int(const T* x, int64_t K, const int8_t* w,
                                                    int64_t N, float scale, float* y) {
  v8i acc[MR][NR] = {};
  const int64_t K8 = K & ~int64_t(7);
  for (int64_t k = 0; k < K8; k += 8) {
    v8i wv[NR];
    for (int c = 0; c < NR; ++c) wv[c] = widen8(w + c * K + k);
    for (int r = 0; r < MR; ++r) {
      const v8i xv = widen8(x + r * K + k);
      for (int c = 0; c < NR; ++c) acc[r][c] += xv * wv[c];
    }
  }
  for (int r = 0; r < MR; ++r) {
    for (int c = 0; c < NR; ++c) {
      int32_t s = reduce(acc[r][c]);
      for (int64_t k = K8; k < K; ++k) s += static_cast<int32_t>(x[r * K + k]) * w[c * K + k];
      y[r * N + c] = static_cast<float>(s) * scale;
    }
  }
}

#if SSMSIM_AVX512
// GCC 12 warns that the cast and broadcast intrinsics read their own
// undefined upper halves (they do not: a false positive).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
// Eight lanes of row x broadcast to both halves: a load, no shuffle (the
// shuffle port, not the multipliers, bounded the kernel).
__attribute__((target("avx512f"), always_inline)) inline __m512 bcast8(const float* p) {
  return _mm512_castpd_ps(
      _mm512_broadcast_f64x4(_mm256_loadu_pd(reinterpret_cast<const double*>(p))));
}

// AVX-512: one 16-lane register holds the 8 lanes of two outputs (two weight
// rows side by side), P such pairs, so each x broadcast serves 2P outputs.
// Every output keeps tile_f32's 8 partial sums and reduction: the same bits.
template <int MR, int P>
__attribute__((target("avx512f"), always_inline)) inline void tile_f32_pairs(const float* x,
                                                                             int64_t K,
                                                                             const float* w,
                                                                             int64_t N, float* y) {
  __m512 acc[MR][P];
  for (auto& a : acc)
    for (auto& v : a) v = _mm512_setzero_ps();
  const int64_t K8 = K & ~int64_t(7);
  for (int64_t k = 0; k < K8; k += 8) {
    __m512 wv[P];
    for (int p = 0; p < P; ++p) {
      const double* lo = reinterpret_cast<const double*>(w + 2 * p * K + k);
      const double* hi = reinterpret_cast<const double*>(w + (2 * p + 1) * K + k);
      wv[p] = _mm512_castpd_ps(
          _mm512_insertf64x4(_mm512_castpd256_pd512(_mm256_loadu_pd(lo)), _mm256_loadu_pd(hi), 1));
    }
    for (int r = 0; r < MR; ++r) {
      const __m512 xv = bcast8(x + r * K + k);
      for (int p = 0; p < P; ++p) acc[r][p] = _mm512_add_ps(acc[r][p], _mm512_mul_ps(xv, wv[p]));
    }
  }
  for (int r = 0; r < MR; ++r) {
    for (int c = 0; c < 2 * P; ++c) {
      alignas(64) float lanes[16];
      _mm512_store_ps(lanes, acc[r][c / 2]);
      v8f half;
      for (int j = 0; j < 8; ++j) half[j] = lanes[8 * (c % 2) + j];
      y[r * N + c] = tail_f32(reduce(half), x + r * K, w + c * K, K8, K);
    }
  }
}

__attribute__((target("avx512f"))) void gemm_f32_avx512(const float* x, int64_t M, int64_t K,
                                                        const float* w, int64_t N, float* y) {
  const int64_t NB = panel_rows(K, sizeof(float));
  for (int64_t n0 = 0; n0 < N; n0 += NB) {
    const int64_t n1 = std::min(N, n0 + NB);
    int64_t m = 0;
    for (; m + 8 <= M; m += 8) {
      int64_t n = n0;
      for (; n + 4 <= n1; n += 4) tile_f32_pairs<8, 2>(x + m * K, K, w + n * K, N, y + m * N + n);
      for (; n + 2 <= n1; n += 2) tile_f32_pairs<8, 1>(x + m * K, K, w + n * K, N, y + m * N + n);
      for (; n < n1; ++n) tile_f32<8, 1>(x + m * K, K, w + n * K, N, y + m * N + n);
    }
    for (; m < M; ++m) {
      int64_t n = n0;
      for (; n + 4 <= n1; n += 4) tile_f32_pairs<1, 2>(x + m * K, K, w + n * K, N, y + m * N + n);
      for (; n + 2 <= n1; n += 2) tile_f32_pairs<1, 1>(x + m * K, K, w + n * K, N, y + m * N + n);
      for (; n < n1; ++n) tile_f32<1, 1>(x + m * K, K, w + n * K, N, y + m * N + n);
    }
  }
}

// With enough rows, 16 outputs of a row per register instead of two: each
// output's 8 partial sums (k mod 8) are 8 registers, reduced by the same
// tree at the end, so no horizontal sums and the same bits. The weights of
// a panel are packed [column block][k][16] once and read by every row.
constexpr int64_t kPackCols = 16;
constexpr int64_t kPackMinRows = 32;  // below it, packing costs more than it saves

template <int MR>
__attribute__((target("avx512f"), always_inline)) inline void tile_f32_packed(
    const float* x, int64_t K, const float* wp, int64_t N, int64_t cols, float* y) {
  __m512 acc[8][MR];
  for (auto& a : acc)
    for (auto& v : a) v = _mm512_setzero_ps();
  const int64_t K8 = K & ~int64_t(7);
  for (int64_t k = 0; k < K8; k += 8) {
    for (int j = 0; j < 8; ++j) {
      __m512 wv = _mm512_loadu_ps(wp + (k + j) * kPackCols);
      asm("" : "+v"(wv));  // one load for all rows, not one folded into each multiply
      for (int r = 0; r < MR; ++r) {
        acc[j][r] = _mm512_add_ps(acc[j][r], _mm512_mul_ps(_mm512_set1_ps(x[r * K + k + j]), wv));
      }
    }
  }
  const __mmask16 store = static_cast<__mmask16>((1u << cols) - 1);
  for (int r = 0; r < MR; ++r) {
    __m512 s = _mm512_add_ps(
        _mm512_add_ps(_mm512_add_ps(acc[0][r], acc[1][r]), _mm512_add_ps(acc[2][r], acc[3][r])),
        _mm512_add_ps(_mm512_add_ps(acc[4][r], acc[5][r]), _mm512_add_ps(acc[6][r], acc[7][r])));
    for (int64_t k = K8; k < K; ++k) {
      s = _mm512_add_ps(
          s, _mm512_mul_ps(_mm512_set1_ps(x[r * K + k]), _mm512_loadu_ps(wp + k * kPackCols)));
    }
    _mm512_mask_storeu_ps(y + r * N, store, s);
  }
}

// All M rows against one packed 16-column block of cols columns: the block
// (16 x K floats: the first-level cache up to K = 512, the second beyond)
// stays in cache while the rows pass over it.
__attribute__((target("avx512f"))) void packed_block(const float* x, int64_t M, int64_t K,
                                                     const float* block, int64_t N, int64_t cols,
                                                     float* y) {
  int64_t m = 0;
  for (; m + 3 <= M; m += 3) tile_f32_packed<3>(x + m * K, K, block, N, cols, y + m * N);
  if (m + 2 <= M) tile_f32_packed<2>(x + m * K, K, block, N, cols, y + m * N), m += 2;
  if (m < M) tile_f32_packed<1>(x + m * K, K, block, N, cols, y + m * N);
}

__attribute__((target("avx512f"))) void gemm_f32_avx512_packed(const float* x, int64_t M, int64_t K,
                                                               const float* w, int64_t N,
                                                               float* y) {
  thread_local std::vector<float> buf;
  // A panel of ~256 KiB stays in the second-level cache while every row
  // block passes over it.
  const int64_t NB =
      std::clamp<int64_t>(((int64_t(256) << 10) / 4 / K) & ~(kPackCols - 1), kPackCols, 256);
  for (int64_t n0 = 0; n0 < N; n0 += NB) {
    const int64_t nb = std::min(NB, N - n0), blocks = (nb + kPackCols - 1) / kPackCols;
    float* pack = aligned_scratch(buf, static_cast<size_t>(blocks * K * kPackCols));
    for (int64_t c = 0; c < nb; ++c) {
      const float* row = w + (n0 + c) * K;
      float* dst = pack + (c / kPackCols) * K * kPackCols + c % kPackCols;
      for (int64_t k = 0; k < K; ++k) dst[k * kPackCols] = row[k];
    }
    for (int64_t b = 0; b < blocks; ++b) {
      packed_block(x, M, K, pack + b * K * kPackCols, N, std::min(kPackCols, nb - b * kPackCols),
                   y + n0 + b * kPackCols);
    }
  }
}
#pragma GCC diagnostic pop
#endif

#if SSMSIM_AVX512
// AVX2 4 x 2 tile: x held in registers, and the 8 outputs' lane sums
// reduced together by horizontal adds. hadd(a, b) adds neighbouring lanes,
// so two levels give each output (l0 + l1) + (l2 + l3) and (l4 + l5) +
// (l6 + l7) and the last add joins them: reduce()'s tree, the same bits.
__attribute__((target("avx2"))) inline void tile_f32_avx2(const float* x, int64_t K, const float* w,
                                                          int64_t N, float* y) {
  v8f acc[4][2] = {};
  const int64_t K8 = K & ~int64_t(7);
  accumulate_f32<4, 2, true>(x, K, K8, w, acc);
  __m256 a[8];
  for (int o = 0; o < 8; ++o) a[o] = reinterpret_cast<const __m256&>(acc[o / 2][o % 2]);
  for (int q = 0; q < 2; ++q) {
    const __m256 h = _mm256_hadd_ps(_mm256_hadd_ps(a[4 * q], a[4 * q + 1]),
                                    _mm256_hadd_ps(a[4 * q + 2], a[4 * q + 3]));
    alignas(16) float s[4];
    _mm_store_ps(s, _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1)));
    for (int o = 0; o < 4; ++o) {
      const int r = 2 * q + o / 2, c = o % 2;
      y[r * N + c] = tail_f32(s[o], x + r * K, w + c * K, K8, K);
    }
  }
}
#endif

// The 8-lane tiles over weight panels; Tile42 computes the 4 x 2 tiles.
template <void (*Tile42)(const float*, int64_t, const float*, int64_t, float*)>
inline __attribute__((always_inline)) void gemm_f32_tiles(const float* x, int64_t M, int64_t K,
                                                          const float* w, int64_t N, float* y) {
  const int64_t NB = panel_rows(K, sizeof(float));
  for (int64_t n0 = 0; n0 < N; n0 += NB) {
    const int64_t n1 = std::min(N, n0 + NB);
    int64_t m = 0;
    for (; m + 4 <= M; m += 4) {
      int64_t n = n0;
      for (; n + 2 <= n1; n += 2) Tile42(x + m * K, K, w + n * K, N, y + m * N + n);
      for (; n < n1; ++n) tile_f32<4, 1>(x + m * K, K, w + n * K, N, y + m * N + n);
    }
    for (; m < M; ++m) {
      int64_t n = n0;
      for (; n + 2 <= n1; n += 2) tile_f32<1, 2>(x + m * K, K, w + n * K, N, y + m * N + n);
      for (; n < n1; ++n) tile_f32<1, 1>(x + m * K, K, w + n * K, N, y + m * N + n);
    }
  }
}

#if SSMSIM_AVX512
__attribute__((target("avx2"))) void gemm_f32_avx2(const float* x, int64_t M, int64_t K,
                                                   const float* w, int64_t N, float* y) {
  gemm_f32_tiles<tile_f32_avx2>(x, M, K, w, N, y);
}
#endif

// Baseline x86-64 (SSE2) and other targets.
void gemm_f32_portable(const float* x, int64_t M, int64_t K, const float* w, int64_t N, float* y) {
  gemm_f32_tiles<tile_f32<4, 2>>(x, M, K, w, N, y);
}

// The fp32 path that runs for `want`: a path the CPU lacks falls back to
// the next (kAvx512Vnni stands for the AVX-512 F kernels).
GemmIsa f32_path(GemmIsa want) {
#if SSMSIM_AVX512
  static const bool avx512 = __builtin_cpu_supports("avx512f"),
                    avx2 = __builtin_cpu_supports("avx2");
  if (want == GemmIsa::kAvx512Vnni && avx512) return GemmIsa::kAvx512Vnni;
  if (want != GemmIsa::kPortable && avx2) return GemmIsa::kAvx2;
#endif
  (void)want;
  return GemmIsa::kPortable;
}

}  // namespace

void gemm_f32_with(GemmIsa isa, const float* x, int64_t M, int64_t K, const float* w, int64_t N,
                   float* y) {
  switch (f32_path(isa)) {
#if SSMSIM_AVX512
    case GemmIsa::kAvx512Vnni:
      if (M >= kPackMinRows) return gemm_f32_avx512_packed(x, M, K, w, N, y);
      return gemm_f32_avx512(x, M, K, w, N, y);
    case GemmIsa::kAvx2:
      return gemm_f32_avx2(x, M, K, w, N, y);
#endif
    default:
      return gemm_f32_portable(x, M, K, w, N, y);
  }
}

GemmIsa gemm_f32_isa() {
  // SSMSIM_GEMM_ISA forces both kernels' path; otherwise fp32 takes
  // AVX-512 wherever AVX-512 F is (VNNI is the INT8 kernel's need).
  static const GemmIsa isa =
      f32_path(std::getenv("SSMSIM_GEMM_ISA") ? gemm_s8_isa() : GemmIsa::kAvx512Vnni);
  return isa;
}

void gemm_f32(const float* x, int64_t M, int64_t K, const float* w, int64_t N, float* y) {
  gemm_f32_with(gemm_f32_isa(), x, M, K, w, N, y);
}

namespace {

template <typename T>
inline __attribute__((always_inline)) void gemm_int(const T* x, int64_t M, int64_t K,
                                                    const int8_t* w, int64_t N, float scale,
                                                    float* y) {
  const int64_t NB = panel_rows(K, sizeof(int8_t));
  for (int64_t n0 = 0; n0 < N; n0 += NB) {
    const int64_t n1 = std::min(N, n0 + NB);
    int64_t m = 0;
    for (; m + 4 <= M; m += 4) {
      int64_t n = n0;
      for (; n + 2 <= n1; n += 2) tile_int<4, 2>(x + m * K, K, w + n * K, N, scale, y + m * N + n);
      for (; n < n1; ++n) tile_int<4, 1>(x + m * K, K, w + n * K, N, scale, y + m * N + n);
    }
    for (; m < M; ++m) {
      for (int64_t n = n0; n < n1; ++n)
        tile_int<1, 1>(x + m * K, K, w + n * K, N, scale, y + m * N + n);
    }
  }
}

}  // namespace

namespace {

SSMSIM_CLONES void gemm_s8_portable(const int8_t* x, int64_t M, int64_t K, const int8_t* w,
                                    int64_t N, float scale, float* out) {
  gemm_int(x, M, K, w, N, scale, out);
}

#if SSMSIM_AVX512
// Row r of x times weight row c from k0 on, in plain integers (the tails).
inline int32_t dot_tail(const int8_t* x, const int8_t* w, int64_t k0, int64_t K) {
  int32_t s = 0;
  for (int64_t k = k0; k < K; ++k) s += static_cast<int32_t>(x[k]) * w[k];
  return s;
}

// AVX2: 16 int8 widened to int16, vpmaddwd multiplies and adds pairs into
// int32: exact for every int8 value (a pair sums to at most 2 * 128 * 128).
template <int MR, int NR>
__attribute__((target("avx2"), always_inline)) inline void tile_s8_avx2(const int8_t* x, int64_t K,
                                                                        const int8_t* w, int64_t N,
                                                                        float scale, float* y) {
  __m256i acc[MR][NR];
  for (int r = 0; r < MR; ++r)
    for (int c = 0; c < NR; ++c) acc[r][c] = _mm256_setzero_si256();
  const int64_t K16 = K & ~int64_t(15);
  for (int64_t k = 0; k < K16; k += 16) {
    __m256i wv[NR];
    for (int c = 0; c < NR; ++c) {
      wv[c] =
          _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w + c * K + k)));
    }
    for (int r = 0; r < MR; ++r) {
      const __m256i xv =
          _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x + r * K + k)));
      for (int c = 0; c < NR; ++c) {
        acc[r][c] = _mm256_add_epi32(acc[r][c], _mm256_madd_epi16(xv, wv[c]));
      }
    }
  }
  for (int r = 0; r < MR; ++r) {
    for (int c = 0; c < NR; ++c) {
      const __m128i h =
          _mm_add_epi32(_mm256_castsi256_si128(acc[r][c]), _mm256_extracti128_si256(acc[r][c], 1));
      const __m128i q = _mm_add_epi32(h, _mm_shuffle_epi32(h, 0x4e));
      const __m128i o = _mm_add_epi32(q, _mm_shuffle_epi32(q, 0xb1));
      const int32_t s = _mm_cvtsi128_si32(o) + dot_tail(x + r * K, w + c * K, K16, K);
      y[r * N + c] = static_cast<float>(s) * scale;
    }
  }
}

__attribute__((target("avx2"))) void gemm_s8_avx2(const int8_t* x, int64_t M, int64_t K,
                                                  const int8_t* w, int64_t N, float scale,
                                                  float* y) {
  const int64_t NB = panel_rows(K, sizeof(int8_t));
  for (int64_t n0 = 0; n0 < N; n0 += NB) {
    const int64_t n1 = std::min(N, n0 + NB);
    int64_t m = 0;
    for (; m + 4 <= M; m += 4) {
      int64_t n = n0;
      for (; n + 2 <= n1; n += 2)
        tile_s8_avx2<4, 2>(x + m * K, K, w + n * K, N, scale, y + m * N + n);
      for (; n < n1; ++n) tile_s8_avx2<4, 1>(x + m * K, K, w + n * K, N, scale, y + m * N + n);
    }
    for (; m < M; ++m) {
      int64_t n = n0;
      for (; n + 4 <= n1; n += 4)
        tile_s8_avx2<1, 4>(x + m * K, K, w + n * K, N, scale, y + m * N + n);
      for (; n < n1; ++n) tile_s8_avx2<1, 1>(x + m * K, K, w + n * K, N, scale, y + m * N + n);
    }
  }
}

// AVX-512 VNNI: vpdpbusd multiplies unsigned by signed bytes and adds groups
// of four into int32 without saturation. x + 128 is unsigned (x ^ 0x80), so
// the sum is sum(x w) + 128 sum(w): the weight sum (the same instruction
// with ones) is subtracted. Exact for every int8 value; the K tail is a
// masked load (zero bytes add nothing to either sum).
// Sum of 16 int32 lanes. GCC 12 warns that the reduction's intrinsics read
// their own undefined upper halves (they do not: a false positive).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
__attribute__((target("avx512f"), always_inline)) inline int32_t sum16(__m512i v) {
  return _mm512_reduce_add_epi32(v);
}

template <int MR, int NR>
__attribute__((target("avx512f,avx512bw,avx512vnni"), always_inline)) inline void tile_s8_vnni(
    const int8_t* x, int64_t K, const int8_t* w, int64_t N, float scale, float* y) {
  __m512i acc[MR][NR], wsum[NR];
  for (int c = 0; c < NR; ++c) {
    wsum[c] = _mm512_setzero_si512();
    for (int r = 0; r < MR; ++r) acc[r][c] = _mm512_setzero_si512();
  }
  const __m512i bias = _mm512_set1_epi8(static_cast<char>(0x80));
  const __m512i ones = _mm512_set1_epi8(1);
  for (int64_t k = 0; k < K; k += 64) {
    const __mmask64 m = K - k >= 64 ? ~__mmask64(0) : (__mmask64(1) << (K - k)) - 1;
    __m512i wv[NR];
    for (int c = 0; c < NR; ++c) {
      wv[c] = _mm512_maskz_loadu_epi8(m, w + c * K + k);
      wsum[c] = _mm512_dpbusd_epi32(wsum[c], ones, wv[c]);
    }
    for (int r = 0; r < MR; ++r) {
      // Masked-off bytes stay 0 (then 0x80 after the xor: their weight is 0).
      const __m512i xu = _mm512_xor_si512(_mm512_maskz_loadu_epi8(m, x + r * K + k), bias);
      for (int c = 0; c < NR; ++c) acc[r][c] = _mm512_dpbusd_epi32(acc[r][c], xu, wv[c]);
    }
  }
  for (int c = 0; c < NR; ++c) {
    const int32_t ws = sum16(wsum[c]);
    for (int r = 0; r < MR; ++r) {
      const int32_t s = sum16(acc[r][c]) - 128 * ws;
      y[r * N + c] = static_cast<float>(s) * scale;
    }
  }
}

// With enough rows: 16 columns per register instead of one output. A
// block of 32 weight columns is packed [k / 4][column][4 bytes] (zero past
// K), so one vpdpbusd adds 4 products to each of 16 outputs and no output
// needs a horizontal sum; each column's weight sum comes with the packing.
// x is copied once as x + 128 (x ^ 0x80), its rows padded to a multiple
// of 4; a pad byte meets a zero weight.
constexpr int64_t kS8PackRows = 8;

template <int MR>
__attribute__((target("avx512f,avx512bw,avx512vnni"), always_inline)) inline void tile_s8_packed(
    const uint8_t* xu, int64_t K4, const int8_t* wp, const __m512i* corr, int64_t N, int64_t cols,
    float scale, float* y) {
  __m512i acc[MR][2];
  for (int r = 0; r < MR; ++r) acc[r][0] = acc[r][1] = _mm512_setzero_si512();
  for (int64_t k = 0; k < K4; k += 4) {
    __m512i w0 = _mm512_loadu_si512(wp + k * 32), w1 = _mm512_loadu_si512(wp + k * 32 + 64);
    asm("" : "+v"(w0), "+v"(w1));  // one load for all rows
    for (int r = 0; r < MR; ++r) {
      int32_t four;
      std::memcpy(&four, xu + r * K4 + k, 4);
      const __m512i xv = _mm512_set1_epi32(four);
      acc[r][0] = _mm512_dpbusd_epi32(acc[r][0], xv, w0);
      acc[r][1] = _mm512_dpbusd_epi32(acc[r][1], xv, w1);
    }
  }
  const __m512 sc = _mm512_set1_ps(scale);
  for (int v = 0; v < 2; ++v) {
    const int64_t c = std::min<int64_t>(16, cols - 16 * v);
    if (c <= 0) break;
    const __mmask16 store = static_cast<__mmask16>((1u << c) - 1);
    for (int r = 0; r < MR; ++r) {
      const __m512i sum = _mm512_sub_epi32(acc[r][v], corr[v]);
      _mm512_mask_storeu_ps(y + r * N + 16 * v, store, _mm512_mul_ps(_mm512_cvtepi32_ps(sum), sc));
    }
  }
}

__attribute__((target("avx512f,avx512bw,avx512vnni"))) void gemm_s8_vnni_packed(
    const int8_t* x, int64_t M, int64_t K, const int8_t* w, int64_t N, float scale, float* y) {
  thread_local std::vector<uint8_t> xu;
  thread_local std::vector<int8_t> buf;
  const int64_t K4 = (K + 3) & ~int64_t(3);
  xu.assign(static_cast<size_t>(M * K4), 0x80);
  for (int64_t m = 0; m < M; ++m) {
    const int8_t* src = x + m * K;
    uint8_t* dst = xu.data() + m * K4;
    for (int64_t k = 0; k < K; ++k) dst[k] = static_cast<uint8_t>(src[k]) ^ 0x80u;
  }
  const size_t pack_bytes = static_cast<size_t>(K4 * 32);
  int8_t* pack = aligned_scratch(buf, pack_bytes);
  for (int64_t n0 = 0; n0 < N; n0 += 32) {
    const int64_t cols = std::min<int64_t>(32, N - n0);
    std::fill(pack, pack + pack_bytes, int8_t(0));
    alignas(64) int32_t wsum[32] = {};
    for (int64_t c = 0; c < cols; ++c) {
      const int8_t* row = w + (n0 + c) * K;
      int8_t* dst = pack + c * 4;
      for (int64_t k = 0; k + 4 <= K; k += 4) std::memcpy(dst + k * 32, row + k, 4);
      for (int64_t k = K & ~int64_t(3); k < K; ++k) dst[(k & ~int64_t(3)) * 32 + k % 4] = row[k];
      int32_t sum = 0;
      for (int64_t k = 0; k < K; ++k) sum += row[k];
      wsum[c] = sum;
    }
    const __m512i corr[2] = {_mm512_slli_epi32(_mm512_load_si512(wsum), 7),
                             _mm512_slli_epi32(_mm512_load_si512(wsum + 16), 7)};
    int64_t m = 0;
    for (; m + kS8PackRows <= M; m += kS8PackRows) {
      tile_s8_packed<kS8PackRows>(xu.data() + m * K4, K4, pack, corr, N, cols, scale,
                                  y + m * N + n0);
    }
    for (; m < M; ++m) {
      tile_s8_packed<1>(xu.data() + m * K4, K4, pack, corr, N, cols, scale, y + m * N + n0);
    }
  }
}

__attribute__((target("avx512f,avx512bw,avx512vnni"))) void gemm_s8_vnni(const int8_t* x, int64_t M,
                                                                         int64_t K, const int8_t* w,
                                                                         int64_t N, float scale,
                                                                         float* y) {
  const int64_t NB = panel_rows(K, sizeof(int8_t));
  for (int64_t n0 = 0; n0 < N; n0 += NB) {
    const int64_t n1 = std::min(N, n0 + NB);
    int64_t m = 0;
    for (; m + 4 <= M; m += 4) {
      int64_t n = n0;
      for (; n + 4 <= n1; n += 4)
        tile_s8_vnni<4, 4>(x + m * K, K, w + n * K, N, scale, y + m * N + n);
      for (; n < n1; ++n) tile_s8_vnni<4, 1>(x + m * K, K, w + n * K, N, scale, y + m * N + n);
    }
    for (; m < M; ++m) {
      int64_t n = n0;
      for (; n + 4 <= n1; n += 4)
        tile_s8_vnni<1, 4>(x + m * K, K, w + n * K, N, scale, y + m * N + n);
      for (; n < n1; ++n) tile_s8_vnni<1, 1>(x + m * K, K, w + n * K, N, scale, y + m * N + n);
    }
  }
}
#pragma GCC diagnostic pop
#endif

}  // namespace

const char* gemm_isa_name(GemmIsa isa) {
  switch (isa) {
    case GemmIsa::kAvx2:
      return "avx2";
    case GemmIsa::kAvx512Vnni:
      return "avx512-vnni";
    case GemmIsa::kPortable:
      break;
  }
  return "portable";
}

bool gemm_isa_available(GemmIsa isa) {
#if SSMSIM_AVX512
  if (isa == GemmIsa::kAvx2) return __builtin_cpu_supports("avx2");
  if (isa == GemmIsa::kAvx512Vnni) {
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vnni");
  }
#endif
  return isa == GemmIsa::kPortable;
}

GemmIsa gemm_s8_isa() {
  static const GemmIsa chosen = [] {
    if (const char* e = std::getenv("SSMSIM_GEMM_ISA")) {
      for (GemmIsa i : {GemmIsa::kPortable, GemmIsa::kAvx2, GemmIsa::kAvx512Vnni}) {
        if (std::string(e) == gemm_isa_name(i) && gemm_isa_available(i)) return i;
      }
    }
    for (GemmIsa i : {GemmIsa::kAvx512Vnni, GemmIsa::kAvx2}) {
      if (gemm_isa_available(i)) return i;
    }
    return GemmIsa::kPortable;
  }();
  return chosen;
}

void gemm_s8_with(GemmIsa isa, const int8_t* x, int64_t M, int64_t K, const int8_t* w, int64_t N,
                  float scale, float* out) {
#if SSMSIM_AVX512
  if (isa == GemmIsa::kAvx512Vnni && M >= kPackMinRows) {
    return gemm_s8_vnni_packed(x, M, K, w, N, scale, out);
  }
  if (isa == GemmIsa::kAvx512Vnni) return gemm_s8_vnni(x, M, K, w, N, scale, out);
  if (isa == GemmIsa::kAvx2) return gemm_s8_avx2(x, M, K, w, N, scale, out);
#endif
  (void)isa;
  gemm_s8_portable(x, M, K, w, N, scale, out);
}

void gemm_s8(const int8_t* x, int64_t M, int64_t K, const int8_t* w, int64_t N, float scale,
             float* out) {
  gemm_s8_with(gemm_s8_isa(), x, M, K, w, N, scale, out);
}

SSMSIM_CLONES void gemm_s32(const int32_t* x, int64_t M, int64_t K, const int8_t* w, int64_t N,
                            float scale, float* out) {
  gemm_int(x, M, K, w, N, scale, out);
}

}  // namespace ssmsim
