// Scoring at the model's output against hand-computed values: cross-entropy,
// top-1 agreement, and the standard error of the paired per-token
// cross-entropy difference.
#include <gtest/gtest.h>

#include <cmath>

#include "mamba/scoring.hpp"

using namespace ssmsim;

TEST(Scoring, CrossEntropyAgreementAndPairedStderr) {
  // Vocabulary 2, tokens 0 1 1 0: three predictions (of 1, 1, 0).
  const std::vector<int32_t> tokens = {0, 1, 1, 0};
  // Logit rows [a, 0]: p(0) = e^a / (e^a + 1).
  const std::vector<float> ref = {0, 0, 1, 0, -1, 0, 0, 0};
  const std::vector<float> got = {-1, 0, 1, 0, 0, 0, 0, 0};
  const auto nll = [](double a, int next) {
    const double p0 = std::exp(a) / (std::exp(a) + 1);
    return -std::log(next == 0 ? p0 : 1 - p0);
  };
  Score s;
  score(got, tokens, 2, &ref, s);
  const double d[3] = {nll(-1, 1) - nll(0, 1), nll(1, 1) - nll(1, 1), nll(0, 0) - nll(-1, 0)};
  EXPECT_EQ(s.predictions, 3u);
  EXPECT_NEAR(s.ce(), (nll(-1, 1) + nll(1, 1) + nll(0, 0)) / 3, 1e-12);
  // Argmax: got [1, 0, 0 (tie: first)], ref [0 (tie), 0, 1]: agree on row 1.
  EXPECT_EQ(s.agree, 1u);
  const double m = (d[0] + d[1] + d[2]) / 3;
  double var = 0;
  for (double x : d) var += (x - m) * (x - m);
  var /= 2;  // sample variance
  EXPECT_NEAR(s.delta_ce_stderr(), std::sqrt(var / 3), 1e-12);
  // Without a reference there is no paired difference.
  Score f;
  score(ref, tokens, 2, nullptr, f);
  EXPECT_EQ(f.delta_ce_stderr(), 0.0);
}
