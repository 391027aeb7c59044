#include "hw/address_map.hpp"

#include <string>

#include "common/error.hpp"

namespace ssmsim {

AddressMap::AddressMap(const ProgramSource& program, const MemoryPlan& plan)
    : program_(program), plan_(plan), n_layer_(program.layers()) {
  // Zamba2's shared blocks' weights come first (none for other models).
  const auto n = static_cast<size_t>(n_layer_);
  weight_offset_.assign(n + 1, program.shared_weight_bytes(plan.bytes.weight));
  state_offset_.assign(n + 1, 0);
  for (size_t i = 0; i < n; ++i) {
    const auto l = static_cast<int64_t>(i);
    weight_offset_[i + 1] = weight_offset_[i] + program.layer_weight_bytes(l, plan.bytes.weight);
    state_offset_[i + 1] =
        state_offset_[i] + static_cast<uint64_t>(plan.batch) *
                               program.layer_state_bytes(l, plan.bytes, plan.kv_capacity);
  }
  // In SRAM: the slots, then the state, then the weights (as far as placed).
  uint64_t sram = kSramBase + plan_.slot_area_bytes;
  attn_block_base_ = sram;
  sram += plan_.attn_block_bytes;
  state_base_ = plan_.state_in_sram ? sram : kDramState;
  if (plan_.state_in_sram) sram += plan_.state_bytes;
  sram_weight_base_ = sram;
}

TileLayout AddressMap::tile_layout(const TileShape& shape) const {
  TileLayout t = program_.tile_layout(shape, plan_.bytes);
  if (!shape.decode) {
    const uint64_t base = plan_.activations_in_sram ? kSramBase : kDramActivations;
    for (size_t r = 0; r < t.at.size(); ++r) t.at[r] = base + t.offset[r];
    t.slot_stride = plan_.tile_footprint_bytes;
    return t;
  }
  // A decode step: one slot, its SRAM buffers packed from the slots' base,
  // the others at their offsets in DRAM's activation window.
  uint64_t sram = kSramBase;
  for (int r = 1; r <= kActivationRegions; ++r) {
    const auto i = static_cast<size_t>(r);
    if (plan_.decode_sram_regions >> r & 1u) {
      t.at[i] = sram;
      sram += t.offset[i + 1] - t.offset[i];
    } else {
      t.at[i] = kDramActivations + t.offset[i];
    }
  }
  t.slot_stride = 0;
  return t;
}

Operand AddressMap::place(const RegionRef& ref, int64_t tile, int64_t layer,
                          const TileLayout& tl) const {
  const auto ul = static_cast<uint64_t>(layer);
  uint64_t base = 0, size = 0;
  switch (ref.region) {
    case Region::kNone:
      return {0, 0};
    case Region::kWeights:
    case Region::kSharedWeights:
      return place_weights(ref, layer, false).read;
    case Region::kState:
      base = state_base_ + state_offset_[ul];
      size = state_offset_[ul + 1] - state_offset_[ul];
      break;
    case Region::kLogits:
      base = kDramLogits;
      size = kDramActivations - kDramLogits;
      break;
    default: {
      // The tile's slot: slots rotate, each as large as the largest tile.
      const auto r = static_cast<size_t>(ref.region);
      const uint64_t slot = static_cast<uint64_t>(tile % plan_.activation_slots);
      base = tl.at[r] + slot * tl.slot_stride;
      size = tl.offset[r + 1] - tl.offset[r];
    }
  }
  if (ref.region == Region::kAttnBlock) {
    // Streamed through the SRAM block: as many bytes as pass, a block at a time.
    return {attn_block_base_, ref.bytes, plan_.attn_block_bytes};
  }
  if (ref.offset + ref.bytes > size) {
    throw Error("internal: an operand of " + std::to_string(ref.bytes) + " bytes at offset " +
                std::to_string(ref.offset) + " leaves its region of " + std::to_string(size) +
                " bytes (region " + std::to_string(static_cast<int>(ref.region)) + ")");
  }
  return {base + ref.offset, ref.bytes};
}

WeightOperands AddressMap::place_weights(const RegionRef& ref, int64_t layer,
                                         bool first_use) const {
  const auto l = static_cast<size_t>(layer);
  const bool shared = ref.region == Region::kSharedWeights;
  const uint64_t offset = shared ? ref.offset : weight_offset_[l] + ref.offset;
  const uint64_t limit = shared             ? weight_offset_[0]
                         : layer < n_layer_ ? weight_offset_[l + 1]
                                            : plan_.weight_bytes;
  if (offset + ref.bytes > limit) {
    throw Error("internal: a weight operand of layer " + std::to_string(layer) +
                " leaves the layer's weights");
  }
  const Operand dram{kDramBase + offset, ref.bytes};
  if (!plan_.weights_in_sram) return {dram, {}};
  const Operand sram{sram_weight_base_ + offset, ref.bytes};
  if (first_use) return {dram, sram};
  return {sram, {}};
}

}  // namespace ssmsim
