#include "numeric/quantizer.hpp"

#include "common/error.hpp"

namespace ssmsim::quant {

const char* region_name(SeRegion r) {
  switch (r) {
    case SeRegion::kNormal:
      return "normal";
    case SeRegion::kSmall:
      return "small";
    case SeRegion::kLarge:
      return "large";
    case SeRegion::kSaturated:
      return "saturated";
  }
  return "?";
}

void SoftEdgeParams::validate() const {
  // A flagged word spends bit 7 on the sign and bit 6 on the region.
  if (payload_bits < 1 || payload_bits > 6) {
    throw Error("soft-edge payload_bits = " + std::to_string(payload_bits) +
                ": expected 1..6 (bit 7 is the sign, bit 6 the region)");
  }
  if (small_shift < 0 || small_shift > 8) {
    throw Error("soft-edge small_shift = " + std::to_string(small_shift) + ": expected 0..8");
  }
  if (large_shift < 0 || large_shift > 8) {
    throw Error("soft-edge large_shift = " + std::to_string(large_shift) + ": expected 0..8");
  }
}

SoftEdgeCodec::SoftEdgeCodec(float scale, SoftEdgeParams p) : params_(p), scale_(scale) {
  p.validate();
  if (!(scale > 0) || !std::isfinite(scale)) {
    throw Error("soft-edge scale = " + std::to_string(scale) + ": expected a finite value > 0");
  }
  small_step_ = std::ldexp(scale, -p.small_shift);
  small_mult_ = std::ldexp(1.0f, p.small_shift);
  large_mult_ = std::ldexp(1.0f, p.large_shift);
  inv_large_mult_ = std::ldexp(1.0f, -p.large_shift);
  large_threshold_ = 127.0f + large_mult_ / 2.0f;
  small_max_ = (1 << p.payload_bits) - 1;
  large_max_k_ = 1 << p.payload_bits;
  payload_mask_ = small_max_;
}

SeAuthorsGrid::SeAuthorsGrid(float scale)
    : scale_(scale),
      quarter_(scale / 4.0f),
      quad_(4.0f * scale),
      high_limit_(15.75f * scale),
      mid_limit_(143.0f * scale) {
  if (!(scale > 0) || !std::isfinite(scale)) {
    throw Error("se-authors scale = " + std::to_string(scale) + ": expected a finite value > 0");
  }
}

const char* kind_name(QuantKind k) {
  switch (k) {
    case QuantKind::kInt8:
      return "int8";
    case QuantKind::kSe:
      return "se";
    case QuantKind::kSeAuthors:
      return "se-authors";
  }
  return "?";
}

QuantKind parse_kind(const std::string& s, const std::string& what) {
  if (s == "int8") return QuantKind::kInt8;
  if (s == "se") return QuantKind::kSe;
  if (s == "se-authors") return QuantKind::kSeAuthors;
  throw Error(what + " = '" + s + "': expected int8, se or se-authors");
}

Int8Weights quantize_weights_int8(const std::vector<float>& w, bool keep_values) {
  Int8Weights t;
  float amax = 0;
  for (float v : w) amax = std::max(amax, std::fabs(v));
  t.scale = amax > 0 ? amax / 127.0f : 1.0f;
  t.q.resize(w.size());
  for (size_t i = 0; i < w.size(); ++i)
    t.q[i] = quantize_int8(w[i], t.scale, Rounding::kHalfToEven);
  if (keep_values) {
    t.f.resize(w.size());
    for (size_t i = 0; i < w.size(); ++i) t.f[i] = dequantize_int8(t.q[i], t.scale);
  }
  return t;
}

}  // namespace ssmsim::quant
