// What every layer kind's builder shares: operation constructors, the
// layer's weights handed out in order, the SSM block's first and last
// operations, and the pieces hybrids combine (pre-norm, residual, a
// feed-forward, attention). Internal to lower/.
#pragma once

#include <cstdint>
#include <string>

#include "common/error.hpp"
#include "common/model_dims.hpp"
#include "hw/program.hpp"
#include "lower/layers.hpp"

namespace ssmsim::lower {

inline uint64_t u64(int64_t v) { return static_cast<uint64_t>(v); }

// Mamba-2's quantized x: INT8 codes, and the soft-edge flag plane.
inline uint64_t xq_bytes(uint64_t elements, const ElementBytes& b) {
  return elements * b.act + (b.x_flags ? (elements + 7) / 8 : 0);
}

// Kinds built from other kinds' parts (the parallel mixer, shared blocks)
// call these.
std::vector<ProgramOp> build_ssm(const ModelDims& d, const ProgramShape& s, int64_t);
std::vector<ProgramOp> build_attention(const ModelDims& d, const ProgramShape& s, int64_t);
uint64_t ssm_weight_bytes(const ModelDims& d, uint64_t weight_bytes);
uint64_t ssm_state(const ModelDims& d, const ElementBytes& b, int64_t kv_capacity);
uint64_t attention_state(const ModelDims& d, const ElementBytes& b, int64_t kv_capacity);
uint64_t no_state(const ModelDims& d, const ElementBytes& b, int64_t kv_capacity);

struct Builder {
  const ModelDims& d;
  const ProgramShape& s;
  uint64_t next_weight = 0;  // the next weight's offset in the layer's weights
  std::vector<ProgramOp> ops;

  Builder(const ModelDims& dims, const ProgramShape& shape) : d(dims), s(shape) {}

  // Rows of the tile: its tokens of every sequence in the batch.
  int64_t rows() const { return s.tokens * s.batch; }
  static RegionRef act(Region reg, uint64_t offset, uint64_t bytes) {
    return RegionRef{reg, offset, bytes};
  }
  // What every layer kind reads and writes alike: the fp32 residual
  // stream, its RMSNorm (d_model wide), the layer's fp16 output.
  RegionRef resid() const { return act(Region::kResid, 0, u64(rows()) * u64(d.d_model) * 4); }
  RegionRef norm() const {
    return act(Region::kNorm, 0, u64(rows()) * u64(d.d_model) * s.bytes.act);
  }
  RegionRef out() const { return act(Region::kOut, 0, u64(rows()) * u64(d.d_model) * 2); }
  ProgramOp op(Unit unit, Op o) const;
  ProgramOp gemm(Op o, int64_t k, int64_t n) const;
  ProgramOp vec(Op o, int64_t elements, int64_t passes) const;
  // The next `bytes` of the layer's weights.
  RegionRef weight(uint64_t bytes);
  void push(const ProgramOp& p) { ops.push_back(p); }

  // Every SSM block starts alike: RMSNorm, in_proj (n_in columns), the
  // causal conv1d + SiLU over conv_in's channels (its window the decode
  // state's first part). The weights: `norm`, `in_proj`, `conv` bytes.
  void ssm_input(const RegionRef& resid, const RegionRef& norm, int64_t n_in,
                 const RegionRef& in_out, const RegionRef& conv_in, const RegionRef& conv_out,
                 const LayerWeights& w);
  // Every SSM block ends alike: y through the Hadamard to INT8 (w8a8),
  // out_proj, the residual add.
  void ssm_output(const RegionRef& y, const RegionRef& yq, const RegionRef& out,
                  const RegionRef& resid, uint64_t out_proj_bytes);
  // A hybrid layer starts with its pre-norm (RMSNorm of the residual) ...
  void pre_norm(const RegionRef& resid, const RegionRef& norm);
  // ... and ends with the residual add of its output.
  void residual(const RegionRef& out, const RegionRef& resid);
  // A feed-forward on `rows` rows of `in`: up (and gate) GEMM, the
  // activation, the down GEMM into `out`. `count` > 1: that many experts
  // at once, `rows` rows each (a batched GEMM per projection; their
  // weights side by side). `add`: a second input the activation's pass
  // adds to the up projection (a LoRA's output).
  void ffn(Op up_op, Op down_op, int64_t count, int64_t rows, int64_t d_ff, FfnActivation a,
           const RegionRef& in, uint64_t ffn_at, const RegionRef& out, const RegionRef& up_w,
           const RegionRef& down_w, const RegionRef& add = {});
  // Attention from qkv_proj to o_proj on `norm` (rows of k_in), into `out`;
  // `weight(bytes)` gives its weights in order (q/k/v, then the output
  // projection).
  template <typename NextWeight>
  void attention(const RegionRef& norm, int64_t k_in, NextWeight weight, const RegionRef& out);
};

template <typename NextWeight>
void Builder::attention(const RegionRef& norm, int64_t k_in, NextWeight weight,
                        const RegionRef& out) {
  const int64_t B = s.batch, T = s.tokens, R = T * B, H = d.attn_heads, KV = d.attn_kv_heads,
                hd = d.attn_head_dim, g = H / KV, ctx = s.context + T;
  const uint64_t rows = u64(R), act_b = s.bytes.act;
  if (s.context + T > s.kv_capacity) {
    throw Error("internal: attention at token " + std::to_string(ctx) +
                " past the KV cache's capacity " + std::to_string(s.kv_capacity));
  }
  const RegionRef qkv = act(Region::kQkv, 0, rows * u64(H + 2 * KV) * u64(hd) * act_b);
  const RegionRef q = act(Region::kQkv, 0, rows * u64(H * hd) * act_b);
  const RegionRef kv =
      act(Region::kQkv, rows * u64(H * hd) * act_b, rows * u64(2 * KV * hd) * act_b);
  const RegionRef o = act(Region::kAttnO, 0, rows * u64(H * hd) * act_b);
  // The scores of every query row, head and key pass through the block.
  const RegionRef scores = act(Region::kAttnBlock, 0, rows * u64(H) * u64(ctx) * 2);
  // The cache holds, token after token, every sequence's k and v (fp16).
  const uint64_t tok = kv_token_bytes(d), cache = u64(ctx) * u64(B) * tok;
  ProgramOp p = gemm(Op::kQkvProj, k_in, (H + 2 * KV) * hd);
  p.in = {norm};
  p.weight = weight(u64(k_in) * u64((H + 2 * KV) * hd) * s.bytes.weight);
  p.out = qkv;
  push(p);
  if (d.attn_rope) {
    p = vec(Op::kRope, R * (H + KV) * hd, 2);  // rotate pairs: two multiply-adds
    p.in = {act(Region::kQkv, 0, rows * u64((H + KV) * hd) * act_b)};
    p.out = p.in[0];
    push(p);
  }
  p = vec(Op::kKvAppend, R * 2 * KV * hd, 1);  // to fp16, into the cache
  p.in = {kv};
  p.out = {Region::kState, u64(s.context) * u64(B) * tok, rows * tok};
  p.order = StateOrder::kKv;
  push(p);
  // q k^T per kv head: its g query heads' rows together (grouped-query
  // attention reads each key once for the group), over every key so far;
  // the causal mask is applied in the softmax (the diagonal block is
  // computed whole, as FlashAttention does).
  p = gemm(Op::kAttnScores, hd, ctx);
  p.cmd.m = T * g, p.cmd.count = B * KV;
  p.cmd.fp16_operands = true;
  p.in = {q};
  p.weight = {Region::kState, 0, cache / 2};  // the keys
  p.out = scores;
  push(p);
  // mask, running max, exp, sum and scale (online softmax).
  p = vec(Op::kAttnSoftmax, R * H * ctx, 4);
  p.in = {scores};
  p.out = scores;
  push(p);
  p = gemm(Op::kAttnPv, ctx, hd);
  p.cmd.m = T * g, p.cmd.count = B * KV;
  p.cmd.fp16_operands = true;
  p.in = {scores};
  p.weight = {Region::kState, cache / 2, cache / 2};  // the values
  p.out = o;
  push(p);
  p = gemm(Op::kOProj, H * hd, d.d_model);
  p.in = {o};
  p.weight = weight(u64(H * hd) * u64(d.d_model) * s.bytes.weight);
  p.out = out;
  push(p);
}

}  // namespace ssmsim::lower
