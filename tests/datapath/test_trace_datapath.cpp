// The units on a Mamba-2 trace's real data (run --pipeline trace): the
// quantizer's error on ssm.x is what quant::measure gives for the same
// scale, the SSD and gated norm on the quantized x come back to the
// trace's norm.out about as closely as x to the trace's x (a wrong
// parameter or tensor would fall far below), and decode steps compute what
// the prefill's chunks compute.
#include <gtest/gtest.h>

#include <string>

#include "config/arch_config.hpp"
#include "datapath/trace_datapath.hpp"
#include "io/trace_calibration.hpp"

using namespace ssmsim;

namespace {

const std::string kDir = std::string(SSMSIM_SOURCE_DIR) + "/traces/default/";

Command command(Op op, int64_t layer, int64_t first, int64_t tokens, int64_t elements) {
  Command c;
  c.op = op;
  c.layer = layer;
  c.first_token = first;
  c.tokens = tokens;
  c.elements = elements;
  return c;
}

// Runs every layer's data operations over the trace in tiles of `tile`
// tokens (prefill), or token by token (decode: tile 0).
void run(TraceDatapath& dp, const ModelDims& d, int64_t L, int64_t tile) {
  std::vector<uint8_t> regions(static_cast<size_t>(L * d.d_inner));
  const int64_t step = tile > 0 ? tile : 1;
  for (int64_t t0 = 0; t0 < L; t0 += step) {
    const int64_t n = std::min(step, L - t0);
    for (int64_t l = 0; l < d.n_layer; ++l) {
      dp.quantize(command(Op::kSsmInQuant, l, t0, n, n * d.d_inner), regions.data());
      dp.compute(command(tile > 0 ? Op::kChunkScan : Op::kSsdStep, l, t0, n, 0));
      dp.compute(command(Op::kGatedNorm, l, t0, n, n * d.d_inner));
      Command h = command(Op::kHadamard, l, t0, n, 0);
      h.hadamard_block = d.d_inner;
      dp.compute(h);
    }
  }
}

}  // namespace

TEST(TraceDatapath, Mamba2TraceThroughTheQuantizerSsdAndGatedNorm) {
  const Trace trace(kDir + "mamba2-bytes-a-sample0.safetensors");
  const Checkpoint ckpt(kDir + "mamba2-bytes-a");
  const ModelDims& d = trace.dims();
  const int64_t L = trace.seq_len();
  ArchConfig arch;
  arch.quantizer.mode = quant::QuantKind::kSe;
  TraceDatapath prefill(trace, &ckpt, arch, 99.99, d.d_inner);
  run(prefill, d, L, 64);
  TraceDatapath decode(trace, &ckpt, arch, 99.99, d.d_inner);
  run(decode, d, L, 0);
  for (int64_t l = 0; l < d.n_layer; ++l) {
    const LayerData& p = prefill.layers()[static_cast<size_t>(l)];
    const LayerData& s = decode.layers()[static_cast<size_t>(l)];
    // The quantizer: independently, the same scale through quant::measure.
    const double scale = calibrate_layer({&trace}, l, "ssm.x", 99.99).scale();
    const quant::ErrorStats want = quant::measure(quant::QuantKind::kSe, p.u.data(), p.u.size(),
                                                  static_cast<float>(scale), arch.quantizer.se());
    // (Merged per tile: the sums differ in their last bits; the counts not.)
    EXPECT_NEAR(p.u_err.sqnr_db(), want.sqnr_db(), 1e-9) << l;
    EXPECT_EQ(p.u_err.regions, want.regions) << l;
    EXPECT_EQ(p.u_err.count, want.count) << l;
    // The out_proj input follows the SSM input's error.
    EXPECT_GT(p.y_err.sqnr_db(), 35.0) << l;
    EXPECT_GT(p.y_err.sqnr_db(), p.u_err.sqnr_db() - 3.0) << l;
    EXPECT_GT(p.had_err.sqnr_db(), 30.0) << l;
    // Decode steps: the recurrence computes the chunks' values.
    EXPECT_NEAR(s.y_err.sqnr_db(), p.y_err.sqnr_db(), 0.05) << l;
    double diff = 0, mag = 0;
    for (size_t i = 0; i < p.y_hat.size(); ++i) {
      diff = std::max(diff, static_cast<double>(std::fabs(p.y_hat[i] - s.y_hat[i])));
      mag = std::max(mag, static_cast<double>(std::fabs(p.y_hat[i])));
    }
    EXPECT_LT(diff / mag, 1e-4) << l;
  }
}

// Int8 on the same data loses more at the out_proj input than se does.
TEST(TraceDatapath, Mamba2SoftEdgeKeepsMoreThanInt8DownTheChain) {
  const Trace trace(kDir + "mamba2-bytes-a-sample0.safetensors");
  const Checkpoint ckpt(kDir + "mamba2-bytes-a");
  const ModelDims& d = trace.dims();
  ArchConfig se, i8;
  se.quantizer.mode = quant::QuantKind::kSe;
  i8.quantizer.mode = quant::QuantKind::kInt8;
  TraceDatapath a(trace, &ckpt, se, 99.99, d.d_inner), b(trace, &ckpt, i8, 99.99, d.d_inner);
  run(a, d, trace.seq_len(), 128);
  run(b, d, trace.seq_len(), 128);
  for (int64_t l = 0; l < d.n_layer; ++l) {
    EXPECT_GT(a.layers()[static_cast<size_t>(l)].y_err.sqnr_db(),
              b.layers()[static_cast<size_t>(l)].y_err.sqnr_db() + 3.0)
        << l;
  }
}
