// ModelLowering: the activation regions sized from the builders' operands,
// checked against sizes derived by hand from the models' shapes; the
// registry of layer kinds and the program keys the controller caches by;
// the two over-counts the old hand-written region sizes had.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "common/error.hpp"
#include "config/workload.hpp"
#include "lower/lowering.hpp"
#include "lower/memory_plan.hpp"

using namespace ssmsim;

namespace {

uint64_t region(const ModelLowering& m, Region r, uint64_t tokens, uint64_t batch, bool decode,
                const ElementBytes& b) {
  return m.region_bytes(r, {tokens, batch, decode}, b);
}

const ElementBytes kW8a8{1, 1, 1, false}, kW8a8Se{1, 1, 1, true}, kFp16{2, 2, 2, false};

}  // namespace

TEST(Lowering, Mamba1RegionsAreTheShapesByHand) {
  // mamba-bytes-a: d_model 384, d_inner 768, d_state 16, dt_rank 24.
  const ModelLowering m(load_model_preset("mamba-bytes-a"));
  const uint64_t R = 64 * 2, dm = 384, D = 768, N = 16, r = 24;
  for (const ElementBytes& b : {kW8a8, kFp16}) {
    const uint64_t a = b.act;
    EXPECT_EQ(region(m, Region::kResid, 64, 2, false, b), R * dm * 4);
    EXPECT_EQ(region(m, Region::kNorm, 64, 2, false, b), R * dm * a);
    EXPECT_EQ(region(m, Region::kXZ, 64, 2, false, b), R * 2 * D * a);
    EXPECT_EQ(region(m, Region::kU, 64, 2, false, b), R * D * 2);
    EXPECT_EQ(region(m, Region::kDtBC, 64, 2, false, b), R * (r + 2 * N) * a);
    EXPECT_EQ(region(m, Region::kDt, 64, 2, false, b), R * D * 2);
    EXPECT_EQ(region(m, Region::kY, 64, 2, false, b), R * D * 2);
    // INT8 after the Hadamard: w8a8 only.
    EXPECT_EQ(region(m, Region::kYq, 64, 2, false, b), a == 1 ? R * D : 0);
    EXPECT_EQ(region(m, Region::kOut, 64, 2, false, b), R * dm * 2);
    for (Region none : {Region::kScores, Region::kSsdA, Region::kStates, Region::kQkv,
                        Region::kAttnO, Region::kAttnBlock, Region::kFfn, Region::kEmbed}) {
      EXPECT_EQ(region(m, none, 64, 2, false, b), 0u) << static_cast<int>(none);
    }
  }
  const TileLayout tl = m.tile_layout({64, 2, false}, kW8a8);
  EXPECT_EQ(tl.end, R * (dm * 4 + dm + 2 * D + D * 2 + (r + 2 * N) + D * 2 + D * 2 + D + dm * 2));
}

TEST(Lowering, Mamba2RegionsAreTheShapesByHand) {
  // mamba2-bytes-a: d_model 256, d_inner 512, 16 heads of 32, 1 group,
  // d_state 64, chunks of 64: 100 tokens are 2 chunks, the last padded.
  const ModelLowering m(load_model_preset("mamba2-bytes-a"));
  const uint64_t B = 3, T = 100, R = T * B, dm = 256, D = 512, H = 16, GN = 64, N = 64, q = 64,
                 nc = 2;
  const ElementBytes& b = kW8a8Se;
  EXPECT_EQ(region(m, Region::kXZ, T, B, false, b), R * (2 * D + 2 * GN + H));
  EXPECT_EQ(region(m, Region::kU, T, B, false, b), R * (D + 2 * GN) * 2);
  // INT8 x with its soft-edge flag plane, then INT8 B and C.
  EXPECT_EQ(region(m, Region::kDtBC, T, B, false, b), R * D + (R * D + 7) / 8 + R * 2 * GN);
  EXPECT_EQ(region(m, Region::kDt, T, B, false, b), R * H * 4 * 2);
  EXPECT_EQ(region(m, Region::kScores, T, B, false, b), B * nc * q * q * 2);
  EXPECT_EQ(region(m, Region::kSsdA, T, B, false, b),
            B * nc * q * H * (q + N) * 2 + B * nc * q * D * 2);
  EXPECT_EQ(region(m, Region::kStates, T, B, false, b), B * nc * D * N * 4);
  EXPECT_EQ(region(m, Region::kOut, T, B, false, b), R * dm * 2);
  // Decode: no chunks.
  for (Region r : {Region::kScores, Region::kSsdA, Region::kStates}) {
    EXPECT_EQ(region(m, r, 1, B, true, b), 0u) << static_cast<int>(r);
  }
  EXPECT_EQ(region(m, Region::kDtBC, 1, B, true, kW8a8), B * D + B * 2 * GN);  // int8: no flags
}

TEST(Lowering, SharedBlocksDoNotWidenTheSsmLayersNorm) {
  // Zamba2: the shared block normalises [hidden, embedding] (2 d_model
  // wide); a Mamba-2 layer's in_proj still reads d_model-wide rows (the
  // old hand-written sizes made it read the region's double width).
  const ModelDims d = load_model_preset("zamba2-2.7b");
  const ModelLowering m(d);
  const uint64_t R = 64, dm = static_cast<uint64_t>(d.d_model);
  EXPECT_EQ(region(m, Region::kNorm, 64, 1, false, kW8a8), R * 2 * dm);
  ProgramShape s;
  s.tokens = 64;
  s.kv_capacity = 64;
  ASSERT_EQ(d.layer_kind(0), LayerKind::kSsm);
  bool seen = false;
  for (const ProgramOp& p : m.layer(0, s)) {
    if (p.cmd.op != Op::kInProj) continue;
    seen = true;
    EXPECT_EQ(p.in[0].region, Region::kNorm);
    EXPECT_EQ(p.in[0].bytes, R * dm);
  }
  EXPECT_TRUE(seen);
}

TEST(Lowering, MoeWithoutASharedExpertReservesNoSharedOutput) {
  // Jamba: no shared expert. kFfn holds the larger of the MLP's hidden rows
  // and the MoE's router logits, routed hidden rows and routed outputs.
  const ModelDims d = load_model_preset("jamba-1.5-mini");
  ASSERT_EQ(d.moe_shared_d_ff, 0);
  const ModelLowering m(d);
  const uint64_t R = 64, dm = 4096, E = 16, F = 14336, gate = 2;
  const uint64_t routed = static_cast<uint64_t>(expert_rows(d, 64).routed());
  const uint64_t moe = R * E * 2 + routed * F * gate + routed * dm * 2;
  const uint64_t mlp = R * 14336 * gate;
  EXPECT_EQ(region(m, Region::kFfn, 64, 1, false, kW8a8), std::max(moe, mlp));
}

TEST(Lowering, EveryLayerKindIsRegistered) {
  for (LayerKind k : {LayerKind::kSsm, LayerKind::kAttention, LayerKind::kMlp, LayerKind::kMoe,
                      LayerKind::kParallel, LayerKind::kShared}) {
    const LayerKindLowering& row = layer_kind_lowering(k);
    EXPECT_EQ(row.model->kind, k);
    EXPECT_NE(row.build, nullptr);
    // Attention's keys: the kinds with attention read the context.
    EXPECT_EQ(row.reads_context,
              k == LayerKind::kAttention || k == LayerKind::kParallel || k == LayerKind::kShared)
        << layer_kind_name(k);
  }
  EXPECT_THROW(layer_kind_lowering(static_cast<LayerKind>('?')), Error);
}

TEST(Lowering, ProgramKeysGroupLayersWithEqualPrograms) {
  // Zamba2: Mamba-2 layers share one key; its two shared blocks take turns
  // and differ by block.
  const ModelDims d = load_model_preset("zamba2-2.7b");
  const ModelLowering m(d);
  const std::vector<int32_t> block = d.shared_block_by_layer();
  std::vector<int64_t> shared;
  for (int64_t l = 0; l < d.n_layer; ++l) {
    if (d.layer_kind(l) == LayerKind::kSsm) {
      EXPECT_EQ(m.program_key(l), m.program_key(0)) << l;
      EXPECT_FALSE(m.reads_context(l));
    } else {
      shared.push_back(l);
      EXPECT_TRUE(m.reads_context(l));
    }
  }
  ASSERT_GE(shared.size(), 3u);
  for (int64_t a : shared) {
    for (int64_t b : shared) {
      EXPECT_EQ(m.program_key(a) == m.program_key(b),
                block[static_cast<size_t>(a)] == block[static_cast<size_t>(b)]);
    }
  }
  EXPECT_NE(m.program_key(shared[0]), m.program_key(0));
}

// Issue 36: the tiles the mapper tries for controller.tile_tokens = 0 are
// the same for every SRAM, array, bandwidth and clock (so a larger
// configuration tries every tile a smaller one did); the bounds are the
// weight bytes each tile and decode step streams.
TEST(TileCandidates, GrowWithTheSramAndIgnoreTheArray) {
  const ModelLowering m(load_model_preset("mamba-370m"));
  ArchConfig small;
  small.controller.tile_tokens = 0;
  small.sram.bytes = 8 << 20;
  ArchConfig large = small;
  large.sram.bytes = 64 << 20;
  const auto tiles = [&](const ArchConfig& a) {
    std::set<int64_t> t;
    for (const TileCandidate& c : plan_candidates(m, a, 512, 4, 1)) t.insert(c.plan.tile_tokens);
    return t;
  };
  const std::set<int64_t> s = tiles(small), l = tiles(large);
  EXPECT_EQ(s, l);
  EXPECT_EQ(s, (std::set<int64_t>{8, 16, 32, 64, 128, 256, 512}));
  ArchConfig other = small;
  other.gemm.rows = 128;
  other.gemm.cols = 8;
  other.dram.bandwidth_gbps = 7;
  other.clock_mhz = 100;
  EXPECT_EQ(tiles(other), s);
  // Streamed weights, batch 1: tile t reads them ceil(512 / t) times in the
  // prefill and once per decode step; the bound is that at the peak.
  for (const TileCandidate& c : plan_candidates(m, small, 512, 4, 1)) {
    ASSERT_FALSE(c.plan.weights_in_sram);
    const double per_pass =
        c.bound_ns * small.dram.bandwidth_gbps /
        static_cast<double>((512 + c.plan.tile_tokens - 1) / c.plan.tile_tokens + 4);
    // Every layer's weights (the head's only with the last token: none here).
    EXPECT_NEAR(per_pass,
                static_cast<double>(c.plan.weight_bytes - m.head_weight_bytes(1) -
                                    m.shared_weight_bytes(1)),
                1.0)
        << c.plan.tile_tokens;
  }
}
