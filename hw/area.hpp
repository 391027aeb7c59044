// Area of the accelerator per unit, from its parameters and the area
// coefficients of ArchConfig::area (docs/area.md): what a bigger array, more
// lanes or a larger SRAM cost in silicon, and the leakage that area draws.
#pragma once

#include "config/arch_config.hpp"

namespace ssmsim {

struct AreaBreakdown {
  double gemm_mm2 = 0;      // R x C PEs: an INT8 MAC and gemm.fp16_rate of an FP16 MAC each
  double quant_mm2 = 0;     // quantizer lanes (INT8, or soft-edge: INT8 + its extra)
  double scan_mm2 = 0;      // scan lanes
  double hadamard_mm2 = 0;  // butterflies
  double vector_mm2 = 0;    // vector lanes
  double sram_mm2 = 0;      // the SRAM's capacity
  double total_mm2() const {
    return gemm_mm2 + quant_mm2 + scan_mm2 + hadamard_mm2 + vector_mm2 + sram_mm2;
  }
};

// The technology rule: coefficients are given at 45 nm; area scales with
// the square of the feature size, on-chip dynamic energy linearly (C V^2
// with C ~ L at a supply that barely scales below 45 nm). First-order:
// below 16 nm SRAM and wires shrink less than this says.
inline double area_scale(const ArchConfig& a) {
  const double f = a.area.tech_nm / 45.0;
  return f * f;
}
inline double energy_scale(const ArchConfig& a) { return a.area.tech_nm / 45.0; }

AreaBreakdown area_of(const ArchConfig& a);

}  // namespace ssmsim
