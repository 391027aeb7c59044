// Vector unit: what a Mamba block needs besides GEMMs and the scan --
// RMSNorm (2 passes), causal depthwise conv1d (d_conv MACs) + SiLU, the gate
// y * SiLU(z) (2 passes), the residual add. `lanes` operations per cycle:
//   cycles = passes * ceil(elements / lanes) + pipeline_depth
// The gate computes on real data (the scan's output and the trace's z).
#pragma once

#include "config/arch_config.hpp"
#include "hw/unit_base.hpp"

namespace ssmsim {

class VectorUnit : public UnitBase {
 public:
  VectorUnit(sc_core::sc_module_name name, const VectorConfig& cfg, const UnitContext& ctx);
  static uint64_t op_cycles(const VectorConfig& v, int64_t elements, int64_t passes);

 protected:
  Work work(const Command& d) const override;

 private:
  VectorConfig cfg_;
};

}  // namespace ssmsim
