// simulate() as a library call (one elaboration: the run below, shared by
// the tests; the bad requests all stop before anything is elaborated).
#include <gtest/gtest.h>

#include <numeric>

#include "common/error.hpp"
#include "sim/run_report.hpp"
#include "sim/simulate.hpp"

using namespace ssmsim;

namespace {

const std::string kTrace =
    std::string(SSMSIM_SOURCE_DIR) + "/traces/default/mamba-bytes-a-sample0.safetensors";

RunRequest trace_request() {
  RunRequest r;
  r.trace = kTrace;
  r.tokens = 64;
  return r;
}

// A prefill of 64 tokens through Quamba's W8A8 pipeline on the units.
const RunResult& run() {
  static const RunResult res = [] {
    RunRequest r = trace_request();
    r.pipeline.w8a8 = true;
    r.arch.set("controller.tile_tokens=16");
    return simulate(r);
  }();
  return res;
}

std::string error_of(const RunRequest& r) {
  try {
    simulate(r);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST(Simulate, RunsThePlanItWasGiven) {
  const RunResult& res = run();
  EXPECT_EQ(res.plan.prefill_tokens, 64);
  EXPECT_EQ(res.plan.decode_tokens, 0);
  EXPECT_EQ(res.memory.tile_tokens, 16);
  EXPECT_EQ(res.dims.n_layer, 6);
  EXPECT_EQ(res.dims.d_inner, 768);
  EXPECT_GT(res.finish, sc_core::SC_ZERO_TIME);
  // Streamed weights: every tile reads every layer's weights.
  EXPECT_GE(res.dram.read_bytes, 4 * res.memory.weight_bytes);
}

TEST(Simulate, AttributionAddsUpToTheRun) {
  const RunResult& res = run();
  const RunMetrics m = run_metrics(res);
  const uint64_t layers =
      std::accumulate(m.attr.layer_cycles.begin(), m.attr.layer_cycles.end(), uint64_t{0});
  const uint64_t units =
      std::accumulate(m.attr.unit_cycles.begin(), m.attr.unit_cycles.end(), uint64_t{0});
  EXPECT_EQ(layers + m.attr.idle_cycles, m.total_cycles);
  EXPECT_EQ(units + m.attr.idle_cycles, m.total_cycles);
  EXPECT_EQ(m.prefill_cycles, m.total_cycles);  // no decode
  EXPECT_EQ(m.tokens, 64);
}

TEST(Simulate, W8A8FiguresComeWithTheRun) {
  const RunResult& res = run();
  ASSERT_TRUE(res.w8a8.has_value());
  const W8A8Result& w = *res.w8a8;
  EXPECT_EQ(w.quantizer, "se");  // the default quantizer
  EXPECT_EQ(w.fp32.predictions, w.quantized.predictions);
  EXPECT_GT(w.quantized.predictions, 0u);
  EXPECT_LE(w.quantized.agree, w.quantized.predictions);
  EXPECT_EQ(w.layer_err.size(), static_cast<size_t>(res.dims.n_layer) * w.tensors.size());
  // W8A8 moves the output's cross-entropy, but not far on this model.
  EXPECT_NEAR(w.quantized.ce(), w.fp32.ce(), 0.5);
}

TEST(Simulate, BadRequestsAreNamedErrors) {
  RunRequest r = trace_request();
  r.tokens = 100000;
  EXPECT_NE(error_of(r).find("--tokens = 100000"), std::string::npos) << error_of(r);
  r = trace_request();
  r.vcd_window = "0:100";
  EXPECT_NE(error_of(r).find("--vcd-window needs --vcd"), std::string::npos) << error_of(r);
  r = trace_request();
  r.arch.set("hadamard.size=36");
  EXPECT_NE(error_of(r).find("hadamard.size = 36"), std::string::npos) << error_of(r);
  r = trace_request();
  r.pipeline.w8a8 = true;
  r.arch.set("precision=fp16");
  EXPECT_NE(error_of(r).find("precision = fp16"), std::string::npos) << error_of(r);
  r = trace_request();
  r.scheme_set = true;
  EXPECT_NE(error_of(r).find("--scheme is for Mamba-2"), std::string::npos) << error_of(r);
  r = RunRequest();
  r.workload = Workload::load("mamba-130m");
  r.model = "somewhere";
  EXPECT_NE(error_of(r).find("--model is for --trace"), std::string::npos) << error_of(r);
}

TEST(Simulate, VcdWindowParsesOnceForEveryCaller) {
  EXPECT_EQ(parse_vcd_window("150000:200000"), std::make_pair(150000.0, 200000.0));
  for (const char* bad : {"", "5", "5:", ":5", "9:3", "-1:4", "1:2x"}) {
    EXPECT_THROW(parse_vcd_window(bad), Error) << bad;
  }
}
