// Hugging Face checkpoint folders: single-file, sharded, broken config.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "common/json_file.hpp"
#include "io/checkpoint.hpp"
#include "tests/support/craft.hpp"
#include "tests/support/temp_dir.hpp"

using namespace ssmsim;
using namespace ssmsim::test;
using ::testing::HasSubstr;

namespace {

const char* kConfig = R"({"hidden_size": 4, "intermediate_size": 8, "state_size": 2,
  "num_hidden_layers": 1, "conv_kernel": 4, "time_step_rank": 1, "vocab_size": 3,
  "layer_norm_epsilon": 1e-5, "residual_in_fp32": true, "tie_word_embeddings": true,
  "model_type": "mamba"})";

// An F32 tensor of `shape`, every element 0.5.
RawTensor filled(std::vector<int64_t> shape) {
  size_t n = 1;
  for (auto d : shape) n *= static_cast<size_t>(d);
  return RawTensor{"F32", shape, f32_bytes(std::vector<float>(n, 0.5f))};
}

std::map<std::string, RawTensor> tiny_params() {
  const auto t = filled;
  const std::string p = "backbone.layers.0.";
  return {{"backbone.embeddings.weight", t({3, 4})},
          {"backbone.norm_f.weight", t({4})},
          {p + "norm.weight", t({4})},
          {p + "mixer.in_proj.weight", t({16, 4})},
          {p + "mixer.conv1d.weight", t({8, 1, 4})},
          {p + "mixer.conv1d.bias", t({8})},
          {p + "mixer.x_proj.weight", t({5, 8})},
          {p + "mixer.dt_proj.weight", t({8, 1})},
          {p + "mixer.dt_proj.bias", t({8})},
          {p + "mixer.A_log", t({8, 2})},
          {p + "mixer.D", t({8})},
          {p + "mixer.out_proj.weight", t({4, 8})}};
}

const char* kConfig2 = R"({"model_type": "mamba2", "hidden_size": 4, "expand": 2,
  "num_heads": 2, "head_dim": 4, "n_groups": 2, "state_size": 2, "chunk_size": 2,
  "num_hidden_layers": 1, "conv_kernel": 4, "vocab_size": 3, "layer_norm_epsilon": 1e-5,
  "use_conv_bias": true, "use_bias": false, "tie_word_embeddings": true})";

// Mamba2ForCausalLM's layout for kConfig2: in_proj 2 x 8 + 2 x 2 x 2 + 2 = 26 rows.
std::map<std::string, RawTensor> tiny_params2() {
  const auto t = filled;
  const std::string p = "backbone.layers.0.";
  return {{"backbone.embeddings.weight", t({3, 4})},
          {"backbone.norm_f.weight", t({4})},
          {p + "norm.weight", t({4})},
          {p + "mixer.in_proj.weight", t({26, 4})},
          {p + "mixer.conv1d.weight", t({16, 1, 4})},
          {p + "mixer.conv1d.bias", t({16})},
          {p + "mixer.dt_bias", t({2})},
          {p + "mixer.A_log", t({2})},
          {p + "mixer.D", t({2})},
          {p + "mixer.norm.weight", t({8})},
          {p + "mixer.out_proj.weight", t({4, 8})}};
}

// The parameters alternately in two shards, with the index that maps them.
void write_two_shards(const TempDir& dir, const std::map<std::string, RawTensor>& all) {
  std::map<std::string, RawTensor> s1, s2;
  nlohmann::json map;
  bool first = true;
  for (const auto& [k, v] : all) {
    (first ? s1 : s2)[k] = v;
    map[k] = first ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
    first = !first;
  }
  write_bytes(dir.file("model-00001-of-00002.safetensors"), safetensors_bytes(s1));
  write_bytes(dir.file("model-00002-of-00002.safetensors"), safetensors_bytes(s2));
  write_bytes(dir.file("model.safetensors.index.json"),
              nlohmann::json{{"metadata", {{"total_size", 0}}}, {"weight_map", map}}.dump());
}

}  // namespace

TEST(Checkpoint, Mamba2Layout) {
  TempDir dir;
  write_bytes(dir.file("config.json"), kConfig2);
  write_bytes(dir.file("model.safetensors"), safetensors_bytes(tiny_params2()));
  Checkpoint c(dir.str());
  EXPECT_TRUE(c.dims().mamba2());
  EXPECT_EQ(c.dims().d_inner, 8);
  EXPECT_EQ(c.dims().n_groups, 2);
  EXPECT_EQ(c.dims().conv_dim(), 16);
  // A Mamba-1 layout's A_log [d_inner, d_state] is refused by name.
  auto p = tiny_params2();
  p["backbone.layers.0.mixer.A_log"] = filled({8, 2});
  write_bytes(dir.file("model.safetensors"), safetensors_bytes(p));
  EXPECT_THAT(error_of([&] { Checkpoint c2(dir.str()); }),
              HasSubstr("tensor 'backbone.layers.0.mixer.A_log': shape [8, 2] disagrees with "
                        "config.json, which implies [2]"));
}

TEST(Checkpoint, Mamba2ConfigInconsistent) {
  TempDir dir;
  auto cfg = nlohmann::json::parse(kConfig2);
  cfg["head_dim"] = 3;
  write_bytes(dir.file("config.json"), cfg.dump());
  write_bytes(dir.file("model.safetensors"), safetensors_bytes(tiny_params2()));
  EXPECT_THAT(error_of([&] { Checkpoint c(dir.str()); }),
              HasSubstr("n_heads x head_dim = 2 x 3 = 6, expected d_inner = 8"));
  cfg = nlohmann::json::parse(kConfig2);
  cfg["model_type"] = "mamba3";
  write_bytes(dir.file("config.json"), cfg.dump());
  EXPECT_THAT(error_of([&] { Checkpoint c(dir.str()); }),
              HasSubstr("key 'model_type' = \"mamba3\", expected \"mamba\" or \"mamba2\""));
}

TEST(Checkpoint, Mamba2TimeStepLimit) {
  TempDir dir;
  auto cfg = nlohmann::json::parse(kConfig2);
  cfg["time_step_limit"] = {0.001, 0.1};
  write_bytes(dir.file("config.json"), cfg.dump());
  write_bytes(dir.file("model.safetensors"), safetensors_bytes(tiny_params2()));
  Checkpoint c(dir.str());
  EXPECT_DOUBLE_EQ(c.dims().dt_limit_lo, 0.001);
  EXPECT_DOUBLE_EQ(c.dims().dt_limit_hi, 0.1);
  // transformers writes its default (0.0, inf) as Python does: Infinity,
  // not JSON; read as unbounded. Inside a string the word stays.
  std::string text = cfg.dump();
  text.replace(text.find("[0.001,0.1]"), 11, "[0.0, Infinity]");
  text.insert(1, "\"_name_or_path\": \"Infinity NaN\", ");
  write_bytes(dir.file("config.json"), text);
  EXPECT_EQ(read_model_config(dir.file("config.json")).dt_limit_hi, 1e308);
  EXPECT_EQ(read_json_file(dir.file("config.json"), true)["_name_or_path"], "Infinity NaN");
  cfg["time_step_limit"] = {0.1, 0.001};
  write_bytes(dir.file("config.json"), cfg.dump());
  EXPECT_THAT(
      error_of([&] { Checkpoint c2(dir.str()); }),
      HasSubstr("key 'time_step_limit' = [0.1,0.001], expected [lo, hi] with 0 <= lo < hi"));
}

TEST(Checkpoint, Mamba2ShardedAndCodestralShapedConfig) {
  TempDir dir;
  write_bytes(dir.file("config.json"), kConfig2);
  write_two_shards(dir, tiny_params2());
  const Checkpoint c(dir.str());
  EXPECT_EQ(c.shard_count(), 2u);
  EXPECT_EQ(c.layer(0, "mixer.in_proj.weight").shape, (std::vector<int64_t>{26, 4}));
  // A config modelled on mistralai/Mamba-Codestral-7B-v0.1's (8 groups,
  // untied head, transformers' Infinity): the dimensions it implies.
  write_bytes(dir.file("config.json"), R"({"architectures": ["Mamba2ForCausalLM"],
    "chunk_size": 256, "conv_kernel": 4, "expand": 2, "head_dim": 64, "hidden_act": "silu",
    "hidden_size": 4096, "layer_norm_epsilon": 1e-05, "model_type": "mamba2", "n_groups": 8,
    "norm_before_gate": false, "num_heads": 128, "num_hidden_layers": 64,
    "residual_in_fp32": true, "rms_norm": true, "state_size": 128, "tie_word_embeddings": false,
    "time_step_limit": [0.0, Infinity], "time_step_rank": 256, "torch_dtype": "bfloat16",
    "use_bias": false, "use_conv_bias": true, "vocab_size": 32768})");
  const ModelDims d = read_model_config(dir.file("config.json"));
  EXPECT_EQ(d.d_inner, 8192);
  EXPECT_EQ(d.n_groups, 8);
  EXPECT_EQ(d.conv_dim(), 8192 + 2 * 8 * 128);
  EXPECT_FALSE(d.tie_word_embeddings);
  EXPECT_EQ(d.dt_limit_hi, 1e308);
}

TEST(Checkpoint, SingleFileWithTiedHead) {
  TempDir dir;
  write_bytes(dir.file("config.json"), kConfig);
  write_bytes(dir.file("model.safetensors"), safetensors_bytes(tiny_params()));
  Checkpoint c(dir.str());
  EXPECT_EQ(c.dims().d_inner, 8);
  EXPECT_EQ(c.shard_count(), 1u);
  EXPECT_EQ(c.get("lm_head.weight").name, "backbone.embeddings.weight");
  EXPECT_EQ(c.layer(0, "mixer.A_log").shape, (std::vector<int64_t>{8, 2}));
}

TEST(Checkpoint, ShardedWithIndex) {
  TempDir dir;
  write_bytes(dir.file("config.json"), kConfig);
  write_two_shards(dir, tiny_params());
  Checkpoint c(dir.str());
  EXPECT_EQ(c.shard_count(), 2u);
  EXPECT_EQ(c.layer(0, "mixer.D").shape, std::vector<int64_t>{8});
  EXPECT_EQ(c.layer(0, "mixer.in_proj.weight").shape, (std::vector<int64_t>{16, 4}));
}

TEST(Checkpoint, ConfigMissingKey) {
  TempDir dir;
  auto cfg = nlohmann::json::parse(kConfig);
  cfg.erase("state_size");
  write_bytes(dir.file("config.json"), cfg.dump());
  write_bytes(dir.file("model.safetensors"), safetensors_bytes(tiny_params()));
  EXPECT_THAT(error_of([&] { Checkpoint c(dir.str()); }),
              HasSubstr("config.json: missing key 'state_size'"));
}

TEST(Checkpoint, MissingParameterNamed) {
  TempDir dir;
  write_bytes(dir.file("config.json"), kConfig);
  auto p = tiny_params();
  p.erase("backbone.layers.0.mixer.D");
  write_bytes(dir.file("model.safetensors"), safetensors_bytes(p));
  EXPECT_THAT(error_of([&] { Checkpoint c(dir.str()); }),
              HasSubstr("missing required tensor 'backbone.layers.0.mixer.D'"));
}

TEST(Checkpoint, ShapeDisagreesWithConfig) {
  TempDir dir;
  auto cfg = nlohmann::json::parse(kConfig);
  cfg["intermediate_size"] = 10;
  write_bytes(dir.file("config.json"), cfg.dump());
  write_bytes(dir.file("model.safetensors"), safetensors_bytes(tiny_params()));
  EXPECT_THAT(error_of([&] { Checkpoint c(dir.str()); }),
              HasSubstr("disagrees with config.json, which implies [20, 4]"));
}

TEST(Checkpoint, BundledAndSharedModels) {
  Checkpoint bundled(std::string(SSMSIM_SOURCE_DIR) + "/traces/default/mamba-bytes-a");
  EXPECT_EQ(bundled.dims().n_layer, 6);
  EXPECT_EQ(bundled.dims().d_model, 384);
  EXPECT_EQ(bundled.dims().dt_rank, 24);
  const std::string shared = std::string(SSMSIM_SHARED_DIR) + "/models/mamba-bytes-a";
  if (!std::filesystem::exists(shared)) GTEST_SKIP() << "no ../shared model";
  Checkpoint c(shared);
  EXPECT_EQ(c.dims().vocab_size, 256);
}

TEST(Checkpoint, SharedMamba2Model) {
  const std::string shared = std::string(SSMSIM_SHARED_DIR) + "/models/mamba2-bytes-a";
  if (!std::filesystem::exists(shared)) GTEST_SKIP() << "no ../shared model";
  Checkpoint c(shared);
  EXPECT_TRUE(c.dims().mamba2());
  EXPECT_EQ(c.dims().n_heads, 16);
  EXPECT_EQ(c.dims().head_dim, 32);
  EXPECT_EQ(c.dims().d_inner, 512);
  EXPECT_EQ(c.dims().chunk_size, 64);
}
