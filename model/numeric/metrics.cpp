#include "model/numeric/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ssmsim::quant {

void ErrorStats::merge(const ErrorStats& o) {
  count += o.count;
  sum_sq_signal += o.sum_sq_signal;
  sum_sq_error += o.sum_sq_error;
  max_abs_error = std::max(max_abs_error, o.max_abs_error);
  clipped += o.clipped;
  for (int i = 0; i < kSeRegionCount; ++i) regions[i] += o.regions[i];
}

double ErrorStats::sqnr_db() const {
  if (sum_sq_error == 0) return std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(sum_sq_signal / sum_sq_error);
}

namespace {

// One loop for every quantizer: q(x, &region) gives the dequantized value.
template <typename Q>
ErrorStats run(const float* x, size_t n, float* out, Q q) {
  ErrorStats s;
  s.count = n;
  double sx = 0, se = 0, mx = 0;
  for (size_t i = 0; i < n; ++i) {
    SeRegion r = SeRegion::kNormal;
    const float v = q(x[i], &r);
    if (out) out[i] = v;
    const double xd = x[i];
    const double e = xd - static_cast<double>(v);
    sx += xd * xd;
    se += e * e;
    mx = std::max(mx, std::fabs(e));
    ++s.regions[static_cast<int>(r)];
  }
  s.sum_sq_signal = sx;
  s.sum_sq_error = se;
  s.max_abs_error = mx;
  return s;
}

}  // namespace

ErrorStats measure(QuantKind kind, const float* x, size_t n, float scale, const SoftEdgeParams& p,
                   float* out) {
  switch (kind) {
    case QuantKind::kInt8: {
      const float clip = 127.5f;
      ErrorStats s = run(x, n, out, [scale, clip](float v, SeRegion* r) {
        // Region kSaturated marks a clipped element; int8 has no other regions.
        *r = std::fabs(v / scale) > clip ? SeRegion::kSaturated : SeRegion::kNormal;
        return dequantize_int8(quantize_int8(v, scale), scale);
      });
      s.clipped = s.regions[static_cast<int>(SeRegion::kSaturated)];
      return s;
    }
    case QuantKind::kSe: {
      const SoftEdgeCodec codec(scale, p);
      ErrorStats s =
          run(x, n, out, [&codec](float v, SeRegion* r) { return codec.quantize(v, r); });
      s.clipped = s.regions[static_cast<int>(SeRegion::kSaturated)];
      return s;
    }
    case QuantKind::kSeAuthors: {
      const SeAuthorsGrid grid(scale);
      ErrorStats s = run(x, n, out, [&grid](float v, SeRegion* r) { return grid.quantize(v, r); });
      s.clipped = s.regions[static_cast<int>(SeRegion::kSaturated)];
      return s;
    }
  }
  return {};
}

}  // namespace ssmsim::quant
