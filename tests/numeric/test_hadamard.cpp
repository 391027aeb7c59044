// Hadamard matrices and the normalised transform against dense products.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "numeric/hadamard.hpp"

using namespace ssmsim;

TEST(Hadamard, Shapes) {
  HadamardShape s;
  ASSERT_TRUE(hadamard_shape(768, &s));  // Mamba-130M/this model: 12 * 64
  EXPECT_EQ(s.m, 12);
  EXPECT_EQ(s.k, 6);
  ASSERT_TRUE(hadamard_shape(5120, &s));  // Mamba-2.8B d_inner: 40 * 128 = 20 * 256
  EXPECT_EQ(s.m, 20);
  EXPECT_EQ(s.k, 8);
  ASSERT_TRUE(hadamard_shape(1024, &s));
  EXPECT_EQ(s.m, 1);
  EXPECT_EQ(s.k, 10);
  EXPECT_FALSE(hadamard_shape(100, &s));
  EXPECT_FALSE(hadamard_shape(0, &s));
}

TEST(Hadamard, MatricesAreOrthogonal) {
  for (int64_t m : {2, 12, 20}) {
    const auto h = hadamard_matrix(m);
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t j = 0; j < m; ++j) {
        int dot = 0;
        for (int64_t k = 0; k < m; ++k) {
          ASSERT_TRUE(h[i * m + k] == 1 || h[i * m + k] == -1);
          dot += h[i * m + k] * h[j * m + k];
        }
        ASSERT_EQ(dot, i == j ? m : 0) << "m " << m << " rows " << i << "," << j;
      }
    }
  }
}

// Dense H_m (x) H_2^k (Sylvester), applied as a matrix, / sqrt(n).
std::vector<double> dense(const std::vector<float>& x, int64_t m, int64_t p) {
  const auto hm = hadamard_matrix(m);
  const int64_t n = m * p;
  std::vector<double> y(n, 0.0);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      const int64_t a = i / p, b = i % p, c = j / p, d = j % p;
      const int sylvester = __builtin_popcountll(static_cast<uint64_t>(b & d)) % 2 ? -1 : 1;
      y[i] += hm[a * m + c] * sylvester * static_cast<double>(x[j]);
    }
    y[i] /= std::sqrt(static_cast<double>(n));
  }
  return y;
}

TEST(Hadamard, TransformEqualsDenseKronecker) {
  std::mt19937 rng(7);
  std::normal_distribution<float> nd;
  for (auto [m, p] : {std::pair<int64_t, int64_t>{1, 64}, {12, 4}, {20, 2}, {12, 64}}) {
    const int64_t n = m * p;
    std::vector<float> x(n);
    for (float& v : x) v = nd(rng);
    const auto ref = dense(x, m, p);
    double norm_in = 0, norm_out = 0;
    for (float v : x) norm_in += double(v) * v;
    hadamard_transform(x.data(), n);
    for (int64_t i = 0; i < n; ++i) {
      ASSERT_NEAR(x[i], ref[i], 1e-4) << "n " << n << " i " << i;
      norm_out += double(x[i]) * x[i];
    }
    EXPECT_NEAR(norm_out / norm_in, 1.0, 1e-5);  // orthonormal
  }
}
