#include "lower/lowering.hpp"

#include <algorithm>
#include <limits>

namespace ssmsim {

ModelLowering::ModelLowering(const ModelDims& d) : dims_(d) {
  if (d.has(LayerKind::kShared)) shared_block_ = d.shared_block_by_layer();
  std::vector<LayerKind> seen;
  for (int64_t l = 0; l < d.n_layer; ++l) {
    const LayerKind k = d.layer_kind(l);
    kind_of_.push_back(&layer_kind_lowering(k));
    if (std::find(seen.begin(), seen.end(), k) == seen.end()) {
      seen.push_back(k);
      kind_representatives_.push_back(l);
    }
  }
}

std::vector<ProgramOp> ModelLowering::layer(int64_t layer, const ProgramShape& s) const {
  const auto l = static_cast<size_t>(layer);
  const int64_t block = shared_block_.empty() ? 0 : shared_block_[l];
  return kind_of_[l]->build(dims_, s, block);
}

std::vector<ProgramOp> ModelLowering::head(const ProgramShape& s) const {
  return build_head(dims_, s);
}

int64_t ModelLowering::program_key(int64_t layer) const {
  const auto l = static_cast<size_t>(layer);
  const int64_t block = shared_block_.empty() ? 0 : shared_block_[l];
  return static_cast<int64_t>(kind_of_[l]->model->kind) * 65536 + block;
}

bool ModelLowering::reads_context(int64_t layer) const {
  return kind_of_[static_cast<size_t>(layer)]->reads_context;
}

uint64_t ModelLowering::layer_weight_bytes(int64_t layer, uint64_t wb) const {
  return kind_of_[static_cast<size_t>(layer)]->weight_bytes(dims_, wb);
}

uint64_t ModelLowering::head_weight_bytes(uint64_t wb) const {
  return ssmsim::head_weight_bytes(dims_, wb);
}

uint64_t ModelLowering::shared_weight_bytes(uint64_t wb) const {
  return ssmsim::shared_weight_bytes(dims_, wb);
}

uint64_t ModelLowering::layer_state_bytes(int64_t layer, const ElementBytes& b,
                                          int64_t kv_capacity) const {
  return kind_of_[static_cast<size_t>(layer)]->state_bytes(dims_, b, kv_capacity);
}

TileLayout ModelLowering::tile_layout(const TileShape& t, const ElementBytes& b) const {
  const LayoutKey key{t.tokens, t.batch, t.decode, b.weight, b.act, b.ssm_state, b.x_flags};
  auto it = layouts_.find(key);
  if (it != layouts_.end()) return it->second;
  // Every kind's program for this tile, and the head's on all its tokens:
  // each activation region is as large as its furthest operand.
  ProgramShape s;
  s.tokens = static_cast<int64_t>(t.tokens);
  s.batch = static_cast<int64_t>(t.batch);
  s.decode = t.decode;
  s.fp16 = b.act != 1;
  s.head_tokens = s.tokens;
  s.bytes = b;
  s.kv_capacity = std::numeric_limits<int64_t>::max() / 2;  // no keys are read
  std::array<uint64_t, kActivationRegions + 2> extent{};
  auto reach = [&](const RegionRef& r) {
    const auto i = static_cast<size_t>(r.region);
    if (r.region >= Region::kResid && r.region <= Region::kEmbed && r.region != Region::kAttnBlock)
      extent[i] = std::max(extent[i], r.offset + r.bytes);
  };
  auto reach_all = [&](const std::vector<ProgramOp>& ops) {
    for (const ProgramOp& p : ops) {
      for (const RegionRef& r : p.in) reach(r);
      reach(p.weight);
      reach(p.out);
      reach(p.state);
    }
  };
  for (int64_t l : kind_representatives_) reach_all(layer(l, s));
  reach_all(head(s));
  TileLayout tl;
  uint64_t o = 0;
  for (int r = 1; r <= kActivationRegions; ++r) {
    tl.offset[static_cast<size_t>(r)] = o;
    o += extent[static_cast<size_t>(r)];
  }
  tl.offset[kActivationRegions + 1] = o;
  tl.end = o;
  layouts_.emplace(key, tl);
  return tl;
}

uint64_t ModelLowering::region_bytes(Region r, const TileShape& t, const ElementBytes& b) const {
  const TileLayout tl = tile_layout(t, b);
  const auto i = static_cast<size_t>(r);
  return tl.offset[i + 1] - tl.offset[i];
}

}  // namespace ssmsim
