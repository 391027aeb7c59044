// Each unit's timing formula against hand-derived values (docs/timing.md).
#include <gtest/gtest.h>

#include "hw/gemm_unit.hpp"
#include "hw/hadamard_unit.hpp"
#include "hw/scan_unit.hpp"
#include "hw/soft_edge_quantizer.hpp"
#include "hw/vector_unit.hpp"

using namespace ssmsim;

GemmConfig gemm(int64_t r, int64_t c, Dataflow df) {
  GemmConfig g = ArchConfig().gemm;
  g.rows = r;
  g.cols = c;
  g.dataflow = df;
  return g;
}

TEST(GemmTiming, OutputStationaryMatchesScaleSim) {
  const auto os = gemm(32, 32, Dataflow::kOutputStationary);
  auto dataflow = [](const GemmConfig& g, int64_t M, int64_t N, int64_t K) {
    return GemmUnit::dataflow_folds(g, M, N, K).total();
  };
  // Every fold full, SCALE-Sim's count: 2 x 2 folds of (32 + 32 + 100 - 2) = 162.
  EXPECT_EQ(dataflow(os, 64, 64, 100), 648u);
  // A partial row fold fills and drains over its 1 row: 2 folds of 162 and
  // 2 of (1 + 32 + 98) = 131 (SCALE-Sim charges a whole fold: 648).
  EXPECT_EQ(dataflow(os, 33, 64, 100), 2u * 162 + 2 * 131);
  // Decode in_proj of this model: 48 folds of (1 + 32 + 384 - 2) = 415.
  EXPECT_EQ(dataflow(os, 1, 1536, 384), 48u * 415);
  // 16 x 8 array, (10, 20, 5): folds of 8, 8 and 4 columns over 10 rows:
  // (10 + 8 + 3) x 2 + (10 + 4 + 3).
  EXPECT_EQ(dataflow(gemm(16, 8, Dataflow::kOutputStationary), 10, 20, 5), 21u * 2 + 17);
  // A prefill GEMM (M >= rows) keeps the dataflow.
  EXPECT_EQ(GemmUnit::folds(os, 64, 64, 100).mapping, GemmMapping::kOs);
  EXPECT_EQ(GemmUnit::compute_cycles(os, 64, 64, 100), 648u);
}

TEST(GemmTiming, WeightStationaryMatchesScaleSim) {
  const auto ws = gemm(32, 32, Dataflow::kWeightStationary);
  // Sr = K = 100: folds of 32, 32, 32 and 4 rows; Sc = 64: 2 of 32 columns.
  // Per fold 2 k + 32 + 64 - 2: 3 x 158 + 102 = 576 per strip (SCALE-Sim,
  // a whole fold for the 4 rows: 4 x 158 = 632).
  EXPECT_EQ(GemmUnit::dataflow_folds(ws, 64, 64, 100).total(), 2u * (3 * 158 + 102));
  // Every fold full: 12 x 48 folds of (64 + 32 + 1 - 2) = 95, as SCALE-Sim.
  EXPECT_EQ(GemmUnit::dataflow_folds(ws, 1, 1536, 384).total(), 54720u);
}

TEST(GemmTiming, GemvMappingForFewRows) {
  auto os = gemm(32, 32, Dataflow::kOutputStationary);
  // Decode in_proj (1, 1536, 384) on all 32 rows: 12 x 48 tiles of max(32, 1)
  // cycles, + 32 for the first load + 5 adder levels.
  EXPECT_EQ(GemmUnit::gemv_folds(os, 1, 1536, 384, 32).total(), 12u * 48 * 32 + 32 + 5);
  // On r rows the tiles take as long in all (a row of weights a cycle) and
  // the first load is r: one row is best, 48 x 384 + 1 + 0 levels.
  EXPECT_EQ(GemmUnit::gemv_folds(os, 1, 1536, 384, 1).total(), 48u * 384 + 1);
  const GemmUnit::Folds f = GemmUnit::folds(os, 1, 1536, 384);
  EXPECT_EQ(f.mapping, GemmMapping::kGemv);
  EXPECT_EQ(f.rows, 1);
  EXPECT_EQ(GemmUnit::compute_cycles(os, 1, 1536, 384), 18433u);
  // Batch 16 (M < 32 rows): tiles of max(r, 16); r = 16 gives 24 tiles of
  // 16 per strip and a first load of 16 + 4 levels: 48 x 384 + 20.
  EXPECT_EQ(GemmUnit::compute_cycles(os, 16, 1536, 384), 48u * 384 + 20);
  EXPECT_EQ(GemmUnit::folds(os, 16, 1536, 384).rows, 16);
  // Batch 32 (M = rows): the dataflow.
  EXPECT_EQ(GemmUnit::folds(os, 32, 1536, 384).mapping, GemmMapping::kOs);
  // gemm.gemv = off: the dataflow, always.
  os.gemv = GemvMapping::kOff;
  EXPECT_EQ(GemmUnit::folds(os, 1, 1536, 384).mapping, GemmMapping::kOs);
  EXPECT_EQ(GemmUnit::compute_cycles(os, 1, 1536, 384), 48u * 415);
}

// Issue 36: K < R. chunk_state (64 x 128, K = 32) on 128 and on 256 rows
// costs the same: the GEMV tile and its first load span the 32 rows the
// data has, not the array's.
TEST(GemmTiming, LargerArrayNeverSlower) {
  for (int64_t M : {1, 4, 31, 64, 100, 160, 300}) {
    for (int64_t K : {1, 7, 32, 100, 384}) {
      for (int64_t N : {1, 20, 64, 129}) {
        for (Dataflow df : {Dataflow::kOutputStationary, Dataflow::kWeightStationary}) {
          uint64_t prev = ~uint64_t(0);
          for (int64_t R : {8, 16, 24, 32, 64, 128, 256}) {
            const uint64_t c = GemmUnit::compute_cycles(gemm(R, 32, df), M, N, K);
            EXPECT_LE(c, prev) << "M " << M << " N " << N << " K " << K << " rows " << R;
            prev = c;
          }
          prev = ~uint64_t(0);
          for (int64_t C : {8, 16, 24, 32, 64, 128}) {
            const uint64_t c = GemmUnit::compute_cycles(gemm(64, C, df), M, N, K);
            EXPECT_LE(c, prev) << "M " << M << " N " << N << " K " << K << " cols " << C;
            prev = c;
          }
        }
      }
    }
  }
  const auto os = gemm(128, 32, Dataflow::kOutputStationary);
  EXPECT_EQ(GemmUnit::compute_cycles(os, 64, 128, 32),
            GemmUnit::compute_cycles(gemm(256, 32, Dataflow::kOutputStationary), 64, 128, 32));
}

TEST(ScanTiming, LanesAndRecurrenceBound) {
  ScanConfig s = ArchConfig().scan;  // lanes 64, softplus 8, exp 8, recurrence 4, depth 4
  // 768 x 16 = 12288 updates / 64 lanes = 192 per token
  EXPECT_EQ(ScanUnit::cycles_per_token(s, 768, 16), 192u);
  EXPECT_EQ(ScanUnit::op_cycles(s, 64, 768, 16), 64u * 192 + 20);
  s.lanes = 8192;  // 2 cycles of updates, but the recurrence needs 4
  EXPECT_EQ(ScanUnit::cycles_per_token(s, 768, 16), 4u);
  EXPECT_EQ(ScanUnit::op_cycles(s, 64, 768, 16), 276u);
}

TEST(HadamardTiming, ButterflyStagesAndSmallFactor) {
  HadamardConfig h = ArchConfig().hadamard;  // 32 butterflies = 64 adders per cycle, depth 4
  // 768 = 12 * 2^6: 6 * ceil(768/64) + ceil(768 * 11 / 64) = 72 + 132
  EXPECT_EQ(HadamardUnit::block_cycles(h, 768), 204u);
  EXPECT_EQ(HadamardUnit::op_cycles(h, 64, 768, 768), 64u * 204 + 4);
  // 64 = 2^6 in 12 blocks of d_inner 768: 6 cycles a block
  EXPECT_EQ(HadamardUnit::op_cycles(h, 1, 768, 64), 12u * 6 + 4);
  // 640 = 40 * 16 = 20 * 2^5: 5 * 10 + ceil(640 * 19 / 64) = 50 + 190
  EXPECT_EQ(HadamardUnit::block_cycles(h, 640), 240u);
}

TEST(VectorTiming, PassesTimesVectors) {
  VectorConfig v = ArchConfig().vector;  // 32 lanes, depth 4
  EXPECT_EQ(VectorUnit::op_cycles(v, 64 * 768, 5), 5u * 1536 + 4);
  EXPECT_EQ(VectorUnit::op_cycles(v, 1000, 2), 2u * 32 + 4);  // ceil(1000/32) = 32
}

TEST(QuantizerTiming, LatencyAndMulticycle) {
  QuantizerConfig q = ArchConfig().quantizer;  // depth 3, se +1, se-authors +2
  q.mode = quant::QuantKind::kInt8;
  EXPECT_EQ(SoftEdgeQuantizer::latency(q), 3u);
  q.mode = quant::QuantKind::kSeAuthors;
  EXPECT_EQ(SoftEdgeQuantizer::latency(q), 5u);
  q.mode = quant::QuantKind::kSe;
  EXPECT_EQ(SoftEdgeQuantizer::latency(q), 4u);
  q.lanes = 4;
  q.multicycle = true;
  q.multicycle_extra_cycles = 3;
  // vectors with 4, 1, 0, 2 special elements: ceil(12/4) + ceil(3/4) + 0 + ceil(6/4)
  const std::vector<uint8_t> special = {1, 1, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1, 1, 0, 0};
  EXPECT_EQ(SoftEdgeQuantizer::multicycle_extra(q, special), 3u + 1 + 0 + 2);
  // A short last vector counts as a vector.
  EXPECT_EQ(SoftEdgeQuantizer::multicycle_extra(q, {1, 1, 1, 1, 1}), 3u + 1);
  q.multicycle = false;
  EXPECT_EQ(SoftEdgeQuantizer::multicycle_extra(q, special), 0u);
  q.multicycle = true;
  q.mode = quant::QuantKind::kInt8;  // INT8 has no special elements
  EXPECT_EQ(SoftEdgeQuantizer::multicycle_extra(q, special), 0u);
}
