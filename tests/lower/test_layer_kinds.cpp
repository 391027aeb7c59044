// Adding a layer kind, as docs/architecture.md's recipe does it: a builder
// (here in the test, where a new kind would have lower/NAME_layer.cpp) and
// one registration; nothing else in the tree names it. The workload parser,
// the parameter count, the lowering and a whole run then know the kind.
// One elaboration: the run at the end.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "config/workload.hpp"
#include "lower/builder.hpp"
#include "sim/simulate.hpp"

using namespace ssmsim;

namespace {

// The new kind: 'R', a feed-forward with squared ReLU and a width of its
// own (key relu_d_ff, kept in ModelDims::kind_values: no field added).
constexpr LayerKind kRelu = static_cast<LayerKind>('R');

std::vector<ProgramOp> build_relu(const ModelDims& d, const ProgramShape& s, int64_t) {
  lower::Builder b(d, s);
  const int64_t F = d.value("relu_d_ff");
  const uint64_t dm = lower::u64(d.d_model), wb = s.bytes.weight;
  const RegionRef resid = b.resid(), norm = b.norm(), out = b.out();
  b.pre_norm(resid, norm);
  const RegionRef up_w = b.weight(dm * lower::u64(F) * wb);
  const RegionRef down_w = b.weight(lower::u64(F) * dm * wb);
  b.ffn(Op::kFfnUp, Op::kFfnDown, 1, b.rows(), F, FfnActivation::kRelu2, norm, 0, out, up_w,
        down_w);
  b.residual(out, resid);
  return std::move(b.ops);
}

int64_t relu_parameters(const ModelDims& d) {
  return d.d_model + d.ffn_parameters(d.value("relu_d_ff"), FfnActivation::kRelu2);
}

uint64_t relu_weight_bytes(const ModelDims& d, uint64_t wb) {
  return lower::u64(d.d_model) * 2 +
         lower::u64(d.ffn_parameters(d.value("relu_d_ff"), FfnActivation::kRelu2)) * wb;
}

constexpr LayerKindKey kReluKeys[] = {{"relu_d_ff", LayerKindKey::Type::kInt, true, 1, 1 << 20}};
constexpr LayerKindModel kReluModel{kRelu,     "relu-ffn", "R (squared-ReLU feed-forward)",
                                    kReluKeys, {},         relu_parameters};
const LayerKindLowering kReluLayer{&kReluModel, build_relu, relu_weight_bytes, lower::no_state,
                                   false};

// The registration: what lower/layer_kinds.cpp's table does for its rows
// (here in the test's body, after the built-in kinds registered before
// main).
void register_relu() {
  static const bool done = (register_layer_kind(kReluLayer), true);
  (void)done;
}

constexpr int64_t kDm = 256, kFf = 512, kTokens = 32;

nlohmann::json model_json() {
  return {{"version", 1},      {"name", "toy-relu"},      {"d_model", kDm},  {"n_layer", 4},
          {"vocab_size", 256}, {"layer_pattern", "MRMR"}, {"relu_d_ff", kFf}};
}

std::string error_of(const nlohmann::json& j) {
  try {
    model_dims_from_json(j, "toy.json");
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST(LayerKinds, ANewKindIsParsedCountedAndLowered) {
  register_relu();
  const ModelDims d = model_dims_from_json(model_json(), "toy.json");
  EXPECT_TRUE(d.has(kRelu));
  EXPECT_EQ(d.value("relu_d_ff"), kFf);
  EXPECT_STREQ(layer_kind_name(kRelu), "relu-ffn");
  // Two SSM layers and two of the new kind (2 matrices of 256 x 512 and
  // the pre-norm), the embedding (tied) and the final norm.
  EXPECT_EQ(d.parameters(),
            2 * d.ssm_layer_parameters() + 2 * (kDm + 2 * kDm * kFf) + 256 * kDm + kDm);
  // Its program: pre-norm, up, activation, down, residual.
  ElementBytes bytes;
  ProgramShape s;
  s.tokens = 16;
  s.batch = 1;
  s.bytes = bytes;
  const BlockProgram p = build_layer_program(d, kRelu, s);
  ASSERT_EQ(p.layer.size(), 5u);
  EXPECT_EQ(p.layer[1].cmd.op, Op::kFfnUp);
  EXPECT_EQ(p.layer[1].cmd.n, kFf);
  EXPECT_EQ(p.layer[3].cmd.op, Op::kFfnDown);
  EXPECT_EQ(layer_weight_bytes(d, 1, 1), lower::u64(kDm) * 2 + 2 * lower::u64(kDm * kFf));
  // A workload keeps its key (run.workload.json reruns the run).
  Workload w;
  w.dims = d;
  EXPECT_EQ(w.to_json()["model"]["relu_d_ff"], kFf);
}

TEST(LayerKinds, ANewKindsKeysAreCheckedLikeEveryKinds) {
  register_relu();
  nlohmann::json j = model_json();
  j.erase("relu_d_ff");
  EXPECT_NE(error_of(j).find("missing key 'relu_d_ff' (layer_pattern has relu-ffn layers)"),
            std::string::npos)
      << error_of(j);
  j = model_json();
  j["layer_pattern"] = "MMMM";
  EXPECT_NE(error_of(j).find("relu_d_ff is for relu-ffn layers, and layer_pattern has none ('R')"),
            std::string::npos)
      << error_of(j);
  j = model_json();
  j["relu_d_ff"] = 0;
  EXPECT_NE(error_of(j).find("relu_d_ff = 0: expected an integer in [1, 1048576]"),
            std::string::npos)
      << error_of(j);
  j = model_json();
  j["layer_pattern"] = "MQMR";
  EXPECT_NE(error_of(j).find("or R (squared-ReLU feed-forward), one per layer"), std::string::npos)
      << error_of(j);
  j = model_json();
  j["relu_width"] = 3;
  EXPECT_NE(error_of(j).find("unknown key 'relu_width'"), std::string::npos) << error_of(j);
  EXPECT_NE(error_of(j).find("relu_d_ff, and for Mamba-1 dt_rank"), std::string::npos)
      << error_of(j);
}

TEST(LayerKinds, ANewKindRunsOnTheAccelerator) {
  register_relu();
  RunRequest r;
  Workload w;
  w.name = "toy-relu";
  w.dims = model_dims_from_json(model_json(), "toy.json");
  w.prefill_tokens = kTokens;
  w.decode_tokens = 0;
  r.workload = w;
  const RunResult res = simulate(r);
  // Both R layers ran their up and down projections on the GEMM unit (its
  // arithmetic operations are multiply-accumulates).
  const Agg& up = res.ops.kernel(Op::kFfnUp, false);
  const Agg& down = res.ops.kernel(Op::kFfnDown, false);
  EXPECT_EQ(res.ops.kernel_unit(Op::kFfnUp), Unit::kGemm);
  EXPECT_EQ(up.arith, 2u * kTokens * kDm * kFf);
  EXPECT_EQ(down.arith, 2u * kTokens * kFf * kDm);
  EXPECT_GT(res.ops.layer(1).ops, 0u);
  EXPECT_GT(res.ops.layer(3).ops, 0u);
}
