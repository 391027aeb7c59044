// Does a checkpoint belong to a trace? A checkpoint of another model with
// the same shapes loads without complaint and gives silently wrong answers,
// so its fp32 forward is compared with the logits the trace recorded.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "io/trace.hpp"
#include "mamba/mamba2_forward.hpp"
#include "mamba/mamba_forward.hpp"

namespace ssmsim {

// A trace must come from a model of the checkpoint's shape: the same
// architecture, layers, widths, state and vocabulary (Mamba-2: heads and
// groups too). Throws Error naming both shapes otherwise. Run before the
// logits comparison below, which needs the shapes to agree.
void check_trace_shape(const ModelDims& trace, const std::string& trace_path,
                       const ModelDims& checkpoint, const std::string& model_dir);

// Relative RMS difference between the checkpoint's fp32 logits and the
// trace's act.logits over the first `tokens` tokens of batch row 0
// (a model's own trace: about 1e-3, its F16 rounding); nullopt when the
// trace has no logits.
using LogitsFn = std::function<std::vector<float>(const std::vector<int32_t>&)>;
std::optional<double> logits_mismatch(const LogitsFn& forward, const Trace& trace,
                                      int64_t tokens = 32);
std::optional<double> logits_mismatch(const MambaWeights& w, const Trace& trace,
                                      int64_t tokens = 32);

// Throws Error naming both unless they agree (relative RMS below
// kMaxLogitsMismatch); with allow, prints the measured disagreement to
// stderr instead and returns.
constexpr double kMaxLogitsMismatch = 0.05;
void check_checkpoint_matches(const LogitsFn& forward, const std::string& model_dir,
                              const Trace& trace, bool allow);
void check_checkpoint_matches(const MambaWeights& w, const std::string& model_dir,
                              const Trace& trace, bool allow);
void check_checkpoint_matches(const Mamba2Weights& w, const std::string& model_dir,
                              const Trace& trace, bool allow);

}  // namespace ssmsim
