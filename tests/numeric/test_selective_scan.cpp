// The scan on the real traces: from the trace's own (unquantized) u, dt, B,
// C, z and the checkpoint's A and D it reproduces the trace's ssm.y. Its
// exponential against exp in double; its vector blocks against the scalar
// definition, bit for bit.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>

#include "io/checkpoint.hpp"
#include "io/trace.hpp"
#include "numeric/activations.hpp"
#include "numeric/metrics.hpp"
#include "numeric/selective_scan.hpp"

using namespace ssmsim;

TEST(SelectiveScan, HandComputedTwoTokens) {
  // D = 1, N = 1: dt = 0 -> delta = ln 2; A = -1; B = 2; C = 3; Dv = 0.5.
  const float A = -1, Dv = 0.5f, B = 2, C = 3, dt = 0;
  float h = 0, y = 0;
  const float u1 = 1.0f, u2 = -2.0f;
  selective_scan_token(&dt, &u1, &B, &C, &A, &Dv, &h, &y, 1, 1);
  const float d = std::log(2.0f);
  float h_ref = d * 2 * u1;  // exp(-d) * 0 + d * B * u
  EXPECT_NEAR(h, h_ref, 1e-6);
  EXPECT_NEAR(y, 3 * h_ref + 0.5f * u1, 1e-6);
  selective_scan_token(&dt, &u2, &B, &C, &A, &Dv, &h, &y, 1, 1);
  h_ref = 0.5f * h_ref + d * 2 * u2;  // exp(-ln 2) = 1/2
  EXPECT_NEAR(h, h_ref, 1e-6);
  EXPECT_NEAR(y, 3 * h_ref + 0.5f * u2, 1e-6);
}

TEST(SelectiveScan, ReproducesTraceY) {
  const std::string shared = SSMSIM_SHARED_DIR;
  const std::string tpath = shared + "/traces/mamba-bytes-a-sample1.safetensors";
  if (!std::filesystem::exists(tpath)) GTEST_SKIP() << "no ../shared traces";
  const Trace t(tpath);
  const Checkpoint ck(shared + "/models/mamba-bytes-a");
  const int64_t L = t.seq_len(), D = t.dims().d_inner, N = t.dims().d_state;
  for (int64_t l = 0; l < t.dims().n_layer; ++l) {
    const auto u = t.layer(l, "ssm.u").to_float_finite();
    const auto dt = t.layer(l, "ssm.dt").to_float_finite();
    const auto B = t.layer(l, "ssm.B").to_float_finite();
    const auto C = t.layer(l, "ssm.C").to_float_finite();
    const auto z = t.layer(l, "z").to_float_finite();
    const auto y_ref = t.layer(l, "ssm.y").to_float_finite();
    const auto A = scan_a_from_a_log(ck.layer(l, "mixer.A_log").to_float_finite(), D, N);
    const auto Dv = ck.layer(l, "mixer.D").to_float_finite();
    std::vector<float> h(D * N, 0.0f), y(L * D);
    for (int64_t s = 0; s < L; ++s) {
      selective_scan_token(&dt[s * D], &u[s * D], &B[s * N], &C[s * N], A.data(), Dv.data(),
                           h.data(), &y[s * D], D, N);
    }
    for (size_t i = 0; i < y.size(); ++i) y[i] *= silu(z[i]);  // the gate
    const quant::ErrorStats e = quant::compare(y_ref.data(), y.data(), y.size());
    // The inputs and y are F16 in the trace: agreement to F16 rounding.
    EXPECT_GT(e.sqnr_db(), 60.0) << "layer " << l << " max err " << e.max_abs_error;
    std::cout << "layer " << l << ": scan vs trace y SQNR " << e.sqnr_db() << " dB, max |err| "
              << e.max_abs_error << "\n";
  }
}

namespace {

// Distance in representable floats (ordered integers).
int64_t ulps(float a, float b) {
  const auto ord = [](float f) {
    int32_t i;
    std::memcpy(&i, &f, sizeof i);
    return i < 0 ? -static_cast<int64_t>(i & 0x7fffffff) : static_cast<int64_t>(i);
  };
  return std::llabs(ord(a) - ord(b));
}

}  // namespace

// Against exp in double rounded once to float, on every 1000th float of
// [-104, 88.7] (bench/exp_ulp checks all 2.24e9 of them).
TEST(SelectiveScan, ExpFixedWithinOneUlp) {
  int64_t worst = 0, n = 0;
  for (uint32_t b = 0; b < 0xff800000u; b += 1000) {
    float x;
    std::memcpy(&x, &b, sizeof x);
    for (float v : {x, -x}) {
      if (!(v >= -104.0f && v <= 88.7f)) continue;
      worst = std::max(worst, ulps(exp_fixed(v), static_cast<float>(std::exp(double{v}))));
      ++n;
    }
  }
  std::cout << n << " points, worst " << worst << " ulp\n";
  EXPECT_GT(n, 2000000);
  EXPECT_LE(worst, 1);
  EXPECT_EQ(exp_fixed(0.0f), 1.0f);
  EXPECT_EQ(exp_fixed(-200.0f), 0.0f);
  EXPECT_TRUE(std::isinf(exp_fixed(89.0f)));
}

// Every channel, in full 16-lane blocks and in the padded tail, is the
// scalar definition: h = exp_fixed(delta A) h + (delta u) B, y = sum over n
// in order of h C, plus D u.
TEST(SelectiveScan, EveryChannelIsTheScalarDefinition) {
  const int64_t D = 37, N = 5;
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> U(-2.0f, 2.0f);
  std::vector<float> a_log(D * N), Dv(D), h(N * D, 0.0f), ref(N * D, 0.0f), y(D);
  for (float& v : a_log) v = U(rng);
  for (float& v : Dv) v = U(rng);
  const std::vector<float> At = scan_a_from_a_log(a_log, D, N);
  for (int token = 0; token < 3; ++token) {
    std::vector<float> dt(D), u(D), B(N), C(N);
    for (auto* v : {&dt, &u}) {
      for (float& f : *v) f = U(rng);
    }
    for (auto* v : {&B, &C}) {
      for (float& f : *v) f = U(rng);
    }
    selective_scan_token(dt.data(), u.data(), B.data(), C.data(), At.data(), Dv.data(), h.data(),
                         y.data(), D, N);
    for (int64_t c = 0; c < D; ++c) {
      const float delta = softplus(dt[c]), du = delta * u[c];
      float acc = 0.0f;
      for (int64_t n = 0; n < N; ++n) {
        float& hn = ref[n * D + c];
        hn = exp_fixed(delta * -std::exp(a_log[c * N + n])) * hn + du * B[n];
        acc += hn * C[n];
      }
      ASSERT_EQ(y[c], acc + Dv[c] * u[c]) << "token " << token << " channel " << c;
      for (int64_t n = 0; n < N; ++n) ASSERT_EQ(h[n * D + c], ref[n * D + c]) << c;
    }
  }
}

TEST(ExpFixed, ArrayFormGivesTheScalarBits) {
  // Every length from 0 to 40 (full blocks and tails), values across the
  // range including underflow.
  for (int n = 0; n <= 40; ++n) {
    std::vector<float> in(static_cast<size_t>(n)), out(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) in[i] = -110.0f + 5.3f * static_cast<float>(i);
    exp_fixed_n(in.data(), out.data(), n);
    for (int i = 0; i < n; ++i) ASSERT_EQ(out[i], exp_fixed(in[i])) << n << " " << i;
  }
}
