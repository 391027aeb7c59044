#include "mamba/checkpoint_match.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iostream>

#include "common/error.hpp"

namespace ssmsim {

void check_trace_shape(const ModelDims& t, const std::string& trace_path, const ModelDims& c,
                       const std::string& model_dir) {
  const bool same = t.mamba2() == c.mamba2() && t.n_layer == c.n_layer && t.d_model == c.d_model &&
                    t.d_inner == c.d_inner && t.d_state == c.d_state &&
                    t.vocab_size == c.vocab_size &&
                    (!c.mamba2() || (t.n_heads == c.n_heads && t.n_groups == c.n_groups));
  if (same) return;
  const auto shape = [](const ModelDims& d) {
    return fmt::format("{}, n_layer {}, d_inner {}", model_arch_name(d.arch), d.n_layer, d.d_inner);
  };
  throw Error(fmt::format("{}: trace shape ({}) differs from the checkpoint {} ({})", trace_path,
                          shape(t), model_dir, shape(c)));
}

std::optional<double> logits_mismatch(const MambaWeights& w, const Trace& trace, int64_t tokens) {
  return logits_mismatch([&](const std::vector<int32_t>& t) { return MambaForward(w).prefill(t); },
                         trace, tokens);
}

std::optional<double> logits_mismatch(const LogitsFn& forward, const Trace& trace, int64_t tokens) {
  if (!trace.file().has("act.logits")) return std::nullopt;
  const int64_t L = std::min(tokens, trace.seq_len());
  const std::vector<int32_t> all = trace.tokens();
  const std::vector<int32_t> row(all.begin(), all.begin() + L);
  const std::vector<float> got = forward(row);
  const int64_t V = trace.dims().vocab_size;
  std::vector<float> want(static_cast<size_t>(L * V));
  trace.get("act.logits").to_float_finite(0, want.size(), want.data());  // row 0 comes first
  double diff = 0, ref = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    const double d = static_cast<double>(got[i]) - want[i];
    diff += d * d;
    ref += static_cast<double>(want[i]) * want[i];
  }
  return ref > 0 ? std::sqrt(diff / ref) : std::sqrt(diff);
}

void check_checkpoint_matches(const MambaWeights& w, const std::string& model_dir,
                              const Trace& trace, bool allow) {
  check_checkpoint_matches(
      [&](const std::vector<int32_t>& t) { return MambaForward(w).prefill(t); }, model_dir, trace,
      allow);
}

void check_checkpoint_matches(const Mamba2Weights& w, const std::string& model_dir,
                              const Trace& trace, bool allow) {
  check_checkpoint_matches(
      [&](const std::vector<int32_t>& t) { return Mamba2Forward(w).prefill(t); }, model_dir, trace,
      allow);
}

void check_checkpoint_matches(const LogitsFn& forward, const std::string& model_dir,
                              const Trace& trace, bool allow) {
  const std::optional<double> m = logits_mismatch(forward, trace);
  if (!m || *m < kMaxLogitsMismatch) return;
  const std::string what = fmt::format(
      "{}: this checkpoint's fp32 logits differ from {}'s act.logits by {:.3g} (relative RMS "
      "over its first tokens; a model's own trace agrees to about 1e-3): the trace was not "
      "dumped from this checkpoint",
      model_dir, trace.path(), *m);
  if (!allow) throw Error(what + "; pass --allow-mismatch to use it anyway");
  std::cerr << "warning: " << what << " (--allow-mismatch)\n";
}

}  // namespace ssmsim
