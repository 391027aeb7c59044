// The GEMM kernels against plain loops: the INT8 kernel on every
// instruction-set path this machine has (portable, AVX2, AVX-512 VNNI) gives
// exactly the integer sums, for every int8 value (-128 included, which the
// VNNI path's x + 128 and the AVX2 path's int16 widening must handle) and K
// tails of every length; the fp32 kernel gives the fixed 8-lane order.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "numeric/gemm.hpp"

using namespace ssmsim;

namespace {

std::vector<int8_t> random_s8(size_t n, unsigned seed) {
  std::mt19937 g(seed);
  std::uniform_int_distribution<int> d(-128, 127);
  std::vector<int8_t> v(n);
  for (auto& x : v) x = static_cast<int8_t>(d(g));
  return v;
}

std::vector<float> reference_s8(const std::vector<int8_t>& x, int64_t M, int64_t K,
                                const std::vector<int8_t>& w, int64_t N, float scale) {
  std::vector<float> y(static_cast<size_t>(M * N));
  for (int64_t m = 0; m < M; ++m) {
    for (int64_t n = 0; n < N; ++n) {
      int64_t s = 0;
      for (int64_t k = 0; k < K; ++k) s += int64_t(x[m * K + k]) * w[n * K + k];
      y[m * N + n] = static_cast<float>(static_cast<int32_t>(s)) * scale;
    }
  }
  return y;
}

// Each output's 8 partial sums (k mod 8), the fixed tree, then the K tail
// in order: the order the fp32 kernels promise on every path.
std::vector<float> reference_f32(const std::vector<float>& x, int64_t M, int64_t K,
                                 const std::vector<float>& w, int64_t N) {
  std::vector<float> y(static_cast<size_t>(M * N));
  const int64_t K8 = K & ~int64_t(7);
  for (int64_t m = 0; m < M; ++m) {
    for (int64_t n = 0; n < N; ++n) {
      float p[8] = {};
      for (int64_t k = 0; k < K8; ++k) {
        const float prod = x[m * K + k] * w[n * K + k];
        p[k % 8] += prod;
      }
      float s = ((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + (p[6] + p[7]));
      for (int64_t k = K8; k < K; ++k) {
        const float prod = x[m * K + k] * w[n * K + k];
        s += prod;
      }
      y[m * N + n] = s;
    }
  }
  return y;
}

}  // namespace

TEST(GemmF32, EveryOutputIsTheFixedEightLaneSum) {
  // Magnitudes over 2^±20, so a changed order shows in the bits.
  std::mt19937 g(7);
  std::uniform_real_distribution<float> mant(-1.0f, 1.0f);
  std::uniform_int_distribution<int> ex(-20, 20);
  auto random_f32 = [&](int64_t n) {
    std::vector<float> v(static_cast<size_t>(n));
    for (auto& a : v) a = std::ldexp(mant(g), ex(g));
    return v;
  };
  // M around the 4- and 8-row tiles and the packed kernel's 32 rows (in
  // steps of 3), N around 1, 2 and 4 weight rows, the 16-column blocks and
  // over several weight panels (K 768: 8 rows a panel), K around 8.
  for (int64_t M : {1, 3, 4, 8, 9, 17, 32, 33, 34, 64}) {
    for (int64_t K : {1, 7, 8, 9, 16, 65, 768}) {
      for (int64_t N : {1, 2, 3, 4, 5, 7, 13, 16, 17, 40, 100}) {
        const auto x = random_f32(M * K), w = random_f32(N * K);
        const auto want = reference_f32(x, M, K, w, N);
        std::vector<float> y(static_cast<size_t>(M * N), -1.0f);
        gemm_f32(x.data(), M, K, w.data(), N, y.data());
        ASSERT_EQ(y, want) << "dispatched, M " << M << " K " << K << " N " << N;
        for (GemmIsa isa : {GemmIsa::kPortable, GemmIsa::kAvx2, GemmIsa::kAvx512Vnni}) {
          std::fill(y.begin(), y.end(), -1.0f);
          gemm_f32_with(isa, x.data(), M, K, w.data(), N, y.data());
          ASSERT_EQ(y, want) << gemm_isa_name(isa) << ", M " << M << " K " << K << " N " << N;
        }
      }
    }
  }
}

TEST(GemmS8, EveryPathIsExact) {
  int tested = 0;
  for (GemmIsa isa : {GemmIsa::kPortable, GemmIsa::kAvx2, GemmIsa::kAvx512Vnni}) {
    if (!gemm_isa_available(isa)) continue;
    ++tested;
    unsigned seed = 1;
    // M and N around the tile sizes (and 32 rows, where VNNI packs the
    // weights; 16- and 32-column blocks), K around 4, 8, 16 and 64.
    for (int64_t M : {1, 3, 4, 5, 9, 32, 41}) {
      for (int64_t K : {1, 3, 7, 15, 16, 17, 24, 63, 64, 65, 130, 384}) {
        for (int64_t N : {1, 2, 3, 4, 5, 7, 16, 17, 33, 70}) {
          const auto x = random_s8(static_cast<size_t>(M * K), seed++);
          const auto w = random_s8(static_cast<size_t>(N * K), seed++);
          std::vector<float> y(static_cast<size_t>(M * N), -1.0f);
          gemm_s8_with(isa, x.data(), M, K, w.data(), N, 0.5f, y.data());
          ASSERT_EQ(y, reference_s8(x, M, K, w, N, 0.5f))
              << gemm_isa_name(isa) << " M " << M << " K " << K << " N " << N;
        }
      }
    }
  }
  EXPECT_GE(tested, 1);
}

TEST(GemmS8, ExtremesDoNotSaturate) {
  // Every product -128 * -128: AVX2's pairs reach 32768 (int32, no
  // saturation); VNNI's x + 128 = 0 and its weight sum carry it all. 4 and
  // 32 rows: VNNI's unpacked and packed kernels.
  const int64_t K = 1024, N = 4;
  for (GemmIsa isa : {GemmIsa::kPortable, GemmIsa::kAvx2, GemmIsa::kAvx512Vnni}) {
    if (!gemm_isa_available(isa)) continue;
    for (int64_t M : {4, 32}) {
      for (int8_t a : {int8_t(-128), int8_t(127)}) {
        for (int8_t b : {int8_t(-128), int8_t(127)}) {
          const std::vector<int8_t> x(static_cast<size_t>(M * K), a),
              w(static_cast<size_t>(N * K), b);
          std::vector<float> y(static_cast<size_t>(M * N));
          gemm_s8_with(isa, x.data(), M, K, w.data(), N, 1.0f, y.data());
          for (float v : y) ASSERT_EQ(v, static_cast<float>(K * a * b)) << gemm_isa_name(isa);
        }
      }
    }
  }
}

TEST(GemmS8, DispatchPicksAnAvailablePath) {
  EXPECT_TRUE(gemm_isa_available(gemm_s8_isa())) << gemm_isa_name(gemm_s8_isa());
}
