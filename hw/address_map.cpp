#include "hw/address_map.hpp"

#include <algorithm>

#include "common/error.hpp"

namespace ssmsim {

namespace {

// Activation slots live in DRAM above the weights when they do not fit;
// the decode state and the logits have their own DRAM windows.
constexpr uint64_t kDramActivations = kDramBase + (uint64_t(1) << 39);
constexpr uint64_t kDramState = kDramBase + (uint64_t(3) << 38);
constexpr uint64_t kDramLogits = kDramBase + (uint64_t(1) << 38);

}  // namespace

MemoryPlan plan_memory(const ModelDims& d, bool fp16, int64_t prefill_tokens, int64_t decode_tokens,
                       int64_t tile_tokens, int64_t batch, uint64_t sram_bytes) {
  MemoryPlan m;
  const uint64_t eb = fp16 ? 2 : 1;
  m.bytes = {eb, eb, eb};
  const auto B = static_cast<uint64_t>(batch);
  const uint64_t T =
      prefill_tokens > 0 ? static_cast<uint64_t>(std::min(prefill_tokens, tile_tokens)) : 1;
  m.tile_footprint_bytes = tile_layout(d, T * B, m.bytes).end;
  m.state_bytes = B * static_cast<uint64_t>(d.n_layer) *
                  (conv_state_bytes(d, m.bytes) + ssm_state_bytes(d, m.bytes));
  m.weight_bytes = static_cast<uint64_t>(d.n_layer) * layer_weights(d, m.bytes.weight).total() +
                   head_weight_bytes(d, m.bytes.weight);
  // Two tile slots (double buffering), then the decode state if it fits.
  m.activations_in_sram = 2 * m.tile_footprint_bytes <= sram_bytes;
  const uint64_t used = m.activations_in_sram ? 2 * m.tile_footprint_bytes : 0;
  m.state_in_sram = decode_tokens == 0 || used + m.state_bytes <= sram_bytes;
  return m;
}

AddressMap::AddressMap(const ModelDims& d, const MemoryPlan& plan)
    : dims_(d), plan_(plan), layer_weight_stride_(layer_weights(d, plan.bytes.weight).total()) {
  // In SRAM the state sits after the tile slots, if those are in SRAM too.
  const uint64_t slots = plan_.activations_in_sram ? 2 * plan_.tile_footprint_bytes : 0;
  state_base_ = plan_.state_in_sram ? kSramBase + slots : kDramState;
}

TileLayout tile_layout(const ModelDims& d, uint64_t rows, const ElementBytes& b) {
  TileLayout t;
  uint64_t o = 0;
  for (int r = 1; r <= kActivationRegions; ++r) {
    t.offset[static_cast<size_t>(r)] = o;
    o += activation_region_bytes(static_cast<Region>(r), d, rows, b);
  }
  t.end = o;
  return t;
}

Operand AddressMap::place(const RegionRef& ref, int64_t tile, int64_t layer,
                          const TileLayout& tl) const {
  const auto ul = static_cast<uint64_t>(layer);
  uint64_t base = 0;
  switch (ref.region) {
    case Region::kNone:
      return {0, 0};
    case Region::kWeights:
      base = kDramBase + ul * layer_weight_stride_;
      break;
    case Region::kState:
      base = state_base_ + ul * (plan_.state_bytes / static_cast<uint64_t>(dims_.n_layer));
      break;
    case Region::kLogits:
      base = kDramLogits;
      break;
    default: {
      // Activation slot of this tile: two slots alternate (double buffering).
      const uint64_t slot = (plan_.activations_in_sram ? kSramBase : kDramActivations) +
                            static_cast<uint64_t>(tile % 2) * tl.end;
      base = slot + tl.offset[static_cast<size_t>(ref.region)];
    }
  }
  return {base + ref.offset, ref.bytes};
}

}  // namespace ssmsim
