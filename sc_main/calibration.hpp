// Per-layer static scale of a trace tensor, as Quamba calibrates it: the
// percentile of |x| per sample (batch row), folded across samples by EMA.
#pragma once

#include <string>
#include <vector>

#include "model/numeric/calibration.hpp"
#include "traces/trace.hpp"

namespace ssmsim {

// Observes every batch row of `tensor` in `layer` of each trace.
quant::PercentileObserver calibrate_layer(const std::vector<const Trace*>& traces, int64_t layer,
                                          const std::string& tensor, double percentile);

// Throws Error unless `other` has the same layer shapes as `ref`.
void check_same_model(const Trace& ref, const Trace& other);

}  // namespace ssmsim
