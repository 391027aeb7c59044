// Quamba2-style W8A8 for Mamba-2 on the bundled Mamba-2 model and on a
// hand-made two-group checkpoint: Quamba2's sort-and-cluster on statistics
// whose grouping is known by construction; every quantized value on its own
// group's grid (x per head x dim group, B/C per state group, the state per
// group and state index); the cost at the output bounded; soft-edge ahead
// of INT8 on the SSM input in both schemes; decode steps equal to the
// chunked prompt when the state is not quantized; scales files round-trip
// and bad ones are named errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "common/error.hpp"
#include "io/trace.hpp"
#include "mamba/scoring.hpp"
#include "mamba/w8a8_mamba2.hpp"
#include "tests/support/craft.hpp"
#include "tests/support/temp_dir.hpp"

using namespace ssmsim;
using quant::QuantKind;
using ::testing::HasSubstr;

namespace {

struct Fixture {
  Checkpoint ckpt{std::string(SSMSIM_SOURCE_DIR) + "/traces/default/mamba2-bytes-a"};
  Mamba2Weights w = load_mamba2_weights(ckpt);
  std::vector<int32_t> tokens =
      Trace(std::string(SSMSIM_SOURCE_DIR) + "/traces/default/mamba2-bytes-a-sample0.safetensors")
          .tokens();
  Mamba2Scales scales;
  std::vector<Mamba2Activations> ref;
  std::vector<float> ref_logits;
  Fixture() {
    Mamba2ScaleCalibrator cal(w, 99.99);
    cal.fold(cal.measure(tokens));
    scales = cal.scales();
    ref_logits = Mamba2Forward(w).prefill(tokens, &ref);
  }
};

Fixture& fx() {
  static Fixture f;
  return f;
}

double sqnr(const std::vector<float>& ref, const std::vector<float>& got) {
  return quant::compare(ref.data(), got.data(), ref.size()).sqnr_db();
}

// v / s is an integer in [lo, hi].
bool on_grid(float v, float s, double lo = -128, double hi = 127) {
  const double q = static_cast<double>(v) / s;
  return std::fabs(q - std::nearbyint(q)) < 1e-3 && q >= lo - 1e-3 && q <= hi + 1e-3;
}

}  // namespace

TEST(Quamba2Groups, ClusterFindsTheConstructedGroups) {
  // 4 heads x 8 channels, 1 state group. Heads 0 and 2 have a flat profile,
  // 1 and 3 a steep one (their shapes, after sorting and normalising,
  // differ); in every head the channels split into small and large values
  // at a wide gap, in a different channel order per head.
  const int64_t H = 4, P = 8;
  std::vector<float> stat(H * P);
  const int perm[4][8] = {{0, 1, 2, 3, 4, 5, 6, 7},
                          {7, 6, 5, 4, 3, 2, 1, 0},
                          {3, 0, 6, 1, 7, 2, 5, 4},
                          {1, 3, 5, 7, 0, 2, 4, 6}};
  for (int64_t h = 0; h < H; ++h) {
    const bool steep = h % 2 == 1;
    for (int64_t j = 0; j < P; ++j) {
      // Sorted position j: small values for j < 5, large ones after.
      const float v =
          j < 5 ? (steep ? 0.1f : 1.0f) + 0.01f * j : (steep ? 20.0f : 3.0f) + 0.01f * j;
      stat[h * P + perm[h][j]] = v;
    }
  }
  const Quamba2Groups g = Quamba2Groups::cluster(stat, H, P, 1, 2, 2);
  EXPECT_EQ(g.head_groups, 2);
  EXPECT_EQ(g.dim_groups, 2);
  EXPECT_EQ(g.head_group[0], g.head_group[2]);
  EXPECT_EQ(g.head_group[1], g.head_group[3]);
  EXPECT_NE(g.head_group[0], g.head_group[1]);
  for (int64_t h = 0; h < H; ++h) {
    for (int64_t j = 0; j < P; ++j) {
      const int32_t small = g.dim_group[h * P + perm[h][0]];
      EXPECT_EQ(g.dim_group[h * P + perm[h][j]] == small, j < 5) << "head " << h << " pos " << j;
    }
  }
  // More groups than heads or channels: capped.
  const Quamba2Groups c = Quamba2Groups::cluster(stat, H, P, 2, 4, 16);
  EXPECT_EQ(c.head_groups, 2);
  EXPECT_EQ(c.dim_groups, 8);
}

TEST(W8A8Mamba2, CostAtTheOutputIsBounded) {
  const W8A8Mamba2 q(fx().w, fx().scales);
  Score fp;
  score(fx().ref_logits, fx().tokens, 256, nullptr, fp);
  for (ScaleScheme sc : {ScaleScheme::kPerTensor, ScaleScheme::kQuamba2}) {
    for (QuantKind k : {QuantKind::kInt8, QuantKind::kSe, QuantKind::kSeAuthors}) {
      std::vector<Mamba2Activations> acts;
      const std::vector<float> lg = q.prefill(fx().tokens, k, sc, &acts);
      Score s;
      score(lg, fx().tokens, 256, &fx().ref_logits, s);
      EXPECT_LT(std::fabs(s.ce() - fp.ce()), 0.05) << scheme_name(sc) << " " << kind_name(k);
      EXPECT_GT(static_cast<double>(s.agree) / s.predictions, 0.9);
      for (size_t l = 0; l < acts.size(); ++l) {
        EXPECT_GT(sqnr(fx().ref[l].x, acts[l].x), 25.0) << "layer " << l;
        EXPECT_GT(sqnr(fx().ref[l].mixer_out, acts[l].mixer_out), 15.0) << "layer " << l;
      }
    }
  }
}

TEST(W8A8Mamba2, SoftEdgeBeatsInt8OnTheSsmInputInBothSchemes) {
  const W8A8Mamba2 q(fx().w, fx().scales);
  for (ScaleScheme sc : {ScaleScheme::kPerTensor, ScaleScheme::kQuamba2}) {
    std::vector<Mamba2Activations> i8, se;
    std::vector<quant::ErrorStats> ei8, ese;
    q.prefill(fx().tokens, QuantKind::kInt8, sc, &i8, -1, &ei8);
    q.prefill(fx().tokens, QuantKind::kSe, sc, &se, -1, &ese);
    for (size_t l = 0; l < i8.size(); ++l) {
      // Against the quantizer's own input: the finer step below 15.875 s
      // gains several dB; against the fp32 model (upstream INT8 noise
      // included) less, but still a gain.
      EXPECT_GT(ese[l].sqnr_db() - ei8[l].sqnr_db(), 5.0) << scheme_name(sc) << " layer " << l;
      EXPECT_GT(sqnr(fx().ref[l].x, se[l].x), sqnr(fx().ref[l].x, i8[l].x))
          << scheme_name(sc) << " layer " << l;
      EXPECT_GT(ese[l].region_frac(quant::SeRegion::kSmall), 0.5);
    }
  }
}

TEST(W8A8Mamba2, EveryValueOnItsGroupsGrid) {
  // A hand-made checkpoint whose two state groups differ, so that per-group
  // B/C scales differ too.
  test::TempDir dir;
  test::write_random_mamba2(dir.str(), 2, 11);
  const Checkpoint ckpt(dir.str());
  const Mamba2Weights w = load_mamba2_weights(ckpt);
  const std::vector<int32_t> tokens = {1, 5, 2, 6, 0, 3, 3, 4, 1, 6, 2, 2, 5};
  Mamba2ScaleCalibrator cal(w, 99.0);
  cal.fold(cal.measure(tokens));
  const Mamba2Scales sc = cal.scales();
  const Mamba2LayerScales& S = sc.layers[1];
  EXPECT_NE(S.B_group[0], S.B_group[1]);
  const W8A8Mamba2 q(w, sc);
  std::vector<Mamba2Activations> acts;
  q.prefill(tokens, QuantKind::kInt8, ScaleScheme::kQuamba2, &acts, 6);  // 6 prompt, 7 steps
  const Mamba2Activations& a = acts[1];
  const int64_t D = 16, P = 4, N = 4, hpg = 2;
  for (size_t i = 0; i < a.x.size(); ++i) {
    const int64_t c = static_cast<int64_t>(i) % D;
    ASSERT_TRUE(on_grid(a.x[i], S.x_group[S.groups.index(c, P, hpg)])) << "x element " << i;
  }
  for (size_t i = 0; i < a.B.size(); ++i) {
    const size_t g = (i % 8) / 4;
    ASSERT_TRUE(on_grid(a.B[i], S.B_group[g])) << "B element " << i;
    ASSERT_TRUE(on_grid(a.C[i], S.C_group[g])) << "C element " << i;
  }
  for (size_t i = 0; i < a.state.size(); ++i) {
    const int64_t c = static_cast<int64_t>(i) / N, n = static_cast<int64_t>(i) % N;
    ASSERT_TRUE(on_grid(a.state[i], S.state_group[S.groups.index(c, P, hpg) * N + n]))
        << "state element " << i;
  }
  // Per tensor: one grid each.
  q.prefill(tokens, QuantKind::kInt8, ScaleScheme::kPerTensor, &acts);
  for (float v : acts[1].x) ASSERT_TRUE(on_grid(v, sc.layers[1].x));
  for (float v : acts[1].state) ASSERT_TRUE(on_grid(v, sc.layers[1].state));
}

TEST(W8A8Mamba2, DecodeStepsEqualThePromptWithoutStateQuantization) {
  Mamba2W8A8Options o;
  o.quantize_state = false;
  const W8A8Mamba2 q(fx().w, fx().scales, o);
  std::vector<int32_t> tokens = fx().tokens;
  tokens.resize(100);
  std::vector<Mamba2Activations> a, b;
  const std::vector<float> all = q.prefill(tokens, QuantKind::kSe, ScaleScheme::kQuamba2, &a);
  const std::vector<float> steps = q.prefill(tokens, QuantKind::kSe, ScaleScheme::kQuamba2, &b, 30);
  // Layer 0's SSD output: the recurrence equals the chunks within fp32
  // rounding. (Downstream, a difference of an ulp can flip an INT8 code, so
  // the logits are compared by their cross-entropy.)
  double d = 0, m = 0;
  for (size_t i = 0; i < a[0].y.size(); ++i) {
    d = std::max(d, static_cast<double>(std::fabs(a[0].y[i] - b[0].y[i])));
    m = std::max(m, static_cast<double>(std::fabs(a[0].y[i])));
  }
  EXPECT_LT(d / m, 1e-5);
  Score sa, sb;
  score(all, tokens, 256, nullptr, sa);
  score(steps, tokens, 256, nullptr, sb);
  EXPECT_NEAR(sa.ce(), sb.ce(), 2e-3);
  // With the state stored INT8 after every step the logits move, a little.
  const W8A8Mamba2 qs(fx().w, fx().scales);
  const std::vector<float> st =
      qs.prefill(tokens, QuantKind::kSe, ScaleScheme::kQuamba2, nullptr, 30);
  EXPECT_NE(st, steps);
}

TEST(W8A8Mamba2, ScalesRoundTripAndBadFilesAreNamed) {
  const ModelDims& d = fx().w.dims;
  const nlohmann::json j = nlohmann::json::parse(fx().scales.to_json().dump());
  const Mamba2Scales back = Mamba2Scales::from_json(j, "s.json", d);
  EXPECT_EQ(back.layers[2].x_group, fx().scales.layers[2].x_group);
  EXPECT_EQ(back.layers[2].groups.dim_group, fx().scales.layers[2].groups.dim_group);
  EXPECT_FLOAT_EQ(back.layers[3].state, fx().scales.layers[3].state);
  const auto err = [&](const std::function<void(nlohmann::json&)>& f) {
    nlohmann::json b = j;
    f(b);
    try {
      Mamba2Scales::from_json(b, "s.json", d);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_THAT(err([](auto& b) { b["layers"][1].erase("quamba2"); }),
              HasSubstr("s.json: layers[1].quamba2: missing"));
  EXPECT_THAT(err([](auto& b) { b["layers"][0]["quamba2"]["x"].erase(0); }),
              HasSubstr("layers[0].quamba2.x: expected an array of 16 scales"));
  EXPECT_THAT(err([](auto& b) { b["layers"][0]["quamba2"]["dim_group"][5] = 9; }),
              HasSubstr("layers[0].quamba2.dim_group: entries must be integers in [0, 4)"));
  EXPECT_THAT(err([](auto& b) { b["layers"][3]["state"] = -1; }),
              HasSubstr("layers[3].state: expected a scale > 0"));
  EXPECT_THAT(err([](auto& b) { b.erase("arch"); }), HasSubstr("scales for a Mamba-1 model"));
  EXPECT_THAT(err([](auto& b) { b["layers"].erase(0); }),
              HasSubstr("layers: expected an array of 4 entries"));
}

TEST(W8A8Mamba2, SchemeNames) {
  EXPECT_EQ(parse_scheme("quamba2", "--scheme"), ScaleScheme::kQuamba2);
  EXPECT_THROW(parse_scheme("per-head", "--scheme"), Error);
}

// The sequence run operation by operation in tiles (as the accelerator's
// units run it: every layer's operations for a tile, tile after tile, the
// SSD kernels in their program order) computes the same bits as prefill
// over the whole sequence, for tiles of one or several chunks, and with
// decode steps after a prompt.
TEST(W8A8Mamba2, SequenceInTilesEqualsPrefill) {
  const W8A8Mamba2 q(fx().w, fx().scales);
  const ModelDims& d = fx().w.dims;
  const int64_t L = static_cast<int64_t>(fx().tokens.size());
  const std::vector<Op> prefill_ops = {
      Op::kRmsNorm,     Op::kInProj,    Op::kConv1dSilu, Op::kSsmInQuant, Op::kBcQuant,
      Op::kChunkCumsum, Op::kBmmChunk,  Op::kSsdDecay,   Op::kChunkState, Op::kStatePassing,
      Op::kChunkScan,   Op::kGatedNorm, Op::kHadamard,   Op::kOutProj,    Op::kResidual};
  std::vector<Op> decode_ops = prefill_ops;
  decode_ops.erase(std::find(decode_ops.begin(), decode_ops.end(), Op::kBmmChunk),
                   std::find(decode_ops.begin(), decode_ops.end(), Op::kChunkScan) + 1);
  decode_ops.insert(std::find(decode_ops.begin(), decode_ops.end(), Op::kGatedNorm), Op::kSsdStep);
  for (ScaleScheme scheme : {ScaleScheme::kPerTensor, ScaleScheme::kQuamba2}) {
    for (const auto& [tile, prompt] : {std::pair<int64_t, int64_t>{64, L}, {128, L}, {64, 192}}) {
      std::vector<Mamba2Activations> want;
      const std::vector<float> lw =
          q.prefill(fx().tokens, QuantKind::kSe, scheme, &want, prompt == L ? -1 : prompt);
      W8A8Mamba2Sequence seq(q, fx().tokens, QuantKind::kSe, scheme, prompt);
      for (int64_t t0 = 0; t0 < L; t0 += (t0 < prompt ? tile : 1)) {
        const int64_t t1 = t0 < prompt ? std::min(t0 + tile, prompt) : t0 + 1;
        for (int64_t l = 0; l < d.n_layer; ++l) {
          for (Op op : t0 < prompt ? prefill_ops : decode_ops) seq.run(op, l, t0, t1);
        }
        seq.run(Op::kFinalNorm, d.n_layer, t0, t1);
        seq.run(Op::kLmHead, d.n_layer, t0, t1);
      }
      const std::string what = std::string(scheme_name(scheme)) + " tile " + std::to_string(tile) +
                               " prompt " + std::to_string(prompt);
      EXPECT_EQ(seq.logits(), lw) << what;
      const std::vector<Mamba2Activations> got = seq.take_activations();
      for (size_t ti = 0; ti < mamba2_tensor_names().size(); ++ti) {
        for (int64_t l = 0; l < d.n_layer; ++l) {
          EXPECT_EQ(mamba2_activation(got[static_cast<size_t>(l)], ti),
                    mamba2_activation(want[static_cast<size_t>(l)], ti))
              << what << " layer " << l << " " << mamba2_tensor_names()[ti];
        }
      }
    }
  }
  // Tiles out of order, and a tile that starts inside a chunk, are refused.
  W8A8Mamba2Sequence seq(q, fx().tokens, QuantKind::kSe, ScaleScheme::kQuamba2);
  for (Op op : {Op::kRmsNorm, Op::kInProj, Op::kConv1dSilu, Op::kSsmInQuant, Op::kBcQuant,
                Op::kChunkCumsum}) {
    seq.run(op, 0, 0, 96);
  }
  EXPECT_THAT(test::error_of([&] { seq.run(Op::kChunkScan, 0, 32, 96); }),
              HasSubstr("tiles out of token order"));
  seq.run(Op::kChunkScan, 0, 0, 32);  // a last, partial chunk is fine
  EXPECT_THAT(test::error_of([&] { seq.run(Op::kChunkScan, 0, 32, 96); }),
              HasSubstr("in chunks of 64"));
}
