#include "hw/energy.hpp"

#include "common/error.hpp"

namespace ssmsim {

double op_energy_pj(Unit unit, const ArchConfig& a, bool fp16_gemm) {
  switch (unit) {
    case Unit::kGemm:
      return a.fp16() || fp16_gemm ? a.energy.mac_fp16_pj : a.energy.mac_int8_pj;
    case Unit::kQuant:
      return a.energy.quant_op_pj;
    case Unit::kScan:
      return a.energy.scan_update_pj;
    case Unit::kHad:
      return a.energy.hadamard_op_pj;
    case Unit::kVec:
      return a.energy.vector_op_pj;
  }
  throw Error("internal: no energy entry for unit " + std::to_string(static_cast<int>(unit)));
}

}  // namespace ssmsim
