// The Quamba W8A8 pipeline on the bundled model: with every quantizer off
// it is the fp32 model (up to the Hadamard folding's fp32 rounding); W8A8
// costs a bounded amount of cross-entropy; scales files round-trip and bad
// ones are named errors; runs are bit-identical.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "model/numeric/error.hpp"
#include "model/reference/w8a8.hpp"
#include "traces/trace.hpp"

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
}
