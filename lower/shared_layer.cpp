// One invocation of Zamba2's shared transformer block: RMSNorm of
// [hidden, embedding], attention on it (2 d_model wide) back to d_model,
// RMSNorm and the gated MLP, whose up projection adds the invocation's
// LoRA (lora_a, lora_b: added in the activation's pass); then the
// invocation's own projection (shared_proj) and the residual add. The
// block's weights are read from the one shared copy; the LoRA and
// shared_proj from the layer's own.
#include "lower/builder.hpp"

namespace ssmsim {

using lower::Builder;
using lower::u64;

// One shared block (stored once, whatever its invocations): RMSNorm of
// [hidden, embedding] (2 d_model), q, k, v from it, the output projection
// to d_model, RMSNorm and the MLP.
int64_t shared_block_parameters(const ModelDims& d) {
  const int64_t dm = d.d_model;
  return 2 * dm + 2 * dm * (d.attn_heads + 2 * d.attn_kv_heads) * d.attn_head_dim +
         d.attn_heads * d.attn_head_dim * dm + dm + d.ffn_parameters(d.mlp_d_ff, d.mlp_activation);
}

uint64_t shared_block_weight_bytes(const ModelDims& d, uint64_t wb) {
  const uint64_t dm = u64(d.d_model), norms = 3 * dm;
  return norms * 2 + u64(shared_block_parameters(d)) * wb - norms * wb;
}

uint64_t shared_weight_bytes(const ModelDims& d, uint64_t wb) {
  return d.has(LayerKind::kShared) ? u64(d.shared_blocks) * shared_block_weight_bytes(d, wb) : 0;
}

namespace lower {

std::vector<ProgramOp> build_shared(const ModelDims& d, const ProgramShape& s, int64_t block) {
  Builder b(d, s);
  const int64_t R = b.rows(), F = d.mlp_d_ff, r = d.shared_lora_rank;
  const int64_t g = gated(d.mlp_activation) ? 2 : 1;
  const uint64_t rows = u64(R), dm = u64(d.d_model), act_b = s.bytes.act, wb = s.bytes.weight;
  const auto act = Builder::act;
  const RegionRef resid = b.resid();
  const RegionRef embed = act(Region::kEmbed, 0, rows * dm * 2);
  const RegionRef norm2 = act(Region::kNorm, 0, rows * 2 * dm * act_b);
  const RegionRef norm = b.norm(), out = b.out();
  uint64_t at = u64(block) * shared_block_weight_bytes(d, wb);
  const auto shared = [&](uint64_t bytes) {
    const RegionRef w{Region::kSharedWeights, at, bytes};
    at += bytes;
    return w;
  };
  ProgramOp p = b.vec(Op::kRmsNorm, R * 2 * d.d_model, 2);
  p.in = {resid, embed};
  p.weight = shared(2 * dm * 2);
  p.out = norm2;
  b.push(p);
  b.attention(norm2, 2 * d.d_model, shared, out);
  p = b.vec(Op::kRmsNorm, R * d.d_model, 2);
  p.in = {out};
  p.weight = shared(dm * 2);
  p.out = norm;
  b.push(p);
  const RegionRef up_w = shared(dm * u64(F * g) * wb);
  const RegionRef down_w = shared(u64(F) * dm * wb);
  // kFfn: the MLP's hidden rows (up and gate), the LoRA's rank-wide rows,
  // its up-width output.
  const uint64_t hidden = rows * u64(F * g) * act_b;
  const uint64_t lora_a_bytes = rows * u64(r) * act_b;
  const RegionRef lora_b_out = act(Region::kFfn, hidden + lora_a_bytes, hidden);
  if (r > 0) {
    const RegionRef lora_a_out = act(Region::kFfn, hidden, lora_a_bytes);
    p = b.gemm(Op::kLoraA, d.d_model, r);
    p.in = {norm};
    p.weight = b.weight(dm * u64(r) * wb);
    p.out = lora_a_out;
    b.push(p);
    p = b.gemm(Op::kLoraB, r, F * g);
    p.in = {lora_a_out};
    p.weight = b.weight(u64(r * F * g) * wb);
    p.out = lora_b_out;
    b.push(p);
  }
  b.ffn(Op::kFfnUp, Op::kFfnDown, 1, R, F, d.mlp_activation, norm, 0, out, up_w, down_w,
        r > 0 ? lora_b_out : RegionRef{});
  p = b.gemm(Op::kSharedProj, d.d_model, d.d_model);
  p.in = {out};
  p.weight = b.weight(dm * dm * wb);
  p.out = norm;  // free again: its rows went into the MLP
  b.push(p);
  b.residual(norm, resid);
  return std::move(b.ops);
}

// The invocation's own: its LoRA and output projection.
uint64_t shared_invocation_weight_bytes(const ModelDims& d, uint64_t wb) {
  return u64(d.layer_parameters(LayerKind::kShared)) * wb;
}

// An invocation's own: the LoRA and the output projection.
int64_t shared_parameters(const ModelDims& d) {
  const int64_t dm = d.d_model;
  return d.shared_lora_rank * (dm + (gated(d.mlp_activation) ? 2 : 1) * d.mlp_d_ff) + dm * dm;
}

int64_t shared_blocks_parameters(const ModelDims& d) {
  return d.shared_blocks * shared_block_parameters(d);
}

using Key = LayerKindKey;
constexpr LayerKindKey kSharedKeys[] = {
    {"shared_blocks", Key::Type::kInt, false, 1, 64, 1, &ModelDims::shared_blocks},
    {"shared_lora_rank", Key::Type::kInt, false, 0, 1 << 16, 0, &ModelDims::shared_lora_rank}};
// A block has attention and an MLP: their keys give its shape.
constexpr LayerKind kSharedParts[] = {LayerKind::kAttention, LayerKind::kMlp};
constexpr LayerKindModel kSharedModel{LayerKind::kShared,
                                      "shared",
                                      "G (a shared attention + MLP block)",
                                      kSharedKeys,
                                      kSharedParts,
                                      shared_parameters,
                                      shared_blocks_parameters};

// Each invocation keeps its own keys and values.
extern const LayerKindLowering kSharedLayer{&kSharedModel, build_shared,
                                            shared_invocation_weight_bytes, attention_state, true};

}  // namespace lower
}  // namespace ssmsim
