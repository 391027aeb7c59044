#include "sim/run_aggregate.hpp"

#include "common/error.hpp"

namespace ssmsim {

RunAggregate::RunAggregate(const ArchConfig& arch, int64_t n_layer)
    : arch_(arch),
      per_(static_cast<size_t>(n_layer + 1)),
      per_layer_(static_cast<size_t>(n_layer + 1)) {}

void RunAggregate::add(const OpRecord& r) {
  if (r.layer < 0 || r.layer >= layers()) {
    throw Error("internal: an operation of layer " + std::to_string(r.layer) + " in a model of " +
                std::to_string(layers() - 1) + " layers");
  }
  const Energy e = op_energy(r, arch_);
  per_[static_cast<size_t>(r.layer)][static_cast<size_t>(r.unit)].add(r, e);
  per_layer_[static_cast<size_t>(r.layer)].add(r, e);
  per_unit_[static_cast<size_t>(r.unit)].add(r, e);
  energy_.add(e);
  ++ops_;
  if (r.unit == Unit::kGemm) {
    gemm_.push_back({r.op, r.layer, r.tile, r.M, r.N, r.K, r.compute_cycles, r.busy_cycles,
                     r.stall_cycles, r.start_cycle, r.end_cycle});
  }
}

}  // namespace ssmsim
