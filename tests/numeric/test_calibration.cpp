// Percentile (torch.quantile semantics), EMA and max observers against
// values computed by hand.
#include <gtest/gtest.h>

#include <vector>

#include "common/error.hpp"
#include "numeric/calibration.hpp"

using namespace ssmsim::quant;

TEST(Quantile, LinearInterpolationLikeTorch) {
  std::vector<float> v = {10, 1, 9, 2, 8, 3, 7, 4, 6, 5};
  // rank 0.5 * 9 = 4.5 -> 5 + 0.5 * (6 - 5) = 5.5
  EXPECT_DOUBLE_EQ(quantile_linear(v.data(), v.size(), 0.5), 5.5);
  // rank 0.9 * 9 = 8.1 -> 9 + 0.1 * 1 = 9.1 (torch's lerp, weight < 0.5)
  EXPECT_NEAR(quantile_linear(v.data(), v.size(), 0.9), 9.1, 1e-12);
  // rank 0.95 * 9 = 8.55 -> 10 - 1 * 0.45 = 9.55 (weight >= 0.5 branch)
  EXPECT_NEAR(quantile_linear(v.data(), v.size(), 0.95), 9.55, 1e-12);
  EXPECT_DOUBLE_EQ(quantile_linear(v.data(), v.size(), 1.0), 10.0);
  EXPECT_DOUBLE_EQ(quantile_linear(v.data(), v.size(), 0.0), 1.0);
  std::vector<float> one = {3};
  EXPECT_DOUBLE_EQ(quantile_linear(one.data(), 1, 0.9999), 3.0);
}

TEST(PercentileObserver, AbsoluteValuesAndEma) {
  PercentileObserver obs(0.5);
  // |x| = 1..5 -> median 3.
  const std::vector<float> a = {-1, 2, -3, 4, -5};
  obs.observe(a.data(), a.size());
  EXPECT_DOUBLE_EQ(obs.amax(), 3.0);
  // Second sample median 13: 3 + 0.01 * (13 - 3) = 3.1
  const std::vector<float> b = {11, -12, 13, -14, 15};
  obs.observe(b.data(), b.size());
  EXPECT_NEAR(obs.amax(), 3.1, 1e-12);
  // Third sample median 23: 3.1 + 0.01 * (23 - 3.1) = 3.299
  const std::vector<float> c = {21, 22, 23, 24, 25};
  obs.observe(c.data(), c.size());
  EXPECT_NEAR(obs.amax(), 3.299, 1e-12);
  EXPECT_NEAR(obs.scale(), 3.299 / 127.0, 1e-12);
  EXPECT_EQ(obs.samples(), 3u);
}

TEST(PercentileObserver, RejectsBadAlpha) {
  EXPECT_THROW(PercentileObserver(0.0), ssmsim::Error);
  EXPECT_THROW(PercentileObserver(1.5), ssmsim::Error);
}

TEST(MaxObserver, RunningMax) {
  MaxObserver obs;
  const std::vector<float> a = {1, -7, 3};
  const std::vector<float> b = {2, 5};
  obs.observe(a.data(), a.size());
  obs.observe(b.data(), b.size());
  EXPECT_DOUBLE_EQ(obs.amax(), 7.0);
  EXPECT_DOUBLE_EQ(obs.scale(), 7.0 / 127.0);
}
