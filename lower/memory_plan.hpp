// The memory plan of a run: which prefill tile, and what lives in SRAM.
// A mapping decision, so it lives with the lowering (the mapper of
// docs/timing.md grows here); the AddressMap (hw/) only places what it says.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "config/arch_config.hpp"
#include "hw/address_map.hpp"
#include "lower/lowering.hpp"

namespace ssmsim {

// Prefill tiles of up to controller.tile_tokens tokens, decode steps,
// `batch` sequences, in the architecture's SRAM. mapping.weights = resident
// that does not fit is an error naming the sizes. controller.tile_tokens =
// 0 gives the tile that moves the fewest DRAM bytes (the largest whose
// slots fit in SRAM, or the whole prompt with activations in DRAM), marked
// tile_chosen: simulate() then tries plan_candidates() by time and keeps
// this one only when none of them ran.
MemoryPlan plan_memory(const ModelLowering& m, const ArchConfig& arch, int64_t prefill_tokens,
                       int64_t decode_tokens, int64_t batch);
// The same for a model's dimensions (lowered for the call).
MemoryPlan plan_memory(const ModelDims& d, const ArchConfig& arch, int64_t prefill_tokens,
                       int64_t decode_tokens, int64_t batch);

// The plans the mapper tries, each with a lower bound of the run's time in
// ns (the weight bytes every prefill tile and decode step streams, at the
// DRAM's peak), fewest bytes first:
// - controller.tile_tokens = 0: the prefill tiles, powers of two from 8 and
//   the whole prompt. The set does not depend on the SRAM, array, bandwidth
//   or clock, so a larger configuration tries every tile a smaller one did
//   (with at least as much in SRAM). Otherwise the tile set.
// - mapping.weights = auto where the weights fit in SRAM: each tile with
//   them resident and with them streamed.
// One candidate means nothing to choose. `keep` filters tiles a run cannot
// use (Mamba-2's W8A8 data needs whole chunks).
struct TileCandidate {
  MemoryPlan plan;
  double bound_ns = 0;
};
std::vector<TileCandidate> plan_candidates(const ModelLowering& m, const ArchConfig& arch,
                                           int64_t prefill_tokens, int64_t decode_tokens,
                                           int64_t batch,
                                           const std::function<bool(int64_t)>& keep = {});

// Element sizes of the architecture's precision.
ElementBytes element_bytes(const ArchConfig& arch);

}  // namespace ssmsim
