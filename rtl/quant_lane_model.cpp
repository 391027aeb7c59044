#include "rtl/quant_lane_model.hpp"

#include <cmath>
#include <string>

#include "common/error.hpp"
#include "numeric/half.hpp"

#ifdef SSMSIM_HAVE_RTL
#include "Vquant_lane_int8.h"
#include "Vquant_lane_se.h"
#include "Vquant_lane_se_authors.h"
#endif

namespace ssmsim {

namespace {

// The FP16 bits of a value FP16 holds exactly; throws otherwise.
uint16_t exact_half(float f) {
  const uint32_t b = float_to_bits(f);
  const auto sign = static_cast<uint16_t>((b >> 16) & 0x8000u);
  const float a = std::fabs(f);
  if (std::isnan(f)) return 0x7e00u;
  if (std::isinf(f)) return static_cast<uint16_t>(sign | 0x7c00u);
  if (a == 0.0f) return sign;
  uint16_t h = 0;
  if (a < 6.103515625e-05f) {  // below 2^-14: an FP16 subnormal, m x 2^-24
    const float m = a * 16777216.0f;
    if (m != std::floor(m))
      h = 0xffffu;
    else
      h = static_cast<uint16_t>(sign | static_cast<uint16_t>(m));
  } else {
    const int e = static_cast<int>((b >> 23) & 0xffu) - 127 + 15;
    if (e > 30 || (b & 0x1fffu) != 0)
      h = 0xffffu;
    else
      h = static_cast<uint16_t>(sign | (e << 10) | ((b >> 13) & 0x3ffu));
  }
  if (h == 0xffffu || half_to_float(h) != f) {
    throw Error("quantizer.rtl: the element " + std::to_string(f) +
                " is not an FP16 value (the lane's input is FP16, as the traces are)");
  }
  return h;
}

}  // namespace

namespace {
void check_scale(float scale) {
  if (!(scale > 0) || !std::isfinite(scale) || !std::isnormal(scale)) {
    throw Error("quantizer.rtl: scale " + std::to_string(scale) +
                ": the lane's scale register holds a normal FP32 value > 0");
  }
}
}  // namespace

QuantLaneRegs quant_lane_regs(float scale) {
  check_scale(scale);
  return quant_lane_regs(scale, quant::SeAuthorsGrid(scale));
}

QuantLaneRegs quant_lane_regs(float scale, const quant::SeAuthorsGrid& grid) {
  check_scale(scale);
  QuantLaneRegs r;
  r.scale = float_to_bits(scale);
  const uint64_t ms = (r.scale & 0x7fffffu) | 0x800000u;
  r.recip = static_cast<uint64_t>((static_cast<unsigned __int128>(1) << 76) / ms);
  r.lim_hi = float_to_bits(grid.high_limit());
  r.lim_mid = float_to_bits(grid.mid_limit());
  return r;
}

struct RtlQuantLane::Impl {
#ifdef SSMSIM_HAVE_RTL
  Vquant_lane_se se;
  Vquant_lane_int8 int8;
  Vquant_lane_se_authors authors;
#endif
  quant::QuantKind kind = quant::QuantKind::kSe;
  float scale = 0;
  std::unique_ptr<quant::SoftEdgeCodec> codec;
  std::unique_ptr<quant::SeAuthorsGrid> grid;
};

bool RtlQuantLane::available() {
#ifdef SSMSIM_HAVE_RTL
  return true;
#else
  return false;
#endif
}

RtlQuantLane::RtlQuantLane(quant::QuantKind kind, const quant::SoftEdgeParams& se) {
  if (!available()) {
    throw Error(
        "quantizer.rtl = true: this build has no RTL model (configure with -DSSMSIM_RTL=ON "
        "and Verilator installed; Debian: apt install verilator)");
  }
  const quant::SoftEdgeParams def;
  if (se.small_shift != def.small_shift || se.large_shift != def.large_shift ||
      se.payload_bits != def.payload_bits) {
    throw Error(
        "quantizer.rtl = true: the RTL lane is built for se_small_shift 2, "
        "se_large_shift 2, se_payload_bits 6");
  }
  impl_ = std::make_unique<Impl>();
  impl_->kind = kind;
  set_scale(1.0f);
}

RtlQuantLane::~RtlQuantLane() = default;

void RtlQuantLane::set_scale(float scale) {
  // The register is written once per tensor; a run sets it per call.
  if (scale == impl_->scale) return;
  impl_->scale = scale;
  impl_->codec = std::make_unique<quant::SoftEdgeCodec>(scale);
  impl_->grid = std::make_unique<quant::SeAuthorsGrid>(scale);
#ifdef SSMSIM_HAVE_RTL
  const QuantLaneRegs regs = quant_lane_regs(scale, *impl_->grid);
  load_quant_lane_regs(impl_->se, regs);
  load_quant_lane_regs(impl_->int8, regs);
  load_quant_lane_regs(impl_->authors, regs);
#endif
}

float RtlQuantLane::quantize(float x, int32_t& region) {
  const uint16_t h = exact_half(x);
#ifdef SSMSIM_HAVE_RTL
  if (impl_->kind == quant::QuantKind::kInt8) {
    impl_->int8.x = h;
    impl_->int8.eval();
    region = quant::int8_region(x, impl_->scale);  // as quant::measure reports it
    return static_cast<float>(static_cast<int8_t>(impl_->int8.code)) * impl_->scale;
  }
  if (impl_->kind == quant::QuantKind::kSeAuthors) {
    impl_->authors.x = h;
    impl_->authors.eval();
    if (impl_->authors.invalid) throw Error("quantizer.rtl: NaN reached the quantizer stage");
    region = impl_->authors.region;
    return impl_->grid->decode(quant::SeWord{static_cast<uint8_t>(impl_->authors.flag),
                                             static_cast<uint8_t>(impl_->authors.code)});
  }
  impl_->se.x = h;
  impl_->se.eval();
  if (impl_->se.invalid) throw Error("quantizer.rtl: NaN reached the quantizer stage");
  region = impl_->se.region;
  return impl_->codec->decode(
      quant::SeWord{static_cast<uint8_t>(impl_->se.flag), static_cast<uint8_t>(impl_->se.code)});
#else
  (void)h;
  region = 0;
  return 0;
#endif
}

}  // namespace ssmsim
