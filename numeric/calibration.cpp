#include "numeric/calibration.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "common/error.hpp"

namespace ssmsim::quant {

double quantile_linear(float* values, size_t n, double q) {
  if (n == 0) throw Error("quantile of an empty tensor");
  if (!(q >= 0.0 && q <= 1.0)) throw Error("quantile " + std::to_string(q) + ": expected 0..1");
  const double rank = q * static_cast<double>(n - 1);
  const auto below = static_cast<size_t>(rank);  // floor: rank >= 0
  const size_t above = std::min(below + 1, n - 1);
  const double w = rank - static_cast<double>(below);
  std::nth_element(values, values + below, values + n);
  const double lo = values[below];
  // The next order statistic is the smallest element after position below.
  const double hi = above == below ? lo : *std::min_element(values + below + 1, values + n);
  // torch.lerp: start + w*(end-start) for w < 0.5, else end - (end-start)*(1-w).
  return w < 0.5 ? lo + w * (hi - lo) : hi - (hi - lo) * (1.0 - w);
}

PercentileObserver::PercentileObserver(double alpha, double momentum)
    : alpha_(alpha), momentum_(momentum) {
  if (!(alpha > 0.0 && alpha <= 1.0)) {
    throw Error("percentile alpha " + std::to_string(alpha) + ": expected (0, 1]");
  }
  if (!(momentum > 0.0 && momentum <= 1.0)) {
    throw Error("EMA momentum " + std::to_string(momentum) + ": expected (0, 1]");
  }
}

double abs_quantile(const float* x, size_t n, double q) {
  // Reused from call to call: calibration takes quantiles of large tensors
  // per layer and sample, and fresh pages would be zeroed each time.
  thread_local std::vector<float> scratch;
  scratch.resize(n);
  for (size_t i = 0; i < n; ++i) scratch[i] = std::fabs(x[i]);
  return quantile_linear(scratch.data(), n, q);
}

void PercentileObserver::observe(const float* x, size_t n) {
  const double cur = abs_quantile(x, n, alpha_);
  amax_ = samples_ == 0 ? cur : amax_ + momentum_ * (cur - amax_);
  ++samples_;
}

void MaxObserver::observe(const float* x, size_t n) {
  float m = 0;
  for (size_t i = 0; i < n; ++i) m = std::max(m, std::fabs(x[i]));
  amax_ = std::max(amax_, static_cast<double>(m));
  ++samples_;
}

}  // namespace ssmsim::quant
