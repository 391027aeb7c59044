// The Mamba-2 fp32 reference forward against the real Mamba-2 traces:
// every act.* tensor of every layer and act.logits within F16 rounding of
// the trace and the cross-entropy within 0.002 nats of the figure the
// traces were made with; decode token by token equal to the chunked
// prefill; and a hand-made checkpoint whose two groups differ.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "common/error.hpp"
#include "io/trace.hpp"
#include "mamba/mamba2_forward.hpp"
#include "mamba/scoring.hpp"
#include "tests/support/craft.hpp"
#include "tests/support/temp_dir.hpp"

using namespace ssmsim;

namespace {

// max |ours - ref| / max |ref|: within F16 rounding is at most half an F16
// step at the tensor's scale, 2^-11 (see test_mamba_forward.cpp).
double scaled_error(const std::vector<float>& ours, const TensorView& ref_view) {
  const std::vector<float> ref = ref_view.to_float_finite();
  EXPECT_EQ(ours.size(), ref.size());
  double max_ref = 0, max_diff = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    max_ref = std::max(max_ref, std::fabs(static_cast<double>(ref[i])));
    max_diff = std::max(max_diff, std::fabs(static_cast<double>(ours[i]) - ref[i]));
  }
  return max_diff / max_ref;
}

constexpr double kF16Rounding = 1.0 / 2048;

struct Fixture {
  Checkpoint ckpt{std::string(SSMSIM_SOURCE_DIR) + "/traces/default/mamba2-bytes-a"};
  Mamba2Weights w = load_mamba2_weights(ckpt);
};

Fixture& fx() {
  static Fixture f;
  return f;
}

void check_trace(const std::string& path, double ce_nats) {
  const Trace t(path);
  const Mamba2Forward fwd(fx().w);
  std::vector<Mamba2Activations> acts;
  const std::vector<int32_t> tokens = t.tokens();
  const std::vector<float> logits = fwd.prefill(tokens, &acts);
  double worst = 0;
  for (int64_t l = 0; l < t.dims().n_layer; ++l) {
    const Mamba2Activations& a = acts[static_cast<size_t>(l)];
    const std::pair<const char*, const std::vector<float>*> tensors[] = {
        {"mixer.in", &a.mixer_in}, {"z", &a.z},
        {"xBC", &a.xBC},           {"ssm.x", &a.x},
        {"ssm.B", &a.B},           {"ssm.C", &a.C},
        {"ssm.dt", &a.dt},         {"ssm.y", &a.y},
        {"norm.out", &a.norm_out}, {"mixer.out", &a.mixer_out}};
    for (const auto& [name, ours] : tensors) {
      const double e = scaled_error(*ours, t.layer(l, name));
      worst = std::max(worst, e);
      EXPECT_LE(e, kF16Rounding) << path << " layer " << l << " " << name;
    }
  }
  const double el = scaled_error(logits, t.get("act.logits"));
  EXPECT_LE(el, kF16Rounding) << "logits";
  Score s;
  score(logits, tokens, fx().w.dims.vocab_size, nullptr, s);
  EXPECT_NEAR(s.ce(), ce_nats, 0.002);
  std::cout << path << ": worst relative error of an activation " << worst << ", of the logits "
            << el << "; cross-entropy " << s.ce() << " nats (trace's source " << ce_nats << ")\n";
}

}  // namespace

TEST(Mamba2Forward, ReproducesBundledTrace) {
  check_trace(std::string(SSMSIM_SOURCE_DIR) + "/traces/default/mamba2-bytes-a-sample0.safetensors",
              1.777851);
}

TEST(Mamba2Forward, ReproducesSharedTrace) {
  const std::string p =
      std::string(SSMSIM_SHARED_DIR) + "/traces/mamba2-bytes-a-sample1.safetensors";
  if (!std::filesystem::exists(p)) GTEST_SKIP() << "no ../shared traces";
  check_trace(p, 1.720662);
}

TEST(Mamba2Forward, DecodeEqualsChunkedPrefill) {
  const Trace t(std::string(SSMSIM_SOURCE_DIR) +
                "/traces/default/mamba2-bytes-a-sample0.safetensors");
  std::vector<int32_t> tokens = t.tokens();
  tokens.resize(150);  // two full chunks of 64 and a partial one
  Mamba2Forward fwd(fx().w);
  std::vector<Mamba2Activations> acts;
  const std::vector<float> pre = fwd.prefill(tokens, &acts);
  const int64_t V = fx().w.dims.vocab_size;
  double worst = 0, scale = 0;
  for (size_t s = 0; s < tokens.size(); ++s) {
    const std::vector<float> lg = fwd.step(tokens[s]);
    for (int64_t v = 0; v < V; ++v) {
      worst = std::max(worst, static_cast<double>(std::fabs(lg[v] - pre[s * V + v])));
      scale = std::max(scale, static_cast<double>(std::fabs(pre[s * V + v])));
    }
  }
  EXPECT_LT(worst / scale, 1e-5) << "max |decode - prefill| logit / max |logit|";
  // The final states agree too.
  for (int64_t l = 0; l < fx().w.dims.n_layer; ++l) {
    const std::vector<float>& a = acts[static_cast<size_t>(l)].state;
    const std::vector<float>& b = fwd.state(l);
    double d = 0, m = 0;
    for (size_t i = 0; i < a.size(); ++i) {
      d = std::max(d, static_cast<double>(std::fabs(a[i] - b[i])));
      m = std::max(m, static_cast<double>(std::fabs(a[i])));
    }
    EXPECT_LT(d / m, 1e-5) << "layer " << l << " state";
  }
}

TEST(Mamba2Forward, TwoGroupsThatDiffer) {
  // A hand-made checkpoint with 2 groups: the layer's y recomputed in double
  // from its own x, dt, B and C with head h reading group h / 2 must match,
  // and decode must match the chunked prefill (chunk 3, 10 tokens).
  test::TempDir dir;
  test::write_random_mamba2(dir.str(), 2, 7);
  const Checkpoint ckpt(dir.str());
  const Mamba2Weights w = load_mamba2_weights(ckpt);
  const std::vector<int32_t> tokens = {1, 5, 2, 6, 0, 3, 3, 4, 1, 6};
  Mamba2Forward fwd(w);
  std::vector<Mamba2Activations> acts;
  const std::vector<float> pre = fwd.prefill(tokens, &acts);
  const int64_t H = 4, P = 4, N = 4, G = 2, L = 10;
  for (int64_t l = 0; l < 2; ++l) {
    const Mamba2Activations& a = acts[static_cast<size_t>(l)];
    const Mamba2LayerWeights& W = w.layers[static_cast<size_t>(l)];
    std::vector<double> S(static_cast<size_t>(H * P * N), 0.0);
    double worst = 0;
    for (int64_t t = 0; t < L; ++t) {
      for (int64_t h = 0; h < H; ++h) {
        const int64_t g = h / (H / G);
        const double dt = a.dt[t * H + h] + W.dt_bias[h];
        const double delta = dt > 20 ? dt : std::log1p(std::exp(dt));
        const double e = std::exp(delta * W.A[h]);
        for (int64_t p = 0; p < P; ++p) {
          const double x = a.x[t * 16 + h * P + p];
          double y = W.D[h] * x;
          for (int64_t n = 0; n < N; ++n) {
            double& s = S[(h * P + p) * N + n];
            s = e * s + delta * x * a.B[t * G * N + g * N + n];
            y += s * a.C[t * G * N + g * N + n];
          }
          worst = std::max(worst, std::fabs(y - a.y[t * 16 + h * P + p]) / (1 + std::fabs(y)));
        }
      }
    }
    EXPECT_LT(worst, 1e-5) << "layer " << l;
  }
  double worst = 0;
  for (size_t s = 0; s < tokens.size(); ++s) {
    const std::vector<float> lg = fwd.step(tokens[s]);
    for (int64_t v = 0; v < 7; ++v)
      worst = std::max(worst, static_cast<double>(std::fabs(lg[v] - pre[s * 7 + v])));
  }
  EXPECT_LT(worst, 1e-4);
  // The groups really differ: group 0's B is not group 1's.
  EXPECT_NE(acts[0].B[0], acts[0].B[N]);
}

TEST(Mamba2Forward, RefusesMamba1AndBadTokens) {
  const Checkpoint m1(std::string(SSMSIM_SOURCE_DIR) + "/traces/default/mamba-bytes-a");
  EXPECT_THROW(load_mamba2_weights(m1), Error);
  const Mamba2Forward fwd(fx().w);
  EXPECT_THROW(fwd.prefill({1, 2, 256}), Error);
}
