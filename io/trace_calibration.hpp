// Per-layer static scale of a trace tensor, as Quamba calibrates it: the
// percentile of |x| per sample (batch row), folded across samples by EMA.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "io/trace.hpp"
#include "numeric/calibration.hpp"

namespace ssmsim {

// Observes every batch row of `tensor` in `layer` of each trace.
quant::PercentileObserver calibrate_layer(const std::vector<const Trace*>& traces, int64_t layer,
                                          const std::string& tensor, double percentile);

// Calls f on each batch row of tensor v (one calibration sample), widened to
// float in buf; the mapped pages of a row are released once f is done, so
// memory stays at one row whatever the trace's size.
void for_each_row(const Trace& t, const TensorView& v, std::vector<float>& buf,
                  const std::function<void(const float*, size_t)>& f);

// Throws Error unless `other` has the same layer shapes as `ref`.
void check_same_model(const Trace& ref, const Trace& other);

}  // namespace ssmsim
