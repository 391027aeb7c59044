// An attention layer: pre-norm, attention over the KV cache, residual.
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

extern const LayerKindLowering kAttentionLayer{LayerKind::kAttention, build_attention,
                                               attention_weight_bytes, attention_state, true};

}  // namespace lower
}  // namespace ssmsim
