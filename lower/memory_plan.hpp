// The memory plan of a run: which prefill tile, and what lives in SRAM.
// A mapping decision, so it lives with the lowering (the mapper of
// docs/timing.md grows here); the AddressMap (hw/) only places what it says.
#pragma once

#include <cstdint>

#include "config/arch_config.hpp"
#include "hw/address_map.hpp"
#include "lower/lowering.hpp"

namespace ssmsim {

// Prefill tiles of up to controller.tile_tokens tokens, decode steps,
// `batch` sequences, in the architecture's SRAM. mapping.weights = resident
// that does not fit is an error naming the sizes. controller.tile_tokens =
// 0 chooses the tile that moves the fewest DRAM bytes: the largest whose
// slots fit in SRAM (a multiple of the array's rows when it can be), or
// the whole prompt with activations in DRAM when re-reading the streamed
// weights for every tile would cost more than spilling the activations
// (docs/timing.md).
MemoryPlan plan_memory(const ModelLowering& m, const ArchConfig& arch, int64_t prefill_tokens,
                       int64_t decode_tokens, int64_t batch);
// The same for a model's dimensions (lowered for the call).
MemoryPlan plan_memory(const ModelDims& d, const ArchConfig& arch, int64_t prefill_tokens,
                       int64_t decode_tokens, int64_t batch);

// Element sizes of the architecture's precision.
ElementBytes element_bytes(const ArchConfig& arch);

}  // namespace ssmsim
