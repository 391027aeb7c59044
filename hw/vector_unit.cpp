#include "hw/vector_unit.hpp"

#include <cmath>

namespace ssmsim {

using sc_core::sc_time;

VectorUnit::VectorUnit(sc_core::sc_module_name name, const VectorConfig& cfg,
                       const UnitContext& ctx)
    : UnitBase(name, Unit::kVec, ctx), cfg_(cfg) {}

uint64_t VectorUnit::op_cycles(const VectorConfig& v, int64_t elements, int64_t passes) {
  const auto lanes = static_cast<uint64_t>(v.lanes);
  return static_cast<uint64_t>(passes) * ((static_cast<uint64_t>(elements) + lanes - 1) / lanes) +
         static_cast<uint64_t>(v.pipeline_depth);
}

UnitBase::Work VectorUnit::work(const Command& d) const {
  Work w;
  w.busy_cycles = op_cycles(cfg_, d.elements, d.passes);
  w.elements = static_cast<uint64_t>(d.elements);
  w.arith_ops = w.elements * static_cast<uint64_t>(d.passes);
  return w;
}

}  // namespace ssmsim
