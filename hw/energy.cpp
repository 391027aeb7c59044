#include "hw/energy.hpp"

#include <cmath>

#include "common/error.hpp"
#include "hw/area.hpp"

namespace ssmsim {

double op_energy_pj(Unit unit, const ArchConfig& a, bool fp16_gemm) {
  const double s = energy_scale(a);
  switch (unit) {
    case Unit::kGemm:
      return s * (a.fp16() || fp16_gemm ? a.energy.mac_fp16_pj : a.energy.mac_int8_pj);
    case Unit::kQuant: {
      const double extra = quant::se_extra(a.quantizer.mode, a.energy.quant_se_extra_pj,
                                           a.energy.quant_se_authors_extra_pj);
      return s * (a.energy.quant_op_pj + extra);
    }
    case Unit::kScan:
      return s * a.energy.scan_update_pj;
    case Unit::kHad:
      return s * a.energy.hadamard_op_pj;
    case Unit::kVec:
      return s * a.energy.vector_op_pj;
  }
  throw Error("internal: no energy entry for unit " + std::to_string(static_cast<int>(unit)));
}

double sram_byte_energy_pj(const ArchConfig& a) {
  const double ratio = static_cast<double>(a.sram.bytes) / (32.0 * 1024.0);
  return energy_scale(a) * a.energy.sram_byte_pj * std::pow(ratio, a.energy.sram_size_exponent);
}

EnergyTable::EnergyTable(const ArchConfig& a)
    : fp16_gemm_pj(op_energy_pj(Unit::kGemm, a, true)),
      sram_byte_pj(sram_byte_energy_pj(a)),
      dram_byte_pj(a.energy.dram_byte_pj) {
  for (int u = 0; u < kUnitCount; ++u)
    op_pj[static_cast<size_t>(u)] = op_energy_pj(static_cast<Unit>(u), a);
}

double static_power_mw(const ArchConfig& a) {
  return a.energy.static_mw + a.energy.leakage_mw_per_mm2 * area_of(a).total_mm2();
}

double dram_background_mw(const ArchConfig& a) {
  return a.energy.dram_channel_mw * static_cast<double>(a.dram.channels);
}

}  // namespace ssmsim
