// Workloads and presets: the published Mamba-1 shapes, workload files and
// --set workload.KEY, the accelerator presets and their sources, and the
// timing-only multicycle expectation against its hand derivation.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "common/error.hpp"
#include "config/arch_config.hpp"
#include "config/workload.hpp"
#include "hw/soft_edge_quantizer.hpp"
#include "io/checkpoint.hpp"
#include "tests/support/temp_dir.hpp"

using namespace ssmsim;
using test::error_of;
using ::testing::HasSubstr;

namespace {

void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

}  // namespace

// Gu and Dao (2023) / state-spaces/mamba-* config.json.
TEST(Workload, ModelPresetsHaveThePublishedShapes) {
  struct Shape {
    const char* name;
    int64_t d_model, n_layer;
  };
  for (const Shape s :
       {Shape{"mamba-130m", 768, 24}, Shape{"mamba-370m", 1024, 48}, Shape{"mamba-790m", 1536, 48},
        Shape{"mamba-1.4b", 2048, 48}, Shape{"mamba-2.8b", 2560, 64}}) {
    const ModelDims d = load_model_preset(s.name);
    EXPECT_EQ(d.d_model, s.d_model) << s.name;
    EXPECT_EQ(d.n_layer, s.n_layer) << s.name;
    EXPECT_EQ(d.d_inner, 2 * s.d_model) << s.name;
    EXPECT_EQ(d.d_state, 16) << s.name;
    EXPECT_EQ(d.d_conv, 4) << s.name;
    EXPECT_EQ(d.dt_rank, (s.d_model + 15) / 16) << s.name;
    EXPECT_EQ(d.vocab_size, 50280) << s.name;
  }
  EXPECT_EQ(load_model_preset("mamba-130m").dt_rank, 48);
  EXPECT_EQ(load_model_preset("mamba-2.8b").dt_rank, 160);
}

// Each preset's parameter count (embedding, layers, final norm, untied
// head) against the figure its source publishes: a figure given to three
// significant digits (Codestral's 7.29B) within 2 %, a model's name
// (mamba2-1.3b) to the digits it has, i.e. the count rounds to it.
TEST(Workload, ModelPresetsHaveThePublishedParameterCounts) {
  int checked = 0;
  for (const Preset& p : builtin_presets()) {
    if (std::string(p.kind) != "model") continue;
    const ModelDims d = load_model_preset(p.name);
    if (d.published_params == 0) continue;
    int64_t unit = 1;  // the published figure's last significant digit
    while (d.published_params % (unit * 10) == 0) unit *= 10;
    const double err = std::fabs(static_cast<double>(d.parameters() - d.published_params));
    EXPECT_LE(err, 0.5 * static_cast<double>(unit))
        << p.name << ": " << d.parameters() << " parameters do not round to " << d.published_params;
    if (d.published_params / unit >= 100) {  // three or more significant digits
      EXPECT_LE(err, 0.02 * static_cast<double>(d.published_params)) << p.name;
    }
    ++checked;
  }
  EXPECT_GE(checked, 11);
  // Worked by hand for mamba2-130m: embedding 50288 x 768, 24 layers of
  // 768 (norm) + 768 x 3352 (in_proj) + 1792 x 5 (conv + bias) + 72 (dt_bias, A, D)
  // + 1536 (gated norm) + 1536 x 768 (out_proj), and the final norm.
  EXPECT_EQ(load_model_preset("mamba2-130m").parameters(),
            50288 * 768 + 24 * (768 + 768 * 3352 + 1792 * 5 + 72 + 1536 + 1536 * 768) + 768);
}

// The bundled checkpoints: the presets' shapes are theirs, and the
// parameter count is the sum of their tensors' elements.
TEST(Workload, BundledPresetsCountTheirCheckpointsParameters) {
  for (const char* name : {"mamba-bytes-a", "mamba2-bytes-a"}) {
    const Checkpoint ck(std::string(SSMSIM_SOURCE_DIR) + "/traces/default/" + name);
    const ModelDims p = load_model_preset(name);
    const ModelDims& c = ck.dims();
    EXPECT_EQ(p.arch, c.arch) << name;
    EXPECT_EQ(p.d_model, c.d_model) << name;
    EXPECT_EQ(p.n_layer, c.n_layer) << name;
    EXPECT_EQ(p.d_inner, c.d_inner) << name;
    EXPECT_EQ(p.d_state, c.d_state) << name;
    EXPECT_EQ(p.n_heads, c.n_heads) << name;
    EXPECT_EQ(p.head_dim, c.head_dim) << name;
    EXPECT_EQ(p.n_groups, c.n_groups) << name;
    EXPECT_EQ(p.chunk_size, c.chunk_size) << name;
    EXPECT_EQ(p.vocab_size, c.vocab_size) << name;
    int64_t elements = 0;
    for (const auto& shard : ck.shards()) {
      for (const auto& [tensor, view] : shard->tensors()) {
        if (tensor == "lm_head.weight" && c.tie_word_embeddings) continue;
        elements += static_cast<int64_t>(view.numel);
      }
    }
    EXPECT_EQ(p.parameters(), elements) << name;
  }
}

TEST(Workload, EveryBuiltInPresetLoads) {
  int n = 0;
  for (const Preset& p : builtin_presets()) {
    const std::string kind = p.kind;
    if (kind == "model") {
      EXPECT_GT(load_model_preset(p.name).d_model, 0) << p.name;
    } else if (kind == "workload") {
      const Workload w = Workload::load(p.name);
      EXPECT_GT(w.prefill_tokens + w.decode_tokens, 0) << p.name;
      EXPECT_FALSE(w.regions.source.empty()) << p.name << ": region rates need their source";
    } else {
      ArchConfig c;
      c.load(p.name);
    }
    ++n;
  }
  EXPECT_GE(n, 13 + 13 + 3);
}

// The bundled model's workload matches the bundled checkpoint's config.
TEST(Workload, BundledModelPresetMatchesItsCheckpoint) {
  const ModelDims d = load_model_preset("mamba-bytes-a");
  EXPECT_EQ(d.d_model, 384);
  EXPECT_EQ(d.d_inner, 768);
  EXPECT_EQ(d.dt_rank, 24);
  EXPECT_EQ(d.n_layer, 6);
  EXPECT_EQ(d.vocab_size, 256);
}

TEST(Workload, FileWithRelativeModelFileAndSet) {
  test::TempDir dir;
  write(dir.file("tiny.json"),
        R"({"version": 1, "name": "tiny", "d_model": 64, "n_layer": 2, "vocab_size": 256})");
  write(dir.file("w.json"), R"({"version": 1, "name": "w", "model": "tiny.json",
      "prefill_tokens": 32, "decode_tokens": 4, "batch": 2,
      "ssm_input_regions": {"normal": 0.5, "small": 0.25, "large": 0.25, "saturated": 0,
                            "source": "made up for this test"}})");
  Workload w = Workload::load(dir.file("w.json"));
  EXPECT_EQ(w.dims.d_model, 64);
  EXPECT_EQ(w.dims.d_inner, 128);
  EXPECT_EQ(w.dims.dt_rank, 4);
  EXPECT_EQ(w.batch, 2);
  EXPECT_DOUBLE_EQ(w.regions.frac[static_cast<size_t>(quant::SeRegion::kSmall)], 0.25);
  w.set("workload.prefill_tokens=0");
  w.set("workload.model=mamba-370m");
  EXPECT_EQ(w.prefill_tokens, 0);
  EXPECT_EQ(w.dims.n_layer, 48);
  // The effective workload reloads to the same thing.
  write(dir.file("again.json"), w.to_json().dump());
  EXPECT_EQ(Workload::load(dir.file("again.json")).to_json(), w.to_json());
}

TEST(Workload, BadInputNamesTheKey) {
  test::TempDir dir;
  write(dir.file("unknown.json"), R"({"version": 1, "model": "mamba-130m", "prefil_tokens": 5})");
  EXPECT_THAT(error_of([&] { Workload::load(dir.file("unknown.json")); }),
              HasSubstr("unknown.json: unknown key 'prefil_tokens'"));
  write(dir.file("sum.json"), R"({"version": 1, "model": "mamba-130m",
      "ssm_input_regions": {"normal": 0.5, "small": 0.1}})");
  EXPECT_THAT(error_of([&] { Workload::load(dir.file("sum.json")); }),
              HasSubstr("small + normal + large + saturated = 0.6: expected 1"));
  write(dir.file("model.json"), R"({"version": 1, "model": "mamba-999m"})");
  EXPECT_THAT(error_of([&] { Workload::load(dir.file("model.json")); }),
              HasSubstr("model.json: model: model 'mamba-999m': no such preset"));
  write(dir.file("dims.json"), R"({"version": 1, "model": {"version": 1, "d_model": 0,
      "n_layer": 2, "vocab_size": 10}})");
  EXPECT_THAT(error_of([&] { Workload::load(dir.file("dims.json")); }),
              HasSubstr("d_model = 0: expected an integer in [1, 1048576]"));
  EXPECT_THAT(error_of([] { Workload::load("no-such-workload"); }),
              HasSubstr("--workload no-such-workload: no such preset"));
  Workload w = Workload::load("mamba-130m");
  EXPECT_THAT(error_of([&] { w.set("workload.batch=0"); }),
              HasSubstr("batch = 0: expected an integer in [1, 4096]"));
  EXPECT_THAT(error_of([&] { w.set("workload.tokens=3"); }),
              HasSubstr("unknown key 'workload.tokens'"));
  EXPECT_THAT(error_of([&] { w.set("workload.ssm_input_regions.large=1.5"); }),
              HasSubstr("ssm_input_regions.large = 1.5: expected a fraction in [0, 1]"));
}

// A hybrid's layer kinds and their keys: what the pattern names must have
// its keys, keys for kinds it does not name are refused, and the effective
// workload (run.workload.json) reloads to the same model, Mamba-2 or hybrid.
TEST(Workload, HybridKeysAreCheckedAndReload) {
  test::TempDir dir;
  const std::string base = R"("version": 1, "arch": "mamba2", "d_model": 64, "vocab_size": 10, )";
  const auto err = [&](const std::string& body) {
    write(dir.file("m.json"), "{" + base + body + "}");
    return error_of([&] { load_model_preset(dir.file("m.json")); });
  };
  EXPECT_THAT(err(R"("n_layer": 3, "layer_pattern": "M*x")"),
              HasSubstr("layer_pattern = \"M*x\": character 2 is 'x'; expected M (SSM)"));
  EXPECT_THAT(err(R"("n_layer": 3, "layer_pattern": "M-")"),
              HasSubstr("layer_pattern has 2 layers, n_layer = 3"));
  EXPECT_THAT(err(R"("n_layer": 2, "layer_pattern": "M*", "attn_heads": 4, "attn_head_dim": 16)"),
              HasSubstr("missing key 'attn_kv_heads' (layer_pattern has attention layers)"));
  EXPECT_THAT(err(R"("n_layer": 2, "layer_pattern": "M-", "mlp_d_ff": 8, "moe_top_k": 2)"),
              HasSubstr("moe_top_k is for moe layers, and layer_pattern has none ('E')"));
  EXPECT_THAT(err(R"("n_layer": 2, "layer_pattern": "M*", "attn_heads": 4, "attn_kv_heads": 3,
                  "attn_head_dim": 16)"),
              HasSubstr("attn_kv_heads = 3 does not divide attn_heads = 4"));
  EXPECT_THAT(err(R"("n_layer": 2, "layer_pattern": "ME", "moe_experts": 2, "moe_top_k": 3,
                  "moe_d_ff": 8)"),
              HasSubstr("moe_top_k = 3 exceeds moe_experts = 2"));
  EXPECT_THAT(err(R"("n_layer": 2, "mlp_d_ff": 8)"),
              HasSubstr("mlp_d_ff is for mlp layers, and layer_pattern has none ('-')"));
  EXPECT_THAT(err(R"("n_layer": 2, "layer_pattern": "P-", "expand": 2, "d_inner": 96,
                  "attn_heads": 4, "attn_kv_heads": 2, "attn_head_dim": 16, "mlp_d_ff": 8)"),
              HasSubstr("give expand or d_inner, not both"));
  // A parallel layer (P) has attention: its keys are required.
  EXPECT_THAT(err(R"("n_layer": 2, "layer_pattern": "P-", "mlp_d_ff": 8)"),
              HasSubstr("missing key 'attn_heads'"));
  EXPECT_THAT(err(R"("n_layer": 2, "layer_pattern": "M-", "mlp_d_ff": 8, "shared_blocks": 2)"),
              HasSubstr("shared_blocks is for shared layers, and layer_pattern has none ('G')"));
  EXPECT_THAT(
      err(R"("n_layer": 2, "layer_pattern": "M-", "mlp_d_ff": 8, "mlp_activation": "gelu")"),
      HasSubstr("mlp_activation = \"gelu\": expected \"relu2\", \"swiglu\" or \"geglu\""));
  for (const char* name :
       {"nemotron-h-8b", "jamba-1.5-mini", "mamba2-2.7b", "falcon-h1-1.5b", "zamba2-2.7b"}) {
    const Workload w = Workload::load(name);
    write(dir.file("again.json"), w.to_json().dump());
    const Workload again = Workload::load(dir.file("again.json"));
    EXPECT_EQ(again.to_json(), w.to_json()) << name;
    EXPECT_EQ(again.dims.parameters(), w.dims.parameters()) << name;
    EXPECT_EQ(again.dims.layer_pattern, w.dims.layer_pattern) << name;
  }
  // Nemotron-H-8B by hand: 24 Mamba-2 layers (norm 4096, in_proj 4096 x
  // (2 x 8192 + 2 x 8 x 128 + 128), conv 10240 x 4 + bias, 3 x 128, gated
  // norm 8192, out_proj 8192 x 4096), 4 attention layers (norm, 4096 x
  // (32 + 16) x 128, 4096 x 4096), 24 relu2 MLPs (norm, 2 x 4096 x 21504),
  // untied embedding and head 2 x 131072 x 4096, the final norm.
  const int64_t ssm = 4096 + 4096 * (16384 + 2048 + 128) + 10240 * 5 + 384 + 8192 + 8192 * 4096;
  const int64_t attn = 4096 + 4096 * 48 * 128 + 4096 * 4096;
  const int64_t mlp = 4096 + 2 * 4096 * 21504;
  EXPECT_EQ(load_model_preset("nemotron-h-8b").parameters(),
            2 * 131072 * 4096 + 24 * ssm + 4 * attn + 24 * mlp + 4096);
}

// Every number of a preset that differs from the default says where it comes from.
TEST(ArchPresets, EveryChangedKeyHasASource) {
  const nlohmann::ordered_json def = ArchConfig().to_json();
  for (const char* name : {"edge", "cloud"}) {
    ArchConfig c;
    c.load(name);
    const nlohmann::ordered_json j = c.to_json();
    for (const auto& group : j.items()) {
      if (group.key() == "sources" || group.key() == "name") continue;
      auto check = [&](const std::string& path, const nlohmann::ordered_json& v,
                       const nlohmann::ordered_json& d) {
        if (v != d) {
          EXPECT_TRUE(c.sources.count(path)) << name << ": " << path << " has no source";
        }
      };
      if (group.value().is_object()) {
        for (const auto& k : group.value().items())
          check(group.key() + "." + k.key(), k.value(), def[group.key()][k.key()]);
      } else {
        check(group.key(), group.value(), def[group.key()]);
      }
    }
  }
  ArchConfig edge;
  edge.load("edge");
  EXPECT_EQ(edge.dram.bandwidth_gbps, 68.0);  // Orin Nano 8G, as Quamba measured
  ArchConfig cloud;
  cloud.load("cloud");
  EXPECT_EQ(cloud.gemm.rows, 128);
  EXPECT_EQ(cloud.gemm.cols, 128);
  EXPECT_THAT(error_of([] {
                ArchConfig c;
                c.load_json(
                    nlohmann::json::parse(R"({"version": 1, "sources": {"gemm.size": "x"}})"),
                    "s.json");
              }),
              HasSubstr("s.json: sources: unknown key 'gemm.size'"));
  EXPECT_THAT(error_of([] {
                ArchConfig c;
                c.load("nope");
              }),
              HasSubstr("--arch nope: no such preset (presets: cloud, default, edge"));
}

// extra = 1: a vector costs one more cycle when any of its n elements is
// special, so E = vectors x (1 - (1 - p)^n).
TEST(MulticycleExpectation, OneExtraCycleIsOneMinusNoneSpecial) {
  QuantizerConfig q = ArchConfig().quantizer;
  q.multicycle = true;
  q.multicycle_extra_cycles = 1;
  q.lanes = 32;
  for (double p : {0.0, 1e-4, 0.01, 0.2, 1.0}) {
    const uint64_t E = 32 * 1000 + 7;  // 1000 full vectors and one of 7
    const double expect = 1000 * (1 - std::pow(1 - p, 32)) + (1 - std::pow(1 - p, 7));
    EXPECT_EQ(SoftEdgeQuantizer::expected_multicycle_extra(q, E, p),
              static_cast<uint64_t>(std::llround(expect)))
        << p;
  }
  q.mode = quant::QuantKind::kInt8;
  EXPECT_EQ(SoftEdgeQuantizer::expected_multicycle_extra(q, 320, 0.5), 0u);
}

// extra = 3, lanes = 4: ceil(3 S / 4) is 0, 1, 2, 3, 3 for S = 0..4.
TEST(MulticycleExpectation, ThreeExtraCyclesOnFourLanesByHand) {
  QuantizerConfig q = ArchConfig().quantizer;
  q.multicycle = true;
  q.multicycle_extra_cycles = 3;
  q.lanes = 4;
  const double p = 0.3, r = 1 - p;
  const double per_vector = 4 * p * std::pow(r, 3) * 1 + 6 * p * p * r * r * 2 +
                            4 * std::pow(p, 3) * r * 3 + std::pow(p, 4) * 3;
  EXPECT_EQ(SoftEdgeQuantizer::expected_multicycle_extra(q, 4 * 10000, p),
            static_cast<uint64_t>(std::llround(10000 * per_vector)));
  // Which regions count: flagged = small + large + saturated; large = the outliers.
  std::array<double, 4> f{};
  f[static_cast<size_t>(quant::SeRegion::kNormal)] = 0.5;
  f[static_cast<size_t>(quant::SeRegion::kSmall)] = 0.3;
  f[static_cast<size_t>(quant::SeRegion::kLarge)] = 0.15;
  f[static_cast<size_t>(quant::SeRegion::kSaturated)] = 0.05;
  EXPECT_DOUBLE_EQ(SoftEdgeQuantizer::special_probability(q, f), 0.5);
  q.multicycle_regions = MulticycleRegions::kLarge;
  EXPECT_DOUBLE_EQ(SoftEdgeQuantizer::special_probability(q, f), 0.2);
}
