// Where every region of the layer program lies, decided once before the
// run from the memory plan (lower/memory_plan.hpp decides it) inside the
// address space of memory_map.hpp.
// One place derives every operand's address: a region's parts (x and z of
// in_proj's output, dt and B/C of x_proj's) are offsets inside it, and an
// operand that leaves its region is an error, not a read of a neighbour.
//
// SRAM holds, in this order and as far as each fits: the tile activation
// slots (controller.activation_slots of the largest tile's footprint), the
// decode state, and the weights (mapping.weights). What does not fit lives
// in DRAM: weights layer after layer, then the head's; activation slots,
// state and logits in windows of their own.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "hw/memory_map.hpp"
#include "hw/program.hpp"

namespace ssmsim {

// What a run keeps where, and how big it is.
// A prefill tile the mapper tried (controller.tile_tokens = 0): a lower
// bound of the run's time from its DRAM bytes, and the time a simulation
// of it took (< 0: not simulated, its bound was above the fastest).
struct TileTrial {
  int64_t tile_tokens = 0;
  bool weights_in_sram = false;
  double bound_ns = 0;
  double simulated_ns = -1;
};

struct MemoryPlan {
  int64_t tile_tokens = 1;             // prefill tile (controller.tile_tokens, or chosen: auto)
  bool tile_chosen = false;            // controller.tile_tokens = 0: the plan chose it
  bool weights_chosen = false;         // mapping.weights = auto, fitting: chosen by time
  std::vector<TileTrial> tile_trials;  // what the choice considered (auto)
  int64_t activation_slots = 2;
  bool activations_in_sram = true;
  bool state_in_sram = true;
  bool weights_in_sram = false;       // resident: read from DRAM once, at first use
  uint64_t tile_footprint_bytes = 0;  // one slot: the largest tile's activation buffers
  // Decode steps (one token per sequence, one step at a time) use one slot
  // of their own size: each of its buffers in SRAM or DRAM, as many bytes
  // of them in SRAM as fit beside the state (decode_sram_regions: a bit per
  // Region), even if the prefill's spill to DRAM.
  bool decode_activations_in_sram = true;  // all of them
  uint64_t decode_footprint_bytes = 0;
  uint32_t decode_sram_regions = 0;
  uint64_t decode_sram_bytes = 0;  // of the footprint, in SRAM
  uint64_t slot_area_bytes = 0;    // SRAM taken by the slots of either phase
  uint64_t attn_block_bytes = 0;   // attention's scores block (SRAM, before the state)
  uint64_t state_bytes = 0;        // conv + SSM state (decode) and KV caches of all layers
  int64_t kv_capacity = 0;         // tokens an attention layer's KV cache holds
  int64_t batch = 1;
  uint64_t weight_bytes = 0;     // all weights (layers and head)
  uint64_t sram_used_bytes = 0;  // what the plan places in SRAM
  ElementBytes bytes;            // element sizes of the precision
};

// Where a weight operand is read from, and where the first use also writes
// it (its SRAM copy, resident weights only; 0 bytes otherwise).
struct WeightOperands {
  Operand read, fill;
};

class AddressMap {
 public:
  // `program` must outlive the map.
  AddressMap(const ProgramSource& program, const MemoryPlan& plan);
  // A prefill tile's or a decode step's layout, in its phase's slots.
  TileLayout tile_layout(const TileShape& shape) const;
  // The operand of `ref` for a tile (slot tile % activation_slots) and layer
  // (n_layer: the head). Throws if the operand leaves its region.
  Operand place(const RegionRef& ref, int64_t tile, int64_t layer, const TileLayout& tl) const;
  // A weight operand; `first_use` fills the SRAM copy of resident weights.
  WeightOperands place_weights(const RegionRef& ref, int64_t layer, bool first_use) const;

 private:
  const ProgramSource& program_;
  MemoryPlan plan_;
  int64_t n_layer_ = 0;
  // Where each layer's weights and state start (n_layer + 1 entries: the
  // last is the end; the head's weights follow the layers').
  std::vector<uint64_t> weight_offset_, state_offset_;
  uint64_t state_base_ = 0;
  uint64_t attn_block_base_ = 0;
  uint64_t sram_weight_base_ = 0;
};

}  // namespace ssmsim
