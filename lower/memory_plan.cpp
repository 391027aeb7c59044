#include "lower/memory_plan.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>

#include "common/error.hpp"

namespace ssmsim {

ElementBytes element_bytes(const ArchConfig& arch) {
  const uint64_t b = arch.fp16() ? 2 : 1;
  return {b, b, b, !arch.fp16() && arch.quantizer.mode != quant::QuantKind::kInt8};
}

namespace {

std::string bytes_text(uint64_t bytes) { return std::to_string(bytes) + " bytes"; }

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

// A decode step's buffers in SRAM: the regions (a bit per Region), their
// bytes, and whether the state joins them.
struct DecodePlacement {
  uint32_t regions = 0;
  uint64_t bytes = 0;
  bool state = false;
};

// The most bytes of a decode step's buffers and the state (each read and
// written once a layer a step) that fit in `room` beside the prefill's
// slots (the phases share that area): exact over every subset (at most
// 2^14 of them), so a larger SRAM never keeps fewer bytes on chip; ties go
// to the first subset in bit order.
DecodePlacement place_decode(const TileLayout& layout, uint64_t state, bool decode,
                             uint64_t prefill_area, uint64_t room) {
  DecodePlacement best;
  if (!decode) return best;
  std::vector<std::pair<int, uint64_t>> items;  // region, bytes
  for (int r = 1; r <= kActivationRegions; ++r) {
    const uint64_t b =
        layout.offset[static_cast<size_t>(r) + 1] - layout.offset[static_cast<size_t>(r)];
    if (b > 0) items.emplace_back(r, b);
  }
  const size_t k = items.size();
  if (k > 16) throw Error("internal: place_decode: " + std::to_string(k) + " regions");
  uint64_t best_value = 0;
  for (uint32_t mask = 0; mask < (1u << (k + 1)); ++mask) {
    uint64_t act = 0;
    uint32_t regions = 0;
    for (size_t i = 0; i < k; ++i) {
      if (mask >> i & 1u) {
        act += items[i].second;
        regions |= 1u << items[i].first;
      }
    }
    const bool with_state = (mask >> k & 1u) != 0;
    const uint64_t need = std::max(prefill_area, act) + (with_state ? state : 0);
    const uint64_t value = act + (with_state ? state : 0);
    if (need <= room && value > best_value) {
      best_value = value;
      best = {regions, act, with_state};
    }
  }
  return best;
}

}  // namespace

namespace {

MemoryPlan plan_for_tile(const ModelLowering& lowering, const ArchConfig& arch, int64_t tile_tokens,
                         int64_t prefill_tokens, int64_t decode_tokens, int64_t batch) {
  const ModelDims& d = lowering.dims();
  MemoryPlan m;
  m.bytes = element_bytes(arch);
  m.tile_tokens = tile_tokens;
  m.activation_slots = arch.controller.activation_slots;
  const auto B = static_cast<uint64_t>(batch);
  const uint64_t T =
      prefill_tokens > 0 ? static_cast<uint64_t>(std::min(prefill_tokens, tile_tokens)) : 1;
  // The largest tile sets every slot's size (a partial last tile is smaller).
  m.tile_footprint_bytes = lowering.tile_layout({T, B, false}, m.bytes).end;
  m.batch = batch;
  m.kv_capacity = prefill_tokens + decode_tokens;
  m.state_bytes = 0;
  m.weight_bytes =
      lowering.head_weight_bytes(m.bytes.weight) + lowering.shared_weight_bytes(m.bytes.weight);
  for (int64_t l = 0; l < d.n_layer; ++l) {
    m.state_bytes += B * lowering.layer_state_bytes(l, m.bytes, m.kv_capacity);
    m.weight_bytes += lowering.layer_weight_bytes(l, m.bytes.weight);
  }
  const TileLayout decode_layout = lowering.tile_layout({1, B, true}, m.bytes);
  m.decode_footprint_bytes = decode_layout.end;
  const auto sram = static_cast<uint64_t>(arch.sram.bytes);
  const auto n = static_cast<uint64_t>(m.activation_slots);
  m.activations_in_sram = slots_fit(m.tile_footprint_bytes, arch, d);
  const uint64_t prefill_area =
      m.activations_in_sram && prefill_tokens > 0 ? n * m.tile_footprint_bytes : 0;
  // Attention's scores never leave the chip: their block is always in SRAM.
  m.attn_block_bytes = attn_block_bytes(d);
  if (prefill_area + m.attn_block_bytes > sram) {
    throw Error("sram.bytes = " + bytes_text(sram) + ": no room for attention's " +
                bytes_text(m.attn_block_bytes) + " scores block beside " +
                bytes_text(prefill_area) + " of activation slots");
  }
  // Decode needs the SSM state; attention needs its KV cache in prefill too.
  const uint64_t state = decode_tokens > 0 || d.has(LayerKind::kAttention) ? m.state_bytes : 0;
  const DecodePlacement p = place_decode(decode_layout, state, decode_tokens > 0, prefill_area,
                                         sram - m.attn_block_bytes);
  m.decode_sram_regions = p.regions;
  m.decode_sram_bytes = p.bytes;
  // Without decode steps, whether one would fit (the report says so).
  m.decode_activations_in_sram = decode_tokens > 0 ? p.bytes == m.decode_footprint_bytes
                                                   : slots_fit(m.decode_footprint_bytes, arch, d);
  // The phases run one after the other: their slots share the SRAM.
  m.slot_area_bytes = std::max(prefill_area, m.decode_sram_bytes);
  uint64_t used = m.slot_area_bytes + m.attn_block_bytes;
  m.state_in_sram = decode_tokens > 0 ? p.state || state == 0 : used + state <= sram;
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

MemoryPlan plan_memory(const ModelLowering& lowering, const ArchConfig& arch,
                       int64_t prefill_tokens, int64_t decode_tokens, int64_t batch) {
  const ModelDims& d = lowering.dims();
  if (arch.controller.tile_tokens > 0 || prefill_tokens == 0) {
    return plan_for_tile(lowering, arch, std::max<int64_t>(1, arch.controller.tile_tokens),
                         prefill_tokens, decode_tokens, batch);
  }
  // Auto: the largest tile whose slots fit (binary search: the footprint
  // grows with the tile), rounded down to whole array rows, against the
  // whole prompt in one tile.
  const ElementBytes eb = element_bytes(arch);
  const auto fits = [&](int64_t t) {
    return slots_fit(
        lowering.tile_layout({static_cast<uint64_t>(t), static_cast<uint64_t>(batch), false}, eb)
            .end,
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
  MemoryPlan whole =
      plan_for_tile(lowering, arch, prefill_tokens, prefill_tokens, decode_tokens, batch);
  whole.tile_chosen = true;
  if (lo == 0 || lo >= prefill_tokens) return whole;
  MemoryPlan fit = plan_for_tile(lowering, arch, lo, prefill_tokens, decode_tokens, batch);
  fit.tile_chosen = true;
  return prefill_dram_bytes(whole, d, prefill_tokens) < prefill_dram_bytes(fit, d, prefill_tokens)
             ? whole
             : fit;
}

std::vector<TileCandidate> plan_candidates(const ModelLowering& lowering, const ArchConfig& arch,
                                           int64_t prefill_tokens, int64_t decode_tokens,
                                           int64_t batch,
                                           const std::function<bool(int64_t)>& keep) {
  std::vector<TileCandidate> out;
  const ModelDims& d = lowering.dims();
  const ElementBytes eb = element_bytes(arch);
  const bool tile_auto = arch.controller.tile_tokens == 0 && prefill_tokens > 0;
  // Powers of two and the whole prompt: the same set for every SRAM, array,
  // bandwidth and clock, so a larger configuration tries every tile a
  // smaller one did, each with at least as much of its buffers in SRAM.
  std::vector<int64_t> tiles;
  if (tile_auto) {
    tiles.push_back(prefill_tokens);
    for (int64_t t = 8; t < prefill_tokens; t *= 2) tiles.push_back(t);
    std::sort(tiles.begin(), tiles.end());
    tiles.erase(std::unique(tiles.begin(), tiles.end()), tiles.end());
  } else {
    tiles.push_back(std::max<int64_t>(1, arch.controller.tile_tokens));
  }
  // Weight bytes a prefill tile of t tokens (or a decode step) reads (MoE:
  // the experts it uses), over every layer.
  std::map<std::pair<int64_t, bool>, double> tile_weights;
  const auto weights_of = [&](int64_t t, bool decode) {
    auto it = tile_weights.find({t, decode});
    if (it != tile_weights.end()) return it->second;
    ProgramShape shape;
    shape.tokens = t;
    shape.decode = decode;
    shape.batch = batch;
    shape.fp16 = arch.fp16();
    shape.hadamard_size = d.d_inner;
    shape.head_tokens = 0;
    shape.bytes = eb;
    shape.kv_capacity = prefill_tokens + decode_tokens;
    double bytes = 0;
    for (int64_t l = 0; l < d.n_layer; ++l) {
      for (const ProgramOp& op : lowering.layer(l, shape)) {
        if (op.weight.region == Region::kWeights || op.weight.region == Region::kSharedWeights) {
          bytes += static_cast<double>(op.weight.bytes);
        }
      }
    }
    return tile_weights[{t, decode}] = bytes;
  };
  const double peak_bytes_per_ns = arch.dram.bandwidth_gbps;  // GB/s = bytes per ns
  const auto add = [&](const ArchConfig& a, int64_t t) {
    TileCandidate c;
    try {
      c.plan = plan_for_tile(lowering, a, t, prefill_tokens, decode_tokens, batch);
    } catch (const Error&) {
      return false;  // a tile whose slots leave no room for what must be in SRAM
    }
    c.plan.tile_chosen = tile_auto;
    // Streamed, every tile and every decode step reads its weights;
    // resident, once (at least the first tile's or step's).
    const int64_t n = prefill_tokens > 0 ? (prefill_tokens + t - 1) / t : 0;
    const int64_t last = prefill_tokens - (n - 1) * t;
    const double step = decode_tokens > 0 ? weights_of(1, true) : 0;
    double bytes = 0;
    if (c.plan.weights_in_sram) {
      bytes = n > 0 ? weights_of(std::min(t, prefill_tokens), false) : step;
    } else {
      // (A tile is never longer than the prompt: the attention builders
      // check the tokens against the KV cache.)
      if (n > 1) bytes += static_cast<double>(n - 1) * weights_of(t, false);
      if (n > 0) bytes += weights_of(last, false);
      bytes += static_cast<double>(decode_tokens) * step;
    }
    c.bound_ns = bytes / peak_bytes_per_ns;
    out.push_back(std::move(c));
    return true;
  };
  for (int64_t t : tiles) {
    if (tile_auto && keep && !keep(t)) continue;
    if (!add(arch, t)) continue;
    // mapping.weights = auto keeps them in SRAM when they fit; streaming
    // them instead is tried too (a short run may not repay the fill).
    if (arch.mapping.weights == WeightPlacement::kAuto && out.back().plan.weights_in_sram) {
      const size_t resident = out.size() - 1;
      ArchConfig streamed = arch;
      streamed.mapping.weights = WeightPlacement::kStream;
      if (add(streamed, t))
        out[resident].plan.weights_chosen = out.back().plan.weights_chosen = true;
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const TileCandidate& a, const TileCandidate& b) {
    return a.bound_ns < b.bound_ns;
  });
  return out;
}

MemoryPlan plan_memory(const ModelDims& d, const ArchConfig& arch, int64_t prefill_tokens,
                       int64_t decode_tokens, int64_t batch) {
  return plan_memory(ModelLowering(d), arch, prefill_tokens, decode_tokens, batch);
}

}  // namespace ssmsim
