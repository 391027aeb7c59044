// An attention layer: pre-norm, attention over the KV cache, residual.
#include <fmt/format.h>

#include "lower/builder.hpp"

namespace ssmsim {

using lower::Builder;
using lower::u64;

uint64_t kv_token_bytes(const ModelDims& d) {
  return u64(2 * d.attn_kv_heads * d.attn_head_dim) * 2;
}

uint64_t attention_projection_bytes(const ModelDims& d, uint64_t wb) {
  return u64(d.layer_parameters(LayerKind::kAttention) - d.d_model) * wb;
}

namespace lower {

std::vector<ProgramOp> build_attention(const ModelDims& d, const ProgramShape& s, int64_t) {
  Builder b(d, s);
  const RegionRef resid = b.resid(), norm = b.norm(), out = b.out();
  b.pre_norm(resid, norm);
  b.attention(
      norm, d.d_model, [&](uint64_t bytes) { return b.weight(bytes); }, out);
  b.residual(out, resid);
  return std::move(b.ops);
}

uint64_t attention_weight_bytes(const ModelDims& d, uint64_t wb) {
  return u64(d.d_model) * 2 + attention_projection_bytes(d, wb);
}

uint64_t attention_state(const ModelDims& d, const ElementBytes&, int64_t kv_capacity) {
  return u64(kv_capacity) * kv_token_bytes(d);
}

int64_t attention_parameters(const ModelDims& d) {
  const int64_t dm = d.d_model;
  return dm + dm * (d.attn_heads + 2 * d.attn_kv_heads) * d.attn_head_dim +
         d.attn_heads * d.attn_head_dim * dm;
}

void check_attention(const ModelDims& d, const std::string& where) {
  if (d.attn_heads % d.attn_kv_heads != 0) {
    throw Error(fmt::format("{}: attn_kv_heads = {} does not divide attn_heads = {}", where,
                            d.attn_kv_heads, d.attn_heads));
  }
}

using Key = LayerKindKey;
constexpr LayerKindKey kAttentionKeys[] = {
    {"attn_heads", Key::Type::kInt, true, 1, 1 << 12, 0, &ModelDims::attn_heads},
    {"attn_kv_heads", Key::Type::kInt, true, 1, 1 << 12, 0, &ModelDims::attn_kv_heads},
    {"attn_head_dim", Key::Type::kInt, true, 1, 1 << 12, 0, &ModelDims::attn_head_dim},
    {"attn_rope", Key::Type::kBool, false, 0, 1, 0, nullptr, &ModelDims::attn_rope}};
constexpr LayerKindModel kAttentionModel{
    LayerKind::kAttention, "attention", "* (attention)", kAttentionKeys, {},
    attention_parameters,  nullptr,     check_attention};

extern const LayerKindLowering kAttentionLayer{&kAttentionModel, build_attention,
                                               attention_weight_bytes, attention_state, true};

}  // namespace lower
}  // namespace ssmsim
