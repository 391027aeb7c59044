// Quamba's static-scale calibration: a percentile observer folded across
// samples by an exponential moving average (SSM input and state), and a
// running-max observer (every other tensor). scale = amax / 127.
#pragma once

#include <cstddef>
#include <vector>

namespace ssmsim::quant {

// torch.quantile(v, q) with linear interpolation at q * (n - 1), including
// torch's two-sided lerp. Reorders `values` (selection, not a full sort).
double quantile_linear(float* values, size_t n, double q);
// quantile_linear of |x| (x untouched; a per-thread scratch buffer).
double abs_quantile(const float* x, size_t n, double q);

class PercentileObserver {
 public:
  // alpha in (0, 1]; momentum 0.01 is Quamba's.
  static constexpr double kQuambaMomentum = 0.01;
  explicit PercentileObserver(double alpha, double momentum = kQuambaMomentum);
  // One calibration sample: quantile(|x|, alpha), folded in by the EMA
  // amax += momentum * (cur - amax), starting at the first sample.
  void observe(const float* x, size_t n);
  bool empty() const { return samples_ == 0; }
  double amax() const { return amax_; }
  double scale() const { return amax_ / 127.0; }
  size_t samples() const { return samples_; }
  double alpha() const { return alpha_; }

 private:
  double alpha_, momentum_;
  double amax_ = 0;
  size_t samples_ = 0;
};

class MaxObserver {
 public:
  void observe(const float* x, size_t n);
  bool empty() const { return samples_ == 0; }
  double amax() const { return amax_; }
  double scale() const { return amax_ / 127.0; }

 private:
  double amax_ = 0;
  size_t samples_ = 0;
};

}  // namespace ssmsim::quant
