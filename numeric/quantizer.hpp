// Activation quantizers of Quamba and Quamba-SE, bit for bit as
// ../shared/spec/quantizers.md defines them. No SystemC here: the hardware
// units call this library so that the model and the reference agree.
//
// All arithmetic is fp32, as in the CUDA kernels: x / s is one float
// division, rounding is exact (no x + 0.5 tricks that misround 0.49999997).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace ssmsim::quant {

enum class Rounding { kHalfAwayFromZero, kHalfToEven };

// Values beyond this are clamped before the integer conversion; every code
// range in this library is far smaller, so the clamp never changes a result.
constexpr float kRoundLimit = 1.0e9f;

// Value selects, not std::min/max (which return references and can keep the
// vectoriser from if-converting the loops that use them).
inline float clamp_f(float v, float lo, float hi) {
  v = v < lo ? lo : v;
  return v > hi ? hi : v;
}
inline int32_t min_i32(int32_t a, int32_t b) { return a < b ? a : b; }
inline int32_t clamp_i32(int32_t v, int32_t lo, int32_t hi) {
  v = v < lo ? lo : v;
  return v > hi ? hi : v;
}

// roundf() for |v| < 2^31 (callers bound v): half away from zero.
inline int32_t round_half_away_bounded(float v) {
  int32_t i = static_cast<int32_t>(v);        // truncates toward zero
  const float f = v - static_cast<float>(i);  // exact: |v| < 2^31
  i += static_cast<int32_t>(f >= 0.5f) - static_cast<int32_t>(f <= -0.5f);
  return i;
}

// roundf(): half away from zero, any finite v. Branch-free so loops vectorise.
inline int32_t round_half_away(float v) {
  return round_half_away_bounded(clamp_f(v, -kRoundLimit, kRoundLimit));
}

// rintf() in the default rounding mode: half to even.
inline int32_t round_half_even(float v) {
  v = clamp_f(v, -kRoundLimit, kRoundLimit);
  int32_t i = static_cast<int32_t>(v);
  const float f = v - static_cast<float>(i);
  const bool odd = (i & 1) != 0;
  i += static_cast<int32_t>(f > 0.5f || (f == 0.5f && odd)) -
       static_cast<int32_t>(f < -0.5f || (f == -0.5f && odd));
  return i;
}

inline int32_t round_to_int(float v, Rounding r) {
  return r == Rounding::kHalfAwayFromZero ? round_half_away(v) : round_half_even(v);
}

// Per-tensor symmetric INT8: q = clamp(round(x / s), -128, 127).
inline int8_t quantize_int8(float x, float scale, Rounding r = Rounding::kHalfAwayFromZero) {
  return static_cast<int8_t>(clamp_i32(round_to_int(x / scale, r), -128, 127));
}
inline float dequantize_int8(int8_t q, float scale) { return static_cast<float>(q) * scale; }
// INT8's region in the reports: 3 (saturated) when the clamp cut x, |x / s|
// past 127.5; 0 otherwise (int8 has no other regions).
inline int32_t int8_region(float x, float scale) { return std::fabs(x / scale) > 127.5f ? 3 : 0; }

// A weight tensor in Quamba's W8A8: per-tensor INT8 (scale = max |w| / 127,
// round half to even), and its dequantized values where an fp32 kernel
// reads them (conv1d; or the fp32 values when weights stay fp32).
struct Int8Weights {
  std::vector<int8_t> q;
  std::vector<float> f;
  float scale = 1;
};
Int8Weights quantize_weights_int8(const std::vector<float>& w, bool keep_values);

// Where a value fell in the soft-edge code. Saturated values are outliers
// beyond the largest code (the clamp acted); they are not counted as large.
enum class SeRegion : uint8_t { kNormal = 0, kSmall = 1, kLarge = 2, kSaturated = 3 };
constexpr int kSeRegionCount = 4;
const char* region_name(SeRegion r);

// quantize(x, SeRegion*) of a quantizer that has quantize(x, int32_t&).
template <class Quantizer>
struct RegionAsEnum {
  float quantize(float x, SeRegion* region = nullptr) const {
    int32_t reg;
    const float v = static_cast<const Quantizer*>(this)->quantize(x, reg);
    if (region) *region = static_cast<SeRegion>(reg);
    return v;
  }
};

struct SoftEdgeParams {
  int small_shift = 2;   // small step = s / 2^small_shift
  int large_shift = 2;   // large step = s * 2^large_shift
  int payload_bits = 6;  // bits 5..0 of a flagged word
  // Throws ssmsim::Error naming the parameter when out of range.
  void validate() const;
};

// A soft-edge word: 8 bits plus the SE flag (9 bits on the wire).
struct SeWord {
  uint8_t flag = 0;
  uint8_t byte = 0;
  bool operator==(const SeWord& o) const { return flag == o.flag && byte == o.byte; }
};

// Quamba-SE default variant `se` as a real code:
//   flag 0: byte = two's-complement INT8 q, value q*s   (normal)
//   flag 1, bit6 0: bit7 sign, bits5..0 m, value +-m*s/4 (small)
//   flag 1, bit6 1: bit7 sign, bits5..0 k-1, value +-(127+4k)*s (large)
class SoftEdgeCodec : public RegionAsEnum<SoftEdgeCodec> {
 public:
  explicit SoftEdgeCodec(float scale, SoftEdgeParams p = {});

  SeWord encode(float x, SeRegion* region = nullptr) const {
    const float a = std::fabs(x);
    const uint8_t sign = std::signbit(x) ? 0x80u : 0u;
    const float r = a / scale_;
    const int32_t m = round_half_away(a / small_step_);
    if (m <= small_max_) {
      if (region) *region = SeRegion::kSmall;
      return {1, static_cast<uint8_t>(sign | static_cast<uint8_t>(m))};
    }
    if (r > large_threshold_) {
      const int32_t raw = round_half_away((r - 127.0f) / large_mult_);
      const int32_t k = clamp_i32(raw, 1, large_max_k_);
      if (region) *region = raw > large_max_k_ ? SeRegion::kSaturated : SeRegion::kLarge;
      return {1, static_cast<uint8_t>(sign | 0x40u | static_cast<uint8_t>(k - 1))};
    }
    if (region) *region = SeRegion::kNormal;
    return {0, static_cast<uint8_t>(quantize_int8(x, scale_))};
  }

  float decode(SeWord w) const {
    if (w.flag == 0) return dequantize_int8(static_cast<int8_t>(w.byte), scale_);
    const int32_t payload = w.byte & payload_mask_;
    const float mag = (w.byte & 0x40u) != 0
                          ? (127.0f + large_mult_ * static_cast<float>(payload + 1)) * scale_
                          : static_cast<float>(payload) * small_step_;
    return (w.byte & 0x80u) != 0 ? -mag : mag;
  }

  // decode(encode(x)) without branches or a second division, so loops over
  // it vectorise; a test checks it against encode/decode bit for bit.
  // r * 2^small_shift equals |x| / (s / 2^small_shift) exactly (power-of-2
  // scaling is exact), and x / s = -(|x| / s) for negative x.
  using RegionAsEnum<SoftEdgeCodec>::quantize;
  // The region as an integer (SeRegion's value): no conditional store, so
  // the compiler can vectorise loops over it.
  float quantize(float x, int32_t& region) const {
    const float a = std::fabs(x);
    // Bounding r once keeps every rounding below in int range; anything past
    // kRBound * s saturates either way.
    const float r = clamp_f(a / scale_, 0.0f, 1.0e6f);
    const int32_t m = round_half_away_bounded(r * small_mult_);
    // (r - 127) / 2^large_shift, as an exact multiplication.
    const int32_t raw_k = round_half_away_bounded((r - 127.0f) * inv_large_mult_);
    const int32_t k = clamp_i32(raw_k, 1, large_max_k_);
    const bool neg = std::signbit(x);
    const int32_t q = min_i32(round_half_away_bounded(r), neg ? 128 : 127);
    const bool small = m <= small_max_;
    const bool large = !small & (r > large_threshold_);  // & not &&: no branch
    const float v_small = static_cast<float>(m) * small_step_;
    const float v_large = (127.0f + large_mult_ * static_cast<float>(k)) * scale_;
    const float v_normal = static_cast<float>(q) * scale_;
    const float mag = small ? v_small : (large ? v_large : v_normal);
    // small 1, normal 0, large 2, saturated 3, as arithmetic (no branch).
    region = static_cast<int32_t>(small) +
             static_cast<int32_t>(large) * (2 + static_cast<int32_t>(raw_k > large_max_k_));
    return neg ? -mag : mag;
  }

  // The x_proj GEMM takes INT8 only: clamp(roundf(value / s), -128, 127).
  int8_t to_xproj_int8(float value) const { return quantize_int8(value, scale_); }

  float scale() const { return scale_; }
  float max_magnitude() const { return (127.0f + large_mult_ * large_max_k_) * scale_; }
  // True when the word is the one encode() gives for its own value; the
  // flag-0 words with |q| <= 15 are redundant (small codes cover them).
  bool is_canonical(SeWord w) const { return encode(decode(w)) == w; }
  const SoftEdgeParams& params() const { return params_; }

 private:
  SoftEdgeParams params_;
  float scale_;
  float small_step_;       // s / 2^small_shift
  float small_mult_;       // 2^small_shift
  float inv_large_mult_;   // 2^-large_shift
  float large_mult_;       // 2^large_shift
  float large_threshold_;  // 127 + large_mult/2, in units of s (129 by default)
  int32_t small_max_;      // 2^payload_bits - 1
  int32_t large_max_k_;    // 2^payload_bits
  int32_t payload_mask_;
};

// The Quamba-SE authors' 9-bit simulation grid (`se-authors`, "mode 5-7").
class SeAuthorsGrid : public RegionAsEnum<SeAuthorsGrid> {
 public:
  explicit SeAuthorsGrid(float scale);
  // Branch-free so loops vectorise; x / (s/4) is computed as 4 * (|x| / s),
  // which is the same float (power-of-2 scaling is exact).
  using RegionAsEnum<SeAuthorsGrid>::quantize;
  float quantize(float x, int32_t& region) const {
    // Bounded as in SoftEdgeCodec: past 1e6 s everything saturates anyway.
    const float a = clamp_f(std::fabs(x), 0.0f, 1.0e6f * scale_);
    const float r = a / scale_;
    const bool high = a <= high_limit_;
    const bool mid = !high & (a <= mid_limit_);  // & not &&: no branch
    const float v_high = high_value(min_i32(round_half_away_bounded(r * 4.0f), 63));
    const float v_mid = mid_value(clamp_i32(round_half_away_bounded(r), 16, 143));
    const int32_t raw = round_half_away_bounded((a - mid_limit_) / quad_);
    const float v_low = low_value(clamp_i32(raw, 0, 63));
    const float v = high ? v_high : (mid ? v_mid : v_low);
    // small 1, normal 0, large 2, saturated 3, as arithmetic (no branch).
    const int32_t low = static_cast<int32_t>(!high & !mid);
    region = static_cast<int32_t>(high) + low * (2 + static_cast<int32_t>(raw > 63));
    return std::signbit(x) ? -v : v;
  }
  int8_t to_xproj_int8(float value) const { return quantize_int8(value, scale_); }
  // The grid's 9-bit word, as the RTL lane (rtl/quant_lane.v, MODE 2)
  // writes it: flag 0, {sign, q - 16}; flag 1, {sign, 0, m} (high) or
  // {sign, 1, k} (low). The value quantize() gives for that point.
  float decode(SeWord w) const {
    const int32_t low6 = w.byte & 0x3f;
    const float v = w.flag == 0 ? mid_value((w.byte & 0x7f) + 16)
                                : ((w.byte & 0x40) ? low_value(low6) : high_value(low6));
    return (w.byte & 0x80) ? -v : v;
  }
  float scale() const { return scale_; }
  float high_limit() const { return high_limit_; }  // fl(15.75 s)
  float mid_limit() const { return mid_limit_; }    // fl(143 s)

 private:
  float high_value(int32_t m) const { return static_cast<float>(m) * quarter_; }
  float mid_value(int32_t q) const { return static_cast<float>(q) * scale_; }
  float low_value(int32_t k) const { return mid_limit_ + static_cast<float>(k) * quad_; }

  float scale_, quarter_, quad_, high_limit_, mid_limit_;
};

enum class QuantKind { kInt8, kSe, kSeAuthors };
const char* kind_name(QuantKind k);
// What a soft-edge lane adds over an INT8 one (area, energy, stages): the
// value for k's lane, 0 for int8.
template <class T>
T se_extra(QuantKind k, T se, T se_authors) {
  return k == QuantKind::kSe ? se : k == QuantKind::kSeAuthors ? se_authors : T{0};
}
// Parses "int8", "se" or "se-authors"; throws ssmsim::Error naming `what`.
QuantKind parse_kind(const std::string& s, const std::string& what);

}  // namespace ssmsim::quant
