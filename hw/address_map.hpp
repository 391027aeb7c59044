// Where every region of the layer program lies, decided once before the
// run: DRAM at 0, SRAM at kSramBase (the interconnect routes by address).
// Weights stay in DRAM, layer after layer, then the head's. A tile's
// activation buffers fill one of two slots (double buffering), in SRAM when
// two fit; the decode state follows the slots in SRAM if it fits too.
#pragma once

#include <array>
#include <cstdint>

#include "hw/program.hpp"

namespace ssmsim {

constexpr uint64_t kDramBase = 0;
constexpr uint64_t kSramBase = uint64_t(1) << 40;

// What a run keeps where, and how big it is.
struct MemoryPlan {
  bool activations_in_sram = true;
  bool state_in_sram = true;
  uint64_t tile_footprint_bytes = 0;  // one tile's activation buffers
  uint64_t state_bytes = 0;           // conv + SSM state of all layers (decode)
  uint64_t weight_bytes = 0;          // all weights, in DRAM
  ElementBytes bytes;                 // element sizes of the precision
};

// The memory plan of a run: prefill tiles of up to `tile_tokens` tokens,
// decode steps, `batch` sequences, in an SRAM of `sram_bytes`.
MemoryPlan plan_memory(const ModelDims& d, bool fp16, int64_t prefill_tokens, int64_t decode_tokens,
                       int64_t tile_tokens, int64_t batch, uint64_t sram_bytes);

// Offsets of a tile's activation buffers inside its slot, for `rows` rows.
struct TileLayout {
  std::array<uint64_t, kActivationRegions + 1> offset{};  // by Region (kResid = 1)
  uint64_t end = 0;                                       // the slot's size
};

TileLayout tile_layout(const ModelDims& d, uint64_t rows, const ElementBytes& b);

class AddressMap {
 public:
  AddressMap(const ModelDims& d, const MemoryPlan& plan);
  TileLayout tile_layout(uint64_t rows) const {
    return ssmsim::tile_layout(dims_, rows, plan_.bytes);
  }
  // The operand of `ref` for a tile (slot tile % 2) and layer (n_layer: the head).
  Operand place(const RegionRef& ref, int64_t tile, int64_t layer, const TileLayout& tl) const;

 private:
  ModelDims dims_;
  MemoryPlan plan_;
  uint64_t layer_weight_stride_ = 0;
  uint64_t state_base_ = 0;
};

}  // namespace ssmsim
