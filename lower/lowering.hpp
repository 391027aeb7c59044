// A model lowered onto the accelerator: its layers' programs and the sizes
// of what they move, for the Controller and the AddressMap
// (hw/program.hpp's ProgramSource). Each layer's kind picks its builder
// from the registry (layers.hpp); the activation regions' sizes are not
// written anywhere: they are the extent of the operands the builders make.
#pragma once

#include <map>
#include <tuple>
#include <vector>

#include "common/model_dims.hpp"
#include "hw/program.hpp"
#include "lower/layers.hpp"

namespace ssmsim {

class ModelLowering final : public ProgramSource {
 public:
  explicit ModelLowering(const ModelDims& d);

  const ModelDims& dims() const { return dims_; }
  int64_t layers() const override { return dims_.n_layer; }
  std::vector<ProgramOp> layer(int64_t layer, const ProgramShape& s) const override;
  std::vector<ProgramOp> head(const ProgramShape& s) const override;
  int64_t program_key(int64_t layer) const override;
  bool reads_context(int64_t layer) const override;
  TileLayout tile_layout(const TileShape& t, const ElementBytes& b) const override;
  uint64_t layer_weight_bytes(int64_t layer, uint64_t weight_bytes) const override;
  uint64_t head_weight_bytes(uint64_t weight_bytes) const override;
  uint64_t shared_weight_bytes(uint64_t weight_bytes) const override;
  uint64_t layer_state_bytes(int64_t layer, const ElementBytes& b,
                             int64_t kv_capacity) const override;
  // Bytes of one activation region of a tile: the furthest any operand of
  // any of the model's layers (and the head) reaches into it.
  uint64_t region_bytes(Region r, const TileShape& t, const ElementBytes& b) const;

 private:
  ModelDims dims_;
  std::vector<const LayerKindLowering*> kind_of_;  // by layer
  std::vector<int32_t> shared_block_;              // by layer: its shared block (G layers)
  // One layer of each kind the model has (the regions' sizes take them all).
  std::vector<int64_t> kind_representatives_;
  using LayoutKey = std::tuple<uint64_t, uint64_t, bool, uint64_t, uint64_t, uint64_t, bool>;
  mutable std::map<LayoutKey, TileLayout> layouts_;
};

}  // namespace ssmsim
