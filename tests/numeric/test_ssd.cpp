// The SSD kernels against a direct fp64 recurrence written from the
// definition (../shared/spec/trace-format.md): chunked prefill for several
// chunk sizes, a sequence that is no multiple of the chunk, a carried-in
// state, groups that differ (head h reads group h / (H / G)), and the
// per-token step; all within fp32 rounding.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "numeric/ssd.hpp"
#include "tests/support/ssd_problem.hpp"

using namespace ssmsim;

namespace {

// 4 heads x 3, 2 groups of d_state 5, 11 tokens, a random carried-in state.
struct Case : test::SsdProblem {
  explicit Case(uint32_t seed) : SsdProblem({4, 3, 2, 5}, 11, seed, 0.01f, 0.6f, 3, true) {}
  // y and the final state by S_t = exp(delta A) S + delta x (x) B,
  // y = S C + D x, in double.
  void reference(std::vector<double>& y, std::vector<double>& S) const {
    const int64_t H = s.heads, P = s.head_dim, G = s.groups, N = s.d_state;
    S.assign(state.begin(), state.end());
    y.assign(static_cast<size_t>(L * H * P), 0.0);
    for (int64_t t = 0; t < L; ++t) {
      for (int64_t h = 0; h < H; ++h) {
        const int64_t g = h / (H / G);
        const double dl = delta[t * H + h], e = std::exp(dl * A[h]);
        for (int64_t p = 0; p < P; ++p) {
          double acc = 0;
          const double xv = x[t * H * P + h * P + p];
          for (int64_t n = 0; n < N; ++n) {
            double& st = S[(h * P + p) * N + n];
            st = e * st + dl * xv * B[t * G * N + g * N + n];
            acc += st * C[t * G * N + g * N + n];
          }
          y[t * H * P + h * P + p] = acc + D[h] * xv;
        }
      }
    }
  }
};

double max_rel(const std::vector<float>& got, const std::vector<double>& ref) {
  double m = 0, worst = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    m = std::max(m, std::fabs(ref[i]));
    worst = std::max(worst, std::fabs(got[i] - ref[i]));
  }
  return worst / m;
}

}  // namespace

TEST(Ssd, ChunkedEqualsRecurrenceForEveryChunkSize) {
  const Case c(1);
  std::vector<double> yref, sref;
  c.reference(yref, sref);
  for (int64_t chunk : {1, 2, 3, 4, 11, 64}) {
    std::vector<float> state = c.state, y(yref.size());
    ssd_chunked(c.x.data(), c.delta.data(), c.A.data(), c.B.data(), c.C.data(), c.D.data(), c.L,
                c.s, chunk, state.data(), y.data());
    EXPECT_LT(max_rel(y, yref), 2e-6) << "chunk " << chunk;
    EXPECT_LT(max_rel(state, sref), 2e-6) << "chunk " << chunk;
  }
}

TEST(Ssd, StepEqualsRecurrence) {
  const Case c(2);
  std::vector<double> yref, sref;
  c.reference(yref, sref);
  std::vector<float> state = c.state, y(yref.size());
  const int64_t W = c.s.width(), GN = c.s.groups * c.s.d_state;
  for (int64_t t = 0; t < c.L; ++t) {
    ssd_step(&c.x[t * W], &c.delta[t * c.s.heads], c.A.data(), &c.B[t * GN], &c.C[t * GN],
             c.D.data(), c.s, state.data(), &y[t * W]);
  }
  EXPECT_LT(max_rel(y, yref), 2e-6);
  EXPECT_LT(max_rel(state, sref), 2e-6);
}

TEST(Ssd, GroupsAreReadByHeadBlocks) {
  // Changing group 1's B moves heads 2 and 3 only.
  Case c(3);
  std::vector<float> s0(c.state.size(), 0.0f), y0(c.x.size()), y1(c.x.size());
  ssd_chunked(c.x.data(), c.delta.data(), c.A.data(), c.B.data(), c.C.data(), c.D.data(), c.L, c.s,
              4, s0.data(), y0.data());
  for (int64_t t = 0; t < c.L; ++t) c.B[t * 10 + 5] += 1.0f;  // group 1, n = 0
  std::fill(s0.begin(), s0.end(), 0.0f);
  ssd_chunked(c.x.data(), c.delta.data(), c.A.data(), c.B.data(), c.C.data(), c.D.data(), c.L, c.s,
              4, s0.data(), y1.data());
  for (int64_t t = 0; t < c.L; ++t) {
    for (int64_t ch = 0; ch < 12; ++ch) {
      const bool moved = y0[t * 12 + ch] != y1[t * 12 + ch];
      EXPECT_EQ(moved, ch >= 6) << "token " << t << " channel " << ch;
    }
  }
}
