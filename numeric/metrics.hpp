// Quantization error of one tensor: mse, SQNR, max error, clipping and the
// soft-edge region mix. Sums are kept in double so that a 200 M-element
// trace loses nothing to accumulation order.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>

#include "numeric/quantizer.hpp"

namespace ssmsim::quant {

struct ErrorStats {
  uint64_t count = 0;
  double sum_sq_signal = 0;  // sum x^2
  double sum_sq_error = 0;   // sum (x - x_hat)^2
  double max_abs_error = 0;
  uint64_t clipped = 0;                            // int8: |x| > 127.5 s; soft-edge: saturated
  std::array<uint64_t, kSeRegionCount> regions{};  // indexed by SeRegion

  void merge(const ErrorStats& o);
  double mse() const { return count ? sum_sq_error / static_cast<double>(count) : 0.0; }
  // +inf when the error is exactly zero.
  double sqnr_db() const;
  double clipped_frac() const { return frac(clipped); }
  double region_frac(SeRegion r) const { return frac(regions[static_cast<int>(r)]); }

 private:
  double frac(uint64_t n) const { return count ? static_cast<double>(n) / count : 0.0; }
};

// Quantizes x[0..n) with the given quantizer and scale and measures the
// error against x. If out is not null it receives the dequantized values,
// if regions is not null each element's SeRegion (as uint8_t).
ErrorStats measure(QuantKind kind, const float* x, size_t n, float scale,
                   const SoftEdgeParams& se = {}, float* out = nullptr, uint8_t* regions = nullptr);

// The same with any quantizer q(x, region) -> dequantized value (the RTL
// lane's, quantizer.rtl): the same sums in the same order.
ErrorStats measure_with(const float* x, size_t n, float* out, uint8_t* regions,
                        const std::function<float(float, int32_t&)>& q);

// Error of approx[0..n) against ref[0..n) (no regions, no clipping): for
// tensors that come out of a computation rather than one quantizer.
ErrorStats compare(const float* ref, const float* approx, size_t n);

}  // namespace ssmsim::quant
