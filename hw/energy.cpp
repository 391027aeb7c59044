#include "hw/energy.hpp"

#include "common/error.hpp"

namespace ssmsim {

double op_energy_pj(const std::string& unit, const ArchConfig& a) {
  if (unit == "gemm") return a.fp16() ? a.energy.mac_fp16_pj : a.energy.mac_int8_pj;
  if (unit == "quant") return a.energy.quant_op_pj;
  if (unit == "scan") return a.energy.scan_update_pj;
  if (unit == "had") return a.energy.hadamard_op_pj;
  if (unit == "vec") return a.energy.vector_op_pj;
  throw Error("internal: no energy entry for unit '" + unit + "'");
}

}  // namespace ssmsim
