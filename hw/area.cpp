#include "hw/area.hpp"

namespace ssmsim {

AreaBreakdown area_of(const ArchConfig& a) {
  const double um2 = 1e-6 * area_scale(a);  // um2 at 45 nm -> mm2 at tech_nm
  const AreaConfig& c = a.area;
  AreaBreakdown b;
  const double pe = c.int8_mac_um2 + a.gemm.fp16_rate * c.fp16_mac_um2;
  b.gemm_mm2 = static_cast<double>(a.gemm.rows * a.gemm.cols) * pe * um2;
  // The fp16 baseline has no quantizer stage; soft-edge lanes add their
  // classification and select to an INT8 lane (the RTL's synthesis).
  if (!a.fp16()) {
    const double extra =
        quant::se_extra(a.quantizer.mode, c.se_lane_extra_um2, c.se_authors_lane_extra_um2);
    b.quant_mm2 = static_cast<double>(a.quantizer.lanes) * (c.quant_lane_um2 + extra) * um2;
    b.hadamard_mm2 = static_cast<double>(a.hadamard.lanes) * c.hadamard_lane_um2 * um2;
  }
  b.scan_mm2 = static_cast<double>(a.scan.lanes) * c.scan_lane_um2 * um2;
  b.vector_mm2 = static_cast<double>(a.vector.lanes) * c.vector_lane_um2 * um2;
  b.sram_mm2 = static_cast<double>(a.sram.bytes) / (1 << 20) * c.sram_mm2_per_mib * area_scale(a);
  return b;
}

}  // namespace ssmsim
