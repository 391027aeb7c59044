// The Quamba W8A8 pipeline on the bundled model: with every quantizer off
// it is the fp32 model (up to the Hadamard folding's fp32 rounding); W8A8
// costs a bounded amount of cross-entropy; scales files round-trip and bad
// ones are named errors; runs are bit-identical.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "common/error.hpp"
#include "io/trace.hpp"
#include "mamba/w8a8.hpp"

using namespace ssmsim;
using ::testing::HasSubstr;

namespace {

struct Fixture {
  Checkpoint ckpt{std::string(SSMSIM_SOURCE_DIR) + "/traces/default/mamba-bytes-a"};
  MambaWeights w = load_weights(ckpt);
  std::vector<int32_t> tokens =
      Trace(std::string(SSMSIM_SOURCE_DIR) + "/traces/default/mamba-bytes-a-sample0.safetensors")
          .tokens();
  QuantScales scales;
  Fixture() {
    ScaleCalibrator cal(w, 99.99);
    cal.observe(tokens);
    scales = cal.scales();
  }
};

Fixture& fx() {
  static Fixture f;
  return f;
}

double cross_entropy(const std::vector<float>& logits, const std::vector<int32_t>& tokens,
                     int64_t V) {
  double nll = 0;
  for (size_t t = 0; t + 1 < tokens.size(); ++t) {
    const float* row = logits.data() + t * V;
    const double mx = *std::max_element(row, row + V);
    double sum = 0;
    for (int64_t v = 0; v < V; ++v) sum += std::exp(row[v] - mx);
    nll += -(row[tokens[t + 1]] - mx - std::log(sum));
  }
  return nll / static_cast<double>(tokens.size() - 1);
}

}  // namespace

TEST(W8A8, QuantizersOffIsTheFp32Model) {
  W8A8Options off;
  off.quantize_weights = off.quantize_activations = false;
  const W8A8Mamba q(fx().w, fx().scales, off);
  const std::vector<float> a = q.prefill(fx().tokens);
  const std::vector<float> b = MambaForward(fx().w).prefill(fx().tokens);
  double max_diff = 0, max_abs = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    max_diff = std::max(max_diff, static_cast<double>(std::fabs(a[i] - b[i])));
    max_abs = std::max(max_abs, static_cast<double>(std::fabs(b[i])));
  }
  std::cout << "quantizers off vs fp32: max |d logit| / max |logit| = " << max_diff / max_abs
            << "\n";
  EXPECT_LT(max_diff / max_abs, 1e-5);  // only W H^T H y vs W y rounding
}

TEST(W8A8, CrossEntropyWithinBound) {
  const int64_t V = fx().w.dims.vocab_size;
  const double fp32 = cross_entropy(MambaForward(fx().w).prefill(fx().tokens), fx().tokens, V);
  for (auto kind : {quant::QuantKind::kInt8, quant::QuantKind::kSe, quant::QuantKind::kSeAuthors}) {
    W8A8Options o;
    o.ssm_input = kind;
    const double ce =
        cross_entropy(W8A8Mamba(fx().w, fx().scales, o).prefill(fx().tokens), fx().tokens, V);
    std::cout << "W8A8 " << quant::kind_name(kind) << ": cross-entropy " << ce << " nats, fp32 "
              << fp32 << ", delta " << ce - fp32 << "\n";
    EXPECT_LT(std::fabs(ce - fp32), 0.05) << quant::kind_name(kind);
  }
}

TEST(W8A8, Deterministic) {
  W8A8Options o;
  o.ssm_input = quant::QuantKind::kSe;
  const W8A8Mamba q(fx().w, fx().scales, o);
  EXPECT_EQ(q.prefill(fx().tokens), q.prefill(fx().tokens));
}

TEST(W8A8, ScalesFileRoundTripAndErrors) {
  const nlohmann::json j = nlohmann::json::parse(fx().scales.to_json().dump());
  const QuantScales back = QuantScales::from_json(j, "s.json", 6);
  EXPECT_EQ(back.layers[3].u, fx().scales.layers[3].u);
  EXPECT_EQ(back.layers[5].y_had, fx().scales.layers[5].y_had);
  nlohmann::json bad = j;
  bad["layers"][2].erase("dt_low");
  try {
    QuantScales::from_json(bad, "s.json", 6);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("s.json: layers[2].dt_low: missing"));
  }
  EXPECT_THROW(QuantScales::from_json(j, "s.json", 5), Error);
  // A Mamba-2 model's file: both architectures and the file's model named
  // before any layer count (issue 39).
  nlohmann::json m2 = j;
  m2["arch"] = "mamba2";
  m2["model"] = "mamba2-bytes-a";
  try {
    QuantScales::from_json(m2, "s.json", 6);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("s.json: arch: scales for a Mamba-2 model ('mamba2-bytes-a') "
                                    "given to a Mamba-1 model"));
  }
}

namespace {

// torch.quantile of |x| (linear interpolation at alpha * (n - 1)), by sorting:
// independent of quant::PercentileObserver.
double abs_quantile(const float* x, size_t n, double alpha) {
  std::vector<double> a(x, x + n);
  for (double& v : a) v = std::fabs(v);
  std::sort(a.begin(), a.end());
  const double pos = alpha * static_cast<double>(n - 1);
  const size_t lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, n - 1);
  return a[lo] + (pos - static_cast<double>(lo)) * (a[hi] - a[lo]);
}

}  // namespace

// Quamba's observers over two samples: max for x, percentile + EMA (0.01,
// starting at the first sample) for the SSM input u and the SSM state h (the
// state after each sample, as the decode cache holds it).
TEST(W8A8, CalibratorObserversByHand) {
  const std::vector<int32_t>& all = fx().tokens;
  const std::vector<int32_t> s1(all.begin(), all.begin() + 100), s2(all.begin() + 100, all.end());
  ScaleCalibrator cal(fx().w, 99.9);
  cal.observe(s1);
  cal.observe(s2);
  const QuantScales got = cal.scales();
  const ModelDims& d = fx().w.dims;
  const size_t hn = static_cast<size_t>(d.d_inner * d.d_state);
  std::vector<LayerActivations> a1, a2;
  MambaForward(fx().w).prefill(s1, &a1);
  MambaForward(fx().w).prefill(s2, &a2);
  for (int64_t l = 0; l < d.n_layer; ++l) {
    const LayerActivations &p = a1[l], &q = a2[l];
    ASSERT_EQ(p.h.size(), hn);  // the final state only
    double xmax = 0;
    for (const auto* v : {&p.x, &q.x}) {
      for (float f : *v) xmax = std::max(xmax, static_cast<double>(std::fabs(f)));
    }
    const auto ema = [](double first, double second) { return first + 0.01 * (second - first); };
    const double u = ema(abs_quantile(p.u.data(), p.u.size(), 0.999),
                         abs_quantile(q.u.data(), q.u.size(), 0.999));
    const double h = ema(abs_quantile(p.h.data(), hn, 0.999), abs_quantile(q.h.data(), hn, 0.999));
    EXPECT_FLOAT_EQ(got.layers[l].x, static_cast<float>(xmax / 127)) << l;
    EXPECT_NEAR(got.layers[l].u, u / 127, 1e-6 * u) << l;
    EXPECT_NEAR(got.layers[l].h, h / 127, 1e-6 * h) << l;
  }
}

// The stored state: after the prompt's last token and after every decode
// step, on the INT8 grid of the layer's h scale; the outputs of a prompt
// depend on it only through the decode steps.
TEST(W8A8, StateStoredInt8BetweenDecodeSteps) {
  const ModelDims& d = fx().w.dims;
  const int64_t L = static_cast<int64_t>(fx().tokens.size());
  const W8A8Mamba q(fx().w, fx().scales, W8A8Options());
  W8A8Options fo;
  fo.quantize_state = false;
  const W8A8Mamba f(fx().w, fx().scales, fo);
  const auto kind = quant::QuantKind::kSe;
  std::vector<LayerActivations> acts;
  const std::vector<float> decode = q.prefill(fx().tokens, kind, &acts, 0);
  const size_t hn = static_cast<size_t>(d.d_inner * d.d_state);
  for (int64_t l = 0; l < d.n_layer; ++l) {
    ASSERT_EQ(acts[l].h_from, 0);
    ASSERT_EQ(acts[l].h.size(), static_cast<size_t>(L) * hn);
    const float s = fx().scales.layers[l].h;
    for (float v : acts[l].h) {
      // v = code * s for an INT8 code.
      const float c = std::nearbyint(v / s);
      ASSERT_TRUE(c >= -128 && c <= 127) << "layer " << l;
      ASSERT_EQ(v, c * s) << "layer " << l;
    }
  }
  // All prompt: the final state is stored but no output reads it.
  EXPECT_EQ(q.prefill(fx().tokens, kind, nullptr), f.prefill(fx().tokens, kind, nullptr));
  // Decode from the first token: the INT8 state changes the outputs, within
  // the bound the model's W8A8 cross-entropy keeps.
  const std::vector<float> fdec = f.prefill(fx().tokens, kind, nullptr, 0);
  EXPECT_NE(decode, fdec);
  const int64_t V = d.vocab_size;
  const double fp32 = cross_entropy(MambaForward(fx().w).prefill(fx().tokens), fx().tokens, V);
  EXPECT_LT(std::fabs(cross_entropy(decode, fx().tokens, V) - fp32), 0.05);
}

// A prompt in tiles, then decode token by token (what the accelerator's
// units run) gives the bits of one call with that prompt length.
TEST(W8A8, PromptTilesThenDecodeStepsEqualOneRange) {
  const ModelDims& d = fx().w.dims;
  const int64_t L = static_cast<int64_t>(fx().tokens.size()), P = 100;
  const W8A8Mamba q(fx().w, fx().scales, W8A8Options());
  const auto kind = quant::QuantKind::kInt8;
  W8A8Sequence seq(q, fx().tokens, kind, P);
  EXPECT_EQ(seq.state_from(), P - 1);
  const auto block = [&](int64_t t0, int64_t t1) {
    for (int64_t l = 0; l < d.n_layer; ++l) {
      for (Op op : kMamba1BlockOps) seq.run(op, l, t0, t1);
    }
    for (Op op : kHeadOps) seq.run(op, d.n_layer, t0, t1);
  };
  block(0, 64);
  block(64, P);
  for (int64_t t = P; t < L; ++t) block(t, t + 1);
  EXPECT_EQ(seq.logits(), q.prefill(fx().tokens, kind, nullptr, P));
}

TEST(W8A8, QuantizersOffStatesAreTheFp32States) {
  W8A8Options off;
  off.quantize_weights = off.quantize_activations = false;
  const W8A8Mamba q(fx().w, fx().scales, off);
  std::vector<LayerActivations> got, ref;
  q.prefill(fx().tokens, quant::QuantKind::kInt8, &got, 10);
  MambaForward(fx().w).prefill(fx().tokens, &ref, 9);
  for (size_t l = 0; l < got.size(); ++l) {
    ASSERT_EQ(got[l].h.size(), ref[l].h.size());
    ASSERT_EQ(got[l].h_from, 9);
    double md = 0, ma = 0;
    for (size_t i = 0; i < got[l].h.size(); ++i) {
      md = std::max(md, static_cast<double>(std::fabs(got[l].h[i] - ref[l].h[i])));
      ma = std::max(ma, static_cast<double>(std::fabs(ref[l].h[i])));
    }
    EXPECT_LT(md / ma, 1e-5) << l;
  }
}

TEST(W8A8, ScalesFileWithoutStateScale) {
  nlohmann::json j = nlohmann::json::parse(fx().scales.to_json().dump());
  j["layers"][4].erase("h");
  try {
    QuantScales::from_json(j, "old.json", 6);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("old.json: layers[4].h: missing"));
    EXPECT_THAT(e.what(), HasSubstr("re-run ssmsim calibrate"));
  }
}
