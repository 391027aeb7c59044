#include "numeric/gemm.hpp"

#include <cstring>

// AVX2 and baseline clones chosen at load time (GCC, x86-64, glibc). Lane
// arithmetic is identical in both (-ffp-contract=off: no FMA), so the clone
// changes the speed, never a bit of the result.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define SSMSIM_CLONES __attribute__((target_clones("avx2", "default")))
#define SSMSIM_AVX512 1
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

// MR rows of x times NR rows of w: MR x NR outputs, each an 8-lane sum.
template <int MR, int NR>
inline __attribute__((always_inline)) void tile_f32(const float* x, int64_t K, const float* w,
                                                    int64_t N, float* y) {
  v8f acc[MR][NR] = {};
  const int64_t K8 = K & ~int64_t(7);
  for (int64_t k = 0; k < K8; k += 8) {
    v8f wv[NR];
    for (int c = 0; c < NR; ++c) wv[c] = load8(w + c * K + k);
    for (int r = 0; r < MR; ++r) {
      const v8f xv = load8(x + r * K + k);
      for (int c = 0; c < NR; ++c) acc[r][c] += xv * wv[c];
    }
  }
  for (int r = 0; r < MR; ++r) {
    for (int c = 0; c < NR; ++c) {
      float s = reduce(acc[r][c]);
      for (int64_t k = K8; k < K; ++k) s += x[r * K + k] * w[c * K + k];
      y[r * N + c] = s;
    }
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
typedef float v16f __attribute__((vector_size(64)));

// AVX-512: one 16-lane register holds the 8 lanes of two outputs (two weight
// rows side by side), so every output keeps its 8 partial sums and the same
// reduction: the same bits as the 8-lane kernels, 8 rows x 2 weight rows a
// step.
template <int MR>
inline __attribute__((always_inline)) void tile_f32_x2(const float* x, int64_t K, const float* w,
                                                       int64_t N, float* y) {
  v16f acc[MR] = {};
  const int64_t K8 = K & ~int64_t(7);
  for (int64_t k = 0; k < K8; k += 8) {
    const v16f wv = __builtin_shufflevector(load8(w + k), load8(w + K + k), 0, 1, 2, 3, 4, 5, 6, 7,
                                            8, 9, 10, 11, 12, 13, 14, 15);
    for (int r = 0; r < MR; ++r) {
      const v8f x8 = load8(x + r * K + k);
      acc[r] +=
          __builtin_shufflevector(x8, x8, 0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7) * wv;
    }
  }
  for (int r = 0; r < MR; ++r) {
    for (int c = 0; c < 2; ++c) {
      v8f half;
      for (int j = 0; j < 8; ++j) half[j] = acc[r][8 * c + j];
      float s = reduce(half);
      for (int64_t k = K8; k < K; ++k) s += x[r * K + k] * w[c * K + k];
      y[r * N + c] = s;
    }
  }
}

__attribute__((target("avx512f"))) void gemm_f32_avx512(const float* x, int64_t M, int64_t K,
                                                        const float* w, int64_t N, float* y) {
  int64_t m = 0;
  for (; m + 8 <= M; m += 8) {
    int64_t n = 0;
    for (; n + 2 <= N; n += 2) tile_f32_x2<8>(x + m * K, K, w + n * K, N, y + m * N + n);
    for (; n < N; ++n) tile_f32<8, 1>(x + m * K, K, w + n * K, N, y + m * N + n);
  }
  for (; m < M; ++m) {
    int64_t n = 0;
    for (; n + 2 <= N; n += 2) tile_f32_x2<1>(x + m * K, K, w + n * K, N, y + m * N + n);
    for (; n < N; ++n) tile_f32<1, 1>(x + m * K, K, w + n * K, N, y + m * N + n);
  }
}
#endif

SSMSIM_CLONES void gemm_f32_8lane(const float* x, int64_t M, int64_t K, const float* w, int64_t N,
                                  float* y) {
  int64_t m = 0;
  for (; m + 4 <= M; m += 4) {
    int64_t n = 0;
    for (; n + 2 <= N; n += 2) tile_f32<4, 2>(x + m * K, K, w + n * K, N, y + m * N + n);
    for (; n < N; ++n) tile_f32<4, 1>(x + m * K, K, w + n * K, N, y + m * N + n);
  }
  for (; m < M; ++m) {
    int64_t n = 0;
    for (; n + 2 <= N; n += 2) tile_f32<1, 2>(x + m * K, K, w + n * K, N, y + m * N + n);
    for (; n < N; ++n) tile_f32<1, 1>(x + m * K, K, w + n * K, N, y + m * N + n);
  }
}

}  // namespace

void gemm_f32(const float* x, int64_t M, int64_t K, const float* w, int64_t N, float* y) {
#if SSMSIM_AVX512
  static const bool avx512 = __builtin_cpu_supports("avx512f");
  if (avx512) return gemm_f32_avx512(x, M, K, w, N, y);
#endif
  gemm_f32_8lane(x, M, K, w, N, y);
}

namespace {

template <typename T>
inline __attribute__((always_inline)) void gemm_int(const T* x, int64_t M, int64_t K,
                                                    const int8_t* w, int64_t N, float scale,
                                                    float* y) {
  int64_t m = 0;
  for (; m + 4 <= M; m += 4) {
    int64_t n = 0;
    for (; n + 2 <= N; n += 2) tile_int<4, 2>(x + m * K, K, w + n * K, N, scale, y + m * N + n);
    for (; n < N; ++n) tile_int<4, 1>(x + m * K, K, w + n * K, N, scale, y + m * N + n);
  }
  for (; m < M; ++m) {
    for (int64_t n = 0; n < N; ++n)
      tile_int<1, 1>(x + m * K, K, w + n * K, N, scale, y + m * N + n);
  }
}

}  // namespace

SSMSIM_CLONES void gemm_s8(const int8_t* x, int64_t M, int64_t K, const int8_t* w, int64_t N,
                           float scale, float* out) {
  gemm_int(x, M, K, w, N, scale, out);
}

SSMSIM_CLONES void gemm_s32(const int32_t* x, int64_t M, int64_t K, const int8_t* w, int64_t N,
                            float scale, float* out) {
  gemm_int(x, M, K, w, N, scale, out);
}

}  // namespace ssmsim
