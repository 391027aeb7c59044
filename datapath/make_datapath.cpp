#include "datapath/make_datapath.hpp"

#include <fmt/format.h>

#include <vector>

#include "common/error.hpp"

namespace ssmsim {

namespace {

// The run's tokens: batch row 0, the prompt then the decoded ones.
std::vector<int32_t> run_tokens(const DatapathRequest& r) {
  const std::vector<int32_t> all = r.trace->tokens();
  return std::vector<int32_t>(all.begin(), all.begin() + r.prefill_tokens + r.decode_tokens);
}

void make_w8a8_mamba2(const DatapathRequest& r, RunDatapath& dp) {
  const ArchConfig& arch = *r.arch;
  Mamba2Scales qs;
  if (!r.pipeline.scales.empty()) {
    qs = Mamba2Scales::load(r.pipeline.scales, r.weights2->dims);
    dp.scales = r.pipeline.scales;
  } else {
    qs = calibrate_scales(*r.weights2, r.trace->sequences(), r.pipeline.percentile);
    dp.scales = fmt::format("calibrated on the trace (x: p{})", r.pipeline.percentile);
  }
  Mamba2W8A8Options wo;
  wo.se = arch.quantizer.se();
  dp.pipe2 = std::make_unique<W8A8Mamba2>(*r.weights2, qs, wo);
  dp.seq2 = std::make_unique<W8A8Mamba2Sequence>(*dp.pipe2, run_tokens(r), arch.quantizer.mode,
                                                 r.pipeline.scheme, r.prefill_tokens);
  dp.quantizer =
      std::string(quant::kind_name(arch.quantizer.mode)) + "/" + scheme_name(r.pipeline.scheme);
  dp.other = std::make_unique<W8A8Mamba2Datapath>(*dp.seq2);
}

void make_w8a8_mamba1(const DatapathRequest& r, RunDatapath& dp) {
  const ArchConfig& arch = *r.arch;
  QuantScales qs;
  if (!r.pipeline.scales.empty()) {
    qs = QuantScales::load(r.pipeline.scales, r.weights->dims.n_layer);
    dp.scales = r.pipeline.scales;
  } else {
    qs = calibrate_scales(*r.weights, r.trace->sequences(), r.pipeline.percentile);
    dp.scales = fmt::format("calibrated on the trace (u: p{})", r.pipeline.percentile);
  }
  W8A8Options wo;
  wo.ssm_input = arch.quantizer.mode;
  wo.se = arch.quantizer.se();
  dp.pipe = std::make_unique<W8A8Mamba>(*r.weights, qs, wo);
  // Decode steps store the SSM state INT8 between tokens (the prompt is
  // the prefill's tokens).
  dp.seq = std::make_unique<W8A8Sequence>(*dp.pipe, run_tokens(r), wo.ssm_input, r.prefill_tokens);
  dp.quantizer = quant::kind_name(arch.quantizer.mode);
  dp.other = std::make_unique<W8A8Datapath>(*dp.seq);
}

}  // namespace

RunDatapath make_datapath(const DatapathRequest& r) {
  RunDatapath dp;
  if (r.pipeline.w8a8) {
    if (r.trace == nullptr) throw Error("--pipeline w8a8 needs --trace (its tokens)");
    if (r.checkpoint == nullptr) {
      throw Error(r.trace->path() +
                  ": --pipeline w8a8 needs the model's checkpoint: --model DIR (none "
                  "found beside the trace)");
    }
    if (r.arch->fp16()) {
      throw Error("--pipeline w8a8 computes the W8A8 datapath: precision = fp16");
    }
    const int64_t d_inner = r.trace->dims().d_inner;
    if (r.hadamard_size != d_inner) {
      throw Error(fmt::format(
          "hadamard.size = {}: --pipeline w8a8 folds one d_inner-wide transform into out_proj; "
          "use 0 or {}",
          r.hadamard_size, d_inner));
    }
    if (r.weights2) {
      make_w8a8_mamba2(r, dp);
    } else {
      make_w8a8_mamba1(r, dp);
    }
  } else if (r.trace) {
    dp.trace_data = std::make_unique<TraceDatapath>(*r.trace, r.checkpoint, *r.arch,
                                                    r.pipeline.percentile, r.hadamard_size);
  } else {
    dp.other = std::make_unique<RatesDatapath>(r.region_rates);
  }
  return dp;
}

}  // namespace ssmsim
