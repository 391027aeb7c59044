// The whole accelerator on the bundled trace and checkpoint (one
// elaboration): a prefill of 256 tokens in tiles of 64 through 6 layers.
// Every operation's busy cycles equal its unit's formula for its shape, the
// shared units bound the total, and the quantizer's figures are the
// library's (so run and quant agree).
#include <gtest/gtest.h>

#include "datapath/trace_datapath.hpp"
#include "hw/accelerator.hpp"
#include "hw/controller.hpp"
#include "lower/memory_plan.hpp"
#include "numeric/calibration.hpp"
#include "numeric/metrics.hpp"

using namespace ssmsim;

namespace {

const std::string kTrace =
    std::string(SSMSIM_SOURCE_DIR) + "/traces/default/mamba-bytes-a-sample0.safetensors";

struct Sim {
  ArchConfig arch;
  Trace trace{kTrace};
  Checkpoint ckpt{find_checkpoint(kTrace, "mamba-bytes-a")};
  TraceDatapath data{trace, &ckpt, arch, 99.99, 768};
  RunPlan plan;
  std::unique_ptr<ModelLowering> lowering;
  std::unique_ptr<Controller> controller;
  std::unique_ptr<Accelerator> acc;
  Sim() {
    plan.prefill_tokens = 256;
    plan.hadamard_size = 768;
    lowering = std::make_unique<ModelLowering>(trace.dims());
    controller = std::make_unique<Controller>(
        "controller", arch, plan, *lowering,
        plan_memory(*lowering, arch, plan.prefill_tokens, plan.decode_tokens, plan.batch));
    acc = std::make_unique<Accelerator>("acc", arch, data, nullptr);
    acc->bind_driver(controller->sockets());
    sc_core::sc_start();
  }
};

Sim& sim() {
  static Sim s;
  return s;
}

}  // namespace

TEST(Accelerator, RunsEveryOperationOfEveryLayer) {
  const auto& log = sim().acc->op_log();
  // 4 tiles x 6 layers x 11 operations, then final norm + lm_head on the
  // last prompt token (mapping.lm_head auto, nothing scored).
  EXPECT_EQ(log.size(), 4u * 6 * 11 + 2);
  EXPECT_FALSE(sim().controller->head_on_every_token());
  uint64_t head_rows = 0;
  for (const OpRecord& r : log) {
    if (r.op == Op::kLmHead) head_rows += static_cast<uint64_t>(r.M);
  }
  EXPECT_EQ(head_rows, 1u);
  EXPECT_TRUE(sim().controller->finished());
}

TEST(Accelerator, EveryOperationFollowsItsFormula) {
  const ArchConfig& a = sim().arch;
  for (const OpRecord& r : sim().acc->op_log()) {
    uint64_t expect = 0;
    if (r.unit == Unit::kGemm) {
      EXPECT_EQ(r.compute_cycles, GemmUnit::compute_cycles(a.gemm, r.M, r.N, r.K)) << op_name(r.op);
      expect = r.compute_cycles + static_cast<uint64_t>(a.gemm.epilogue_cycles);
    } else if (r.unit == Unit::kScan) {
      expect = ScanUnit::op_cycles(a.scan, 64, 768, 16);
    } else if (r.unit == Unit::kHad) {
      expect = HadamardUnit::op_cycles(a.hadamard, 64, 768, 768);
    } else if (r.unit == Unit::kQuant) {
      expect = (64u * 768 + 31) / 32 + SoftEdgeQuantizer::latency(a.quantizer);
    } else {
      const int64_t passes = r.op == Op::kConv1dSilu ? 5 : (r.op == Op::kResidual ? 1 : 2);
      const int64_t elements = (r.op == Op::kConv1dSilu || r.op == Op::kGate) ? 64 * 768
                               : r.op == Op::kFinalNorm                       ? 384
                                                                              : 64 * 384;
      expect = VectorUnit::op_cycles(a.vector, elements, passes);
    }
    EXPECT_EQ(r.busy_cycles, expect)
        << unit_name(r.unit) << " " << op_name(r.op) << " layer " << r.layer;
    EXPECT_EQ(r.end_cycle - r.start_cycle, r.busy_cycles + r.stall_cycles) << op_name(r.op);
  }
}

TEST(Accelerator, SharedUnitsBoundTheTotal) {
  const uint64_t total =
      static_cast<uint64_t>(sim().controller->finish_time() / sc_core::sc_time(1, sc_core::SC_NS));
  for (const UnitBase* u : sim().acc->units()) {
    EXPECT_LE(u->stats().busy_cycles + u->stats().stall_cycles, total) << unit_name(u->unit());
  }
  // Tiles overlap: the total is less than running every operation in turn.
  uint64_t serial = 0;
  for (const OpRecord& r : sim().acc->op_log()) serial += r.end_cycle - r.start_cycle;
  EXPECT_LT(total, serial);
  // Every weight byte crossed the DRAM interface at least once.
  EXPECT_GE(sim().acc->dram_stats().read_bytes, sim().controller->memory_plan().weight_bytes);
}

TEST(Accelerator, QuantizerFiguresAreTheLibrarys) {
  for (int64_t l : {0, 5}) {
    const LayerData& L = sim().data.layers()[static_cast<size_t>(l)];
    const quant::ErrorStats ref =
        quant::measure(quant::QuantKind::kSe, L.u.data(), L.u.size(), L.u_scale);
    EXPECT_EQ(L.u_err.count, ref.count);
    // Summed per tile, not in one pass: equal up to addition order.
    EXPECT_NEAR(L.u_err.sum_sq_error, ref.sum_sq_error, 1e-12 * ref.sum_sq_error);
    EXPECT_EQ(L.u_err.regions, ref.regions);
  }
  // The spec's layer-0 figure, now through the SystemC quantizer stage.
  EXPECT_NEAR(sim().data.layers()[0].u_err.sqnr_db(), 41.35, 0.01);
}

TEST(Accelerator, ScanGateAndHadamardComputeOnRealData) {
  for (const LayerData& L : sim().data.layers()) {
    // y from SE-quantized u against the trace's fp y; out_proj input after
    // Hadamard + INT8 against the rotated trace y.
    EXPECT_GT(L.y_err.sqnr_db(), 35.0);
    EXPECT_LT(L.y_err.sqnr_db(), 60.0);  // quantization does cost something
    EXPECT_GT(L.had_err.sqnr_db(), 30.0);
    EXPECT_EQ(L.y_err.count, 256u * 768);
  }
}
