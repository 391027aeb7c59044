#include "hw/address_map.hpp"

#include <algorithm>
#include <cmath>

#include "common/error.hpp"

namespace ssmsim {

namespace {

std::string bytes_text(uint64_t bytes) { return std::to_string(bytes) + " bytes"; }

ElementBytes element_bytes(const ArchConfig& arch) {
  const uint64_t b = arch.fp16() ? 2 : 1;
  return {b, b, b, !arch.fp16() && arch.quantizer.mode != quant::QuantKind::kInt8};
}

// Attention's scores block, always in SRAM (none without attention).
uint64_t attn_block_bytes(const ModelDims& d) {
  return d.has(LayerKind::kAttention) ? kAttnBlockBytes : 0;
}

// controller.activation_slots slots of `footprint` bytes fit in the SRAM
// beside attention's scores block.
bool slots_fit(uint64_t footprint, const ArchConfig& arch, const ModelDims& d) {
  return static_cast<uint64_t>(arch.controller.activation_slots) * footprint +
             attn_block_bytes(d) <=
         static_cast<uint64_t>(arch.sram.bytes);
}

}  // namespace

const char* dram_window_name(DramWindow w) {
  static constexpr const char* kNames[kDramWindows] = {"weights", "logits", "activations", "state"};
  return kNames[static_cast<int>(w)];
}

uint64_t dram_window_base(DramWindow w) {
  switch (w) {
    case DramWindow::kWeights:
      return kDramBase;
    case DramWindow::kLogits:
      return kDramLogits;
    case DramWindow::kActivations:
      return kDramActivations;
    case DramWindow::kState:
      return kDramState;
  }
  return kDramBase;
}

namespace {

MemoryPlan plan_for_tile(const ModelDims& d, const ArchConfig& arch, int64_t tile_tokens,
                         int64_t prefill_tokens, int64_t decode_tokens, int64_t batch) {
  MemoryPlan m;
  m.bytes = element_bytes(arch);
  m.tile_tokens = tile_tokens;
  m.activation_slots = arch.controller.activation_slots;
  const auto B = static_cast<uint64_t>(batch);
  const uint64_t T =
      prefill_tokens > 0 ? static_cast<uint64_t>(std::min(prefill_tokens, tile_tokens)) : 1;
  // The largest tile sets every slot's size (a partial last tile is smaller).
  m.tile_footprint_bytes = tile_layout(d, {T, B, false}, m.bytes).end;
  m.batch = batch;
  m.kv_capacity = prefill_tokens + decode_tokens;
  m.state_bytes = 0;
  m.weight_bytes = head_weight_bytes(d, m.bytes.weight) + shared_weight_bytes(d, m.bytes.weight);
  for (int64_t l = 0; l < d.n_layer; ++l) {
    m.state_bytes += B * layer_state_bytes(d, l, m.bytes, m.kv_capacity);
    m.weight_bytes += layer_weight_bytes(d, l, m.bytes.weight);
  }
  m.decode_footprint_bytes = tile_layout(d, {1, B, true}, m.bytes).end;
  const auto sram = static_cast<uint64_t>(arch.sram.bytes);
  const auto n = static_cast<uint64_t>(m.activation_slots);
  m.activations_in_sram = slots_fit(m.tile_footprint_bytes, arch, d);
  m.decode_activations_in_sram = slots_fit(m.decode_footprint_bytes, arch, d);
  // The phases run one after the other: their slots share the SRAM.
  m.slot_area_bytes = std::max(
      m.activations_in_sram && prefill_tokens > 0 ? n * m.tile_footprint_bytes : 0,
      m.decode_activations_in_sram && decode_tokens > 0 ? n * m.decode_footprint_bytes : 0);
  uint64_t used = m.slot_area_bytes;
  // Attention's scores never leave the chip: their block is always in SRAM.
  m.attn_block_bytes = attn_block_bytes(d);
  if (used + m.attn_block_bytes > sram) {
    throw Error("sram.bytes = " + bytes_text(sram) + ": no room for attention's " +
                bytes_text(m.attn_block_bytes) + " scores block beside " + bytes_text(used) +
                " of activation slots");
  }
  used += m.attn_block_bytes;
  // Decode needs the SSM state; attention needs its KV cache in prefill too.
  const uint64_t state = decode_tokens > 0 || d.has(LayerKind::kAttention) ? m.state_bytes : 0;
  m.state_in_sram = used + state <= sram;
  if (m.state_in_sram) used += state;
  const bool fit = used + m.weight_bytes <= sram;
  switch (arch.mapping.weights) {
    case WeightPlacement::kStream:
      m.weights_in_sram = false;
      break;
    case WeightPlacement::kAuto:
      m.weights_in_sram = fit;
      break;
    case WeightPlacement::kResident:
      if (!fit) {
        throw Error("mapping.weights = resident: the weights (" + bytes_text(m.weight_bytes) +
                    ") do not fit in sram.bytes = " + bytes_text(sram) + " beside " +
                    bytes_text(used) +
                    " of activation slots and state; use auto or stream, or a larger SRAM");
      }
      m.weights_in_sram = true;
      break;
  }
  if (m.weights_in_sram) used += m.weight_bytes;
  m.sram_used_bytes = used;
  return m;
}

// The prefill's DRAM bytes a plan implies, as far as the tile decides them:
// weights once per tile (once if resident), and, for activations in DRAM,
// every tile's buffers written and read once per layer.
double prefill_dram_bytes(const MemoryPlan& m, const ModelDims& d, int64_t prefill_tokens) {
  const double tiles = std::ceil(static_cast<double>(prefill_tokens) / m.tile_tokens);
  double bytes = static_cast<double>(m.weight_bytes) * (m.weights_in_sram ? 1.0 : tiles);
  if (!m.activations_in_sram) {
    bytes += 2.0 * static_cast<double>(m.tile_footprint_bytes) * tiles * d.n_layer;
  }
  return bytes;
}

}  // namespace

MemoryPlan plan_memory(const ModelDims& d, const ArchConfig& arch, int64_t prefill_tokens,
                       int64_t decode_tokens, int64_t batch) {
  if (arch.controller.tile_tokens > 0 || prefill_tokens == 0) {
    return plan_for_tile(d, arch, std::max<int64_t>(1, arch.controller.tile_tokens), prefill_tokens,
                         decode_tokens, batch);
  }
  // Auto: the largest tile whose slots fit (binary search: the footprint
  // grows with the tile), rounded down to whole array rows, against the
  // whole prompt in one tile.
  const ElementBytes eb = element_bytes(arch);
  const auto fits = [&](int64_t t) {
    return slots_fit(
        tile_layout(d, {static_cast<uint64_t>(t), static_cast<uint64_t>(batch), false}, eb).end,
        arch, d);
  };
  int64_t lo = 0, hi = prefill_tokens;
  while (lo < hi) {
    const int64_t mid = (lo + hi + 1) / 2;
    if (fits(mid)) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  const int64_t rows = arch.gemm.rows / std::max<int64_t>(1, batch);
  if (lo > rows && rows > 0) lo = lo / rows * rows;
  MemoryPlan whole = plan_for_tile(d, arch, prefill_tokens, prefill_tokens, decode_tokens, batch);
  whole.tile_chosen = true;
  if (lo == 0 || lo >= prefill_tokens) return whole;
  MemoryPlan fit = plan_for_tile(d, arch, lo, prefill_tokens, decode_tokens, batch);
  fit.tile_chosen = true;
  return prefill_dram_bytes(whole, d, prefill_tokens) < prefill_dram_bytes(fit, d, prefill_tokens)
             ? whole
             : fit;
}

AddressMap::AddressMap(const ModelDims& d, const MemoryPlan& plan) : dims_(d), plan_(plan) {
  // Zamba2's shared blocks' weights come first (none for other models).
  weight_offset_.assign(static_cast<size_t>(d.n_layer) + 1,
                        shared_weight_bytes(d, plan.bytes.weight));
  state_offset_.assign(static_cast<size_t>(d.n_layer) + 1, 0);
  for (int64_t l = 0; l < d.n_layer; ++l) {
    const auto i = static_cast<size_t>(l);
    weight_offset_[i + 1] = weight_offset_[i] + layer_weight_bytes(d, l, plan.bytes.weight);
    state_offset_[i + 1] =
        state_offset_[i] +
        static_cast<uint64_t>(plan.batch) * layer_state_bytes(d, l, plan.bytes, plan.kv_capacity);
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
  const bool decode = shape.decode;
  TileLayout t = ssmsim::tile_layout(dims_, shape, plan_.bytes);
  const bool sram = decode ? plan_.decode_activations_in_sram : plan_.activations_in_sram;
  t.slot_base = sram ? kSramBase : kDramActivations;
  t.slot_stride = decode ? plan_.decode_footprint_bytes : plan_.tile_footprint_bytes;
  return t;
}

TileLayout tile_layout(const ModelDims& d, const TileShape& shape, const ElementBytes& b) {
  TileLayout t;
  uint64_t o = 0;
  for (int r = 1; r <= kActivationRegions; ++r) {
    t.offset[static_cast<size_t>(r)] = o;
    o += activation_region_bytes(static_cast<Region>(r), d, shape, b);
  }
  t.offset[kActivationRegions + 1] = o;
  t.end = o;
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
      base = tl.slot_base + slot * tl.slot_stride + tl.offset[r];
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
  const uint64_t limit = shared                  ? weight_offset_[0]
                         : layer < dims_.n_layer ? weight_offset_[l + 1]
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
