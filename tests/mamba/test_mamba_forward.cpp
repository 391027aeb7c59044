// The fp32 reference forward against the real traces: every act.* tensor
// of every layer and act.logits within F16 rounding of the trace (which
// stores fp32 PyTorch values as F16), and decode token by token equal to
// prefill.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "common/error.hpp"
#include "io/trace.hpp"
#include "mamba/mamba_forward.hpp"

using namespace ssmsim;

namespace {

// Worst error relative to the tensor's scale: max |ours - ref| / max |ref|.
// The trace holds fp32 PyTorch values rounded to F16, so agreement "within
// F16 rounding" is at most half an F16 step at that scale: 2^-11. (Per
// element, values near zero made by cancellation can differ by many of
// their own F16 steps when only the summation order differs.)
double scaled_error(const std::vector<float>& ours, const TensorView& ref_view) {
  const std::vector<float> ref = ref_view.to_float_finite();
  double max_ref = 0, max_diff = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    max_ref = std::max(max_ref, std::fabs(static_cast<double>(ref[i])));
    max_diff = std::max(max_diff, std::fabs(static_cast<double>(ours[i]) - ref[i]));
  }
  return max_diff / max_ref;
}

constexpr double kF16Rounding = 1.0 / 2048;  // 2^-11

struct Fixture {
  Checkpoint ckpt{std::string(SSMSIM_SOURCE_DIR) + "/traces/default/mamba-bytes-a"};
  MambaWeights w = load_weights(ckpt);
};

Fixture& fx() {
  static Fixture f;
  return f;
}

void check_trace(const std::string& path) {
  const Trace t(path);
  const MambaForward fwd(fx().w);
  std::vector<LayerActivations> acts;
  const std::vector<float> logits = fwd.prefill(t.tokens(), &acts);
  double worst_all = 0;
  for (int64_t l = 0; l < t.dims().n_layer; ++l) {
    const LayerActivations& a = acts[static_cast<size_t>(l)];
    const std::pair<const char*, const std::vector<float>*> tensors[] = {
        {"mixer.in", &a.mixer_in}, {"x", &a.x},       {"z", &a.z},
        {"ssm.u", &a.u},           {"ssm.dt", &a.dt}, {"ssm.B", &a.B},
        {"ssm.C", &a.C},           {"ssm.y", &a.y},   {"mixer.out", &a.mixer_out}};
    for (const auto& [name, ours] : tensors) {
      const double e = scaled_error(*ours, t.layer(l, name));
      worst_all = std::max(worst_all, e);
      EXPECT_LE(e, kF16Rounding) << path << " layer " << l << " " << name;
    }
  }
  const double el = scaled_error(logits, t.get("act.logits"));
  EXPECT_LE(el, kF16Rounding) << "logits";
  std::cout << path << ": worst relative error of an activation " << worst_all << ", of the logits "
            << el << " (F16 rounding: " << kF16Rounding << ")\n";
}

}  // namespace

TEST(MambaForward, ReproducesBundledTrace) {
  check_trace(std::string(SSMSIM_SOURCE_DIR) + "/traces/default/mamba-bytes-a-sample0.safetensors");
}

TEST(MambaForward, ReproducesSharedTrace) {
  const std::string p =
      std::string(SSMSIM_SHARED_DIR) + "/traces/mamba-bytes-a-sample1.safetensors";
  if (!std::filesystem::exists(p)) GTEST_SKIP() << "no ../shared traces";
  check_trace(p);
}

TEST(MambaForward, DecodeEqualsPrefill) {
  const Trace t(std::string(SSMSIM_SOURCE_DIR) +
                "/traces/default/mamba-bytes-a-sample0.safetensors");
  std::vector<int32_t> tokens = t.tokens();
  tokens.resize(64);
  MambaForward fwd(fx().w);
  const std::vector<float> pre = fwd.prefill(tokens);
  const int64_t V = fx().w.dims.vocab_size;
  double worst = 0;
  for (size_t s = 0; s < tokens.size(); ++s) {
    const std::vector<float> lg = fwd.step(tokens[s]);
    for (int64_t v = 0; v < V; ++v) {
      worst = std::max(worst, static_cast<double>(std::fabs(lg[v] - pre[s * V + v])));
    }
  }
  // Same arithmetic, other order only in the conv window: fp32 noise.
  EXPECT_LT(worst, 1e-4) << "max |decode - prefill| logit";
  // Resetting the state starts over.
  fwd.reset();
  const std::vector<float> first = fwd.step(tokens[0]);
  for (int64_t v = 0; v < V; ++v) ASSERT_FLOAT_EQ(first[v], pre[v]);
}

TEST(MambaForward, RejectsTokensOutsideTheVocabulary) {
  const MambaForward fwd(fx().w);
  EXPECT_THROW(fwd.prefill({1, 2, 300}), Error);
}

TEST(MambaForward, IdentitySsmInputHookChangesNothing) {
  const Trace t(std::string(SSMSIM_SOURCE_DIR) +
                "/traces/default/mamba-bytes-a-sample0.safetensors");
  MambaForward fwd(fx().w);
  const std::vector<float> ref = fwd.prefill(t.tokens());
  int calls = 0;
  fwd.set_ssm_input_hook([&](int64_t, const std::vector<float>&, std::vector<float>&,
                             std::vector<float>&) { ++calls; });
  EXPECT_EQ(fwd.prefill(t.tokens()), ref);  // bit for bit
  EXPECT_EQ(calls, 6);
}
