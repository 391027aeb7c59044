#include "numeric/metrics.hpp"

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
// Chunks of kChunk elements: first the quantizer (vectorisable), then the
// sums in kLanes fixed partial sums, so the order of additions -- and with
// it every figure -- is the same on every run and machine.
constexpr size_t kChunk = 512;
constexpr size_t kLanes = 4;

template <typename Q>
ErrorStats run(const float* x, size_t n, float* out, uint8_t* regions, Q q) {
  ErrorStats s;
  s.count = n;
  double sx[kLanes] = {}, se[kLanes] = {}, mx[kLanes] = {};
  float v[kChunk];
  uint8_t reg[kChunk];
  for (size_t base = 0; base < n; base += kChunk) {
    const size_t len = std::min(kChunk, n - base);
    const float* xc = x + base;
    for (size_t i = 0; i < len; ++i) {
      int32_t r;
      v[i] = q(xc[i], r);
      reg[i] = static_cast<uint8_t>(r);
    }
    if (out) std::copy(v, v + len, out + base);
    if (regions) std::copy(reg, reg + len, regions + base);
    size_t i = 0;
    for (; i + kLanes <= len; i += kLanes) {
      for (size_t l = 0; l < kLanes; ++l) {
        const double xd = xc[i + l];
        const double e = xd - static_cast<double>(v[i + l]);
        sx[l] += xd * xd;
        se[l] += e * e;
        mx[l] = std::max(mx[l], std::fabs(e));
      }
    }
    for (; i < len; ++i) {
      const double xd = xc[i];
      const double e = xd - static_cast<double>(v[i]);
      sx[0] += xd * xd;
      se[0] += e * e;
      mx[0] = std::max(mx[0], std::fabs(e));
    }
    // Counting by comparison vectorises; ++regions[reg[i]] would not.
    uint32_t c[kSeRegionCount] = {};
    for (size_t i = 0; i < len; ++i) {
      for (int k = 0; k < kSeRegionCount; ++k) c[k] += static_cast<uint32_t>(reg[i] == k);
    }
    for (int k = 0; k < kSeRegionCount; ++k) s.regions[k] += c[k];
  }
  for (size_t l = 0; l < kLanes; ++l) {
    s.sum_sq_signal += sx[l];
    s.sum_sq_error += se[l];
    s.max_abs_error = std::max(s.max_abs_error, mx[l]);
  }
  return s;
}

}  // namespace

ErrorStats measure(QuantKind kind, const float* x, size_t n, float scale, const SoftEdgeParams& p,
                   float* out, uint8_t* regions) {
  switch (kind) {
    case QuantKind::kInt8: {
      ErrorStats s = run(x, n, out, regions, [scale](float v, int32_t& r) {
        r = int8_region(v, scale);
        return dequantize_int8(quantize_int8(v, scale), scale);
      });
      s.clipped = s.regions[static_cast<int>(SeRegion::kSaturated)];
      return s;
    }
    case QuantKind::kSe: {
      const SoftEdgeCodec codec(scale, p);
      ErrorStats s =
          run(x, n, out, regions, [&codec](float v, int32_t& r) { return codec.quantize(v, r); });
      s.clipped = s.regions[static_cast<int>(SeRegion::kSaturated)];
      return s;
    }
    case QuantKind::kSeAuthors: {
      const SeAuthorsGrid grid(scale);
      ErrorStats s =
          run(x, n, out, regions, [&grid](float v, int32_t& r) { return grid.quantize(v, r); });
      s.clipped = s.regions[static_cast<int>(SeRegion::kSaturated)];
      return s;
    }
  }
  return {};
}

ErrorStats measure_with(const float* x, size_t n, float* out, uint8_t* regions,
                        const std::function<float(float, int32_t&)>& q) {
  ErrorStats s = run(x, n, out, regions, q);
  s.clipped = s.regions[static_cast<int>(SeRegion::kSaturated)];
  return s;
}

ErrorStats compare(const float* ref, const float* approx, size_t n) {
  ErrorStats e;
  e.count = n;
  for (size_t i = 0; i < n; ++i) {
    const double r = ref[i], err = r - static_cast<double>(approx[i]);
    e.sum_sq_signal += r * r;
    e.sum_sq_error += err * err;
    e.max_abs_error = std::max(e.max_abs_error, std::fabs(err));
  }
  return e;
}

}  // namespace ssmsim::quant
