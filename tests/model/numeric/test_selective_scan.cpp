// The scan on the real traces: from the trace's own (unquantized) u, dt, B,
// C, z and the checkpoint's A and D it reproduces the trace's ssm.y.
#include <gtest/gtest.h>

#include <filesystem>

#include "model/numeric/metrics.hpp"
#include "model/numeric/selective_scan.hpp"
#include "traces/checkpoint.hpp"
#include "traces/trace.hpp"

using namespace ssmsim;

TEST(SelectiveScan, SoftplusAndSilu) {
  EXPECT_NEAR(softplus(0.0f), std::log(2.0f), 1e-7);
  EXPECT_EQ(softplus(25.0f), 25.0f);  // torch's threshold
  EXPECT_NEAR(silu(1.0f), 1.0f / (1.0f + std::exp(-1.0f)), 1e-7);
}

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
    auto A = ck.layer(l, "mixer.A_log").to_float_finite();
    for (float& a : A) a = -std::exp(a);
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
