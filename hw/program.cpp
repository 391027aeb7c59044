#include "hw/program.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "common/error.hpp"

namespace ssmsim {

namespace {
uint64_t u64(int64_t v) { return static_cast<uint64_t>(v); }
}  // namespace

LayerWeights layer_weights(const ModelDims& d, uint64_t wb) {
  const uint64_t D = u64(d.d_inner), dm = u64(d.d_model), N = u64(d.d_state), r = u64(d.dt_rank),
                 k = u64(d.d_conv), cd = u64(d.conv_dim());
  LayerWeights w{};
  w.norm = dm * 2;
  w.conv = cd * k * 2 + cd * 2;
  w.out_proj = dm * D * wb;
  if (d.mamba2()) {
    const uint64_t H = u64(d.n_heads), GN = u64(d.n_groups) * N;
    w.in_proj = (2 * D + 2 * GN + H) * dm * wb;  // z, xBC, dt
    w.scan_params = 3 * H * 4;                   // fp32 dt_bias, A (from A_log), D
    w.gate_norm = D * 2;
    return w;
  }
  w.in_proj = 2 * D * dm * wb;
  w.x_proj = (r + 2 * N) * D * wb;
  w.dt_proj = D * r * wb + D * 2;
  w.scan_params = D * N * 4 + D * 4;
  return w;
}

uint64_t head_weight_bytes(const ModelDims& d, uint64_t wb) {
  return static_cast<uint64_t>(d.d_model * 2) +
         static_cast<uint64_t>(d.vocab_size * d.d_model) * wb;
}

uint64_t kv_token_bytes(const ModelDims& d) {
  return u64(2 * d.attn_kv_heads * d.attn_head_dim) * 2;
}

namespace {
uint64_t ffn_weight_bytes(const ModelDims& d, int64_t d_ff, FfnActivation a, uint64_t wb) {
  return u64(d.ffn_parameters(d_ff, a)) * wb;
}
}  // namespace

uint64_t layer_weight_bytes(const ModelDims& d, int64_t layer, uint64_t wb) {
  const uint64_t dm = u64(d.d_model), norm = dm * 2;
  switch (d.layer_kind(layer)) {
    case LayerKind::kAttention:
      return norm + u64(d.layer_parameters(LayerKind::kAttention) - d.d_model) * wb;
    case LayerKind::kMlp:
      return norm + ffn_weight_bytes(d, d.mlp_d_ff, d.mlp_activation, wb);
    case LayerKind::kMoe:
      return norm + dm * u64(d.moe_experts) * wb +
             u64(d.moe_experts) * ffn_weight_bytes(d, d.moe_d_ff, d.moe_activation, wb) +
             ffn_weight_bytes(d, d.moe_shared_d_ff, d.moe_activation, wb);
    case LayerKind::kParallel:  // the SSM's, then attention's projections
      return layer_weights(d, wb).total() +
             u64(d.layer_parameters(LayerKind::kAttention) - d.d_model) * wb;
    case LayerKind::kShared:  // the invocation's LoRA and output projection
      return u64(d.layer_parameters(LayerKind::kShared)) * wb;
    case LayerKind::kSsm:
      break;
  }
  return layer_weights(d, wb).total();
}

uint64_t shared_block_weight_bytes(const ModelDims& d, uint64_t wb) {
  const uint64_t dm = u64(d.d_model), norms = 3 * dm;
  return norms * 2 + u64(d.shared_block_parameters()) * wb - norms * wb;
}

uint64_t shared_weight_bytes(const ModelDims& d, uint64_t wb) {
  return d.has(LayerKind::kShared) ? u64(d.shared_blocks) * shared_block_weight_bytes(d, wb) : 0;
}

uint64_t layer_state_bytes(const ModelDims& d, int64_t layer, const ElementBytes& b,
                           int64_t kv_capacity) {
  switch (d.layer_kind(layer)) {
    case LayerKind::kSsm:
      return conv_state_bytes(d, b) + ssm_state_bytes(d, b);
    case LayerKind::kAttention:
      return u64(kv_capacity) * kv_token_bytes(d);
    case LayerKind::kParallel:  // the SSM's state, then the KV cache
      return conv_state_bytes(d, b) + ssm_state_bytes(d, b) + u64(kv_capacity) * kv_token_bytes(d);
    case LayerKind::kShared:  // each invocation keeps its own keys and values
      return u64(kv_capacity) * kv_token_bytes(d);
    default:
      return 0;
  }
}

int64_t expected_experts(const ModelDims& d, int64_t rows) {
  const double E = static_cast<double>(d.moe_experts), k = static_cast<double>(d.moe_top_k);
  const double used = E * (1.0 - std::pow(1.0 - k / E, static_cast<double>(rows)));
  // One token uses exactly top_k: no rounding up of float noise.
  return std::min(d.moe_experts,
                  std::max(d.moe_top_k, static_cast<int64_t>(std::ceil(used - 1e-9))));
}

ExpertRows expert_rows(const ModelDims& d, int64_t rows) {
  ExpertRows e;
  e.used = expected_experts(d, rows);
  e.rows_each = (rows * d.moe_top_k + e.used - 1) / e.used;
  return e;
}

uint64_t conv_state_bytes(const ModelDims& d, const ElementBytes& b) {
  // The conv window holds in_proj's x outputs (Mamba-2: x, B and C).
  return u64((d.d_conv - 1) * d.conv_dim()) * b.act;
}

uint64_t ssm_state_bytes(const ModelDims& d, const ElementBytes& b) {
  // Mamba-2: heads x head_dim x d_state = d_inner x d_state as well.
  return u64(d.d_inner * d.d_state) * b.ssm_state;
}

SsdChunks ssd_chunks(const ModelDims& d, int64_t tokens) {
  SsdChunks c;
  if (!d.mamba2() || tokens <= 0) return c;
  c.q = std::min(d.chunk_size, tokens);
  c.nc = (tokens + c.q - 1) / c.q;
  return c;
}

namespace {

// Mamba-2's quantized x: INT8 codes, and the soft-edge flag plane.
uint64_t xq_bytes(uint64_t elements, const ElementBytes& b) {
  return elements * b.act + (b.x_flags ? (elements + 7) / 8 : 0);
}

uint64_t mamba2_region_bytes(Region r, const ModelDims& d, const TileShape& t,
                             const ElementBytes& b) {
  const uint64_t R = t.rows(), D = u64(d.d_inner), dm = u64(d.d_model), N = u64(d.d_state),
                 H = u64(d.n_heads), GN = u64(d.n_groups) * N, cd = u64(d.conv_dim());
  const bool w8a8 = b.act == 1;
  const SsdChunks c = t.decode ? SsdChunks{} : ssd_chunks(d, static_cast<int64_t>(t.tokens));
  const uint64_t q = u64(c.q), padded = t.batch * u64(c.nc) * q;  // padded rows
  switch (r) {
    case Region::kResid:
      return R * dm * 4;
    case Region::kNorm:
      return R * dm * b.act;
    case Region::kXZ:
      return R * (2 * D + 2 * GN + H) * b.act;
    case Region::kU:
      return R * cd * 2;
    case Region::kDtBC:  // the quantized x, B and C (w8a8 only)
      return w8a8 ? xq_bytes(R * D, b) + R * 2 * GN : 0;
    case Region::kDt:  // fp32 delta and dA (cumulated per chunk in prefill)
      return R * H * 4 * 2;
    case Region::kY:
      return R * D * 2;
    case Region::kYq:
      return w8a8 ? R * D : 0;
    case Region::kOut:
      return R * dm * 2;
    case Region::kScores:
      return padded * u64(d.n_groups) * q * 2;
    case Region::kSsdA:
      return padded * H * (q + N) * 2 + padded * D * 2;
    case Region::kStates:
      return t.batch * u64(c.nc) * D * N * 4;
    default:
      throw Error("internal: region " + std::to_string(static_cast<int>(r)) +
                  " is not an activation buffer");
  }
}

}  // namespace

namespace {

// The kFfn region of a layer with an MLP, for R rows: the hidden rows (the
// up and gate outputs), then for a shared block the LoRA's rank-wide rows
// and its up-width output (both 0 wide without shared blocks). One layout
// for the region's size and the shared block's program.
struct FfnLayout {
  uint64_t hidden = 0, lora_a = 0, lora_b = 0;
  FfnLayout(const ModelDims& d, uint64_t R, uint64_t act_bytes) {
    const uint64_t g = gated(d.mlp_activation) ? 2 : 1;
    hidden = R * u64(d.mlp_d_ff) * g * act_bytes;
    if (d.has(LayerKind::kShared))
      lora_a = R * u64(d.shared_lora_rank) * act_bytes, lora_b = hidden;
  }
  uint64_t lora_a_at() const { return hidden; }
  uint64_t lora_b_at() const { return hidden + lora_a; }
  uint64_t total() const { return hidden + lora_a + lora_b; }
};

// The regions of a hybrid's other layer kinds (0 for a model without them).
uint64_t hybrid_region_bytes(Region r, const ModelDims& d, const TileShape& t,
                             const ElementBytes& b) {
  const uint64_t R = t.rows(), dm = u64(d.d_model);
  const bool attn = d.has(LayerKind::kAttention);
  const uint64_t H = u64(d.attn_heads), KV = u64(d.attn_kv_heads), hd = u64(d.attn_head_dim);
  switch (r) {
    case Region::kQkv:
      return attn ? R * (H + 2 * KV) * hd * b.act : 0;
    case Region::kAttnO:
      return attn ? R * H * hd * b.act : 0;
    case Region::kAttnBlock:
      return 0;  // not in the tile's slot: a fixed SRAM block (AddressMap)
    case Region::kEmbed:
      return d.has(LayerKind::kShared) ? R * dm * 2 : 0;
    case Region::kFfn: {
      uint64_t mlp = 0, moe = 0;
      if (d.has(LayerKind::kMlp)) mlp = FfnLayout(d, R, b.act).total();
      if (d.has(LayerKind::kMoe)) {
        // Router logits, every routed row's up (and gate) output and its
        // down output, and the shared expert's rows.
        const uint64_t g = gated(d.moe_activation) ? 2 : 1;
        const uint64_t rows = u64(expert_rows(d, static_cast<int64_t>(R)).routed());
        moe = R * u64(d.moe_experts) * 2 + rows * u64(d.moe_d_ff) * g * b.act + rows * dm * 2 +
              R * u64(d.moe_shared_d_ff) * g * b.act + R * dm * 2;
      }
      return std::max(mlp, moe);
    }
    default:
      throw Error("internal: region " + std::to_string(static_cast<int>(r)) +
                  " is not a hybrid activation buffer");
  }
}

}  // namespace

uint64_t activation_region_bytes(Region r, const ModelDims& d, const TileShape& t,
                                 const ElementBytes& b) {
  if (r >= Region::kQkv && r <= Region::kEmbed) return hybrid_region_bytes(r, d, t, b);
  // RMSNorm's output; a shared block normalises [hidden, embedding]: twice the width.
  if (r == Region::kNorm) {
    return t.rows() * u64(d.d_model) * b.act * (d.has(LayerKind::kShared) ? 2 : 1);
  }
  if (d.mamba2()) return mamba2_region_bytes(r, d, t, b);
  const uint64_t rows = t.rows();
  const auto D = static_cast<uint64_t>(d.d_inner), dm = static_cast<uint64_t>(d.d_model),
             N = static_cast<uint64_t>(d.d_state), dr = static_cast<uint64_t>(d.dt_rank);
  switch (r) {
    case Region::kResid:
      return rows * dm * 4;
    case Region::kNorm:
      return rows * dm * b.act;
    case Region::kXZ:
      return rows * 2 * D * b.act;
    case Region::kU:
      return rows * D * 2;
    case Region::kDtBC:
      return rows * (dr + 2 * N) * b.act;
    case Region::kDt:
      return rows * D * 2;
    case Region::kY:
      return rows * D * 2;
    case Region::kYq:
      return b.act == 1 ? rows * D : 0;  // w8a8 only
    case Region::kOut:
      return rows * dm * 2;
    case Region::kScores:
    case Region::kSsdA:
    case Region::kStates:
      return 0;  // Mamba-2 only
    default:
      throw Error("internal: region " + std::to_string(static_cast<int>(r)) +
                  " is not an activation buffer");
  }
}

namespace {

// What both builders share: operation constructors, the layer's weights in
// LayerWeights order, and the head.
struct Builder {
  const ModelDims& d;
  const ProgramShape& s;
  LayerWeights w;
  uint64_t wo = 0;  // the next weight's offset in the layer's weights
  BlockProgram prog;

  Builder(const ModelDims& dims, const ProgramShape& shape)
      : d(dims), s(shape), w(layer_weights(dims, shape.bytes.weight)) {}

  static RegionRef act(Region reg, uint64_t offset, uint64_t bytes) {
    return RegionRef{reg, offset, bytes};
  }
  ProgramOp op(Unit unit, Op o) const {
    ProgramOp p;
    p.unit = unit;
    p.cmd.op = o;
    p.cmd.tokens = s.tokens;
    p.cmd.decode = s.decode;
    return p;
  }
  ProgramOp gemm(Op o, int64_t k, int64_t n) const {
    ProgramOp p = op(Unit::kGemm, o);
    p.cmd.m = s.tokens * s.batch, p.cmd.k = k, p.cmd.n = n;
    return p;
  }
  ProgramOp vec(Op o, int64_t elements, int64_t passes) const {
    ProgramOp p = op(Unit::kVec, o);
    p.cmd.elements = elements, p.cmd.passes = passes;
    return p;
  }
  // The next `bytes` of the layer's weights.
  RegionRef weight(uint64_t bytes) {
    const RegionRef ref{Region::kWeights, wo, bytes};
    wo += bytes;
    return ref;
  }

  // Every SSM block starts alike: RMSNorm, in_proj (n_in columns), the
  // causal conv1d + SiLU over conv_in's channels (its window the decode
  // state's first part).
  void input(const RegionRef& resid, const RegionRef& norm, int64_t n_in, const RegionRef& in_out,
             const RegionRef& conv_in, const RegionRef& conv_out) {
    const int64_t dm = d.d_model, R = s.tokens * s.batch;
    ProgramOp p = vec(Op::kRmsNorm, R * dm, 2);
    p.in = {resid};
    p.weight = weight(w.norm);
    p.out = norm;
    prog.layer.push_back(p);
    p = gemm(Op::kInProj, dm, n_in);
    p.in = {norm};
    p.weight = weight(w.in_proj);
    p.out = in_out;
    prog.layer.push_back(p);
    p = vec(Op::kConv1dSilu, R * d.conv_dim(), d.d_conv + 1);  // d_conv MACs, then SiLU
    p.in = {conv_in};
    p.weight = weight(w.conv);
    p.out = conv_out;
    if (s.decode) p.state = {Region::kState, 0, u64(s.batch) * conv_state_bytes(d, s.bytes)};
    p.order = StateOrder::kConv;
    prog.layer.push_back(p);
  }

  // Every SSM block ends alike: y through the Hadamard to INT8 (w8a8),
  // out_proj, the residual add; then the head.
  void output(const RegionRef& y, const RegionRef& yq, const RegionRef& out,
              const RegionRef& resid) {
    const int64_t D = d.d_inner, dm = d.d_model, R = s.tokens * s.batch;
    if (!s.fp16) {
      ProgramOp p = op(Unit::kHad, Op::kHadamard);
      p.cmd.channels = s.batch * D, p.cmd.hadamard_block = s.hadamard_size;
      p.in = {y};
      p.out = yq;
      prog.layer.push_back(p);
    }
    ProgramOp p = gemm(Op::kOutProj, D, dm);
    p.in = {s.fp16 ? y : yq};
    p.weight = weight(w.out_proj);
    p.out = out;
    prog.layer.push_back(p);
    p = vec(Op::kResidual, R * dm, 1);
    p.in = {out, resid};
    p.out = resid;
    prog.layer.push_back(p);
    head();
  }

  // Head: final RMSNorm and lm_head on the tile's last head_tokens tokens
  // of every sequence (the embedding lookup is a gather).
  void head() {
    if (s.head_tokens <= 0) return;
    const uint64_t uR = u64(s.tokens * s.batch), dm = u64(d.d_model), ab = s.bytes.act;
    const int64_t H = s.head_tokens * s.batch;
    const uint64_t uH = u64(H);
    wo = 0;
    ProgramOp p = vec(Op::kFinalNorm, H * d.d_model, 2);
    p.cmd.tokens = s.head_tokens;
    p.in = {act(Region::kResid, (uR - uH) * dm * 4, uH * dm * 4)};
    p.weight = weight(dm * 2);
    p.out = act(Region::kNorm, 0, uH * dm * ab);
    prog.head.push_back(p);
    p = gemm(Op::kLmHead, d.d_model, d.vocab_size);
    p.cmd.tokens = s.head_tokens;
    p.cmd.m = H;
    p.in = {act(Region::kNorm, 0, uH * dm * ab)};
    p.weight = weight(u64(d.vocab_size) * dm * s.bytes.weight);
    p.out = {Region::kLogits, 0, uH * u64(d.vocab_size) * 2};  // fp16, off chip
    prog.head.push_back(p);
  }
};

}  // namespace

BlockProgram build_program(const ModelDims& d, const ProgramShape& s) {
  return d.mamba2() ? build_mamba2_program(d, s) : build_mamba1_program(d, s);
}

BlockProgram build_mamba1_program(const ModelDims& d, const ProgramShape& s) {
  const int64_t D = d.d_inner, dm = d.d_model, N = d.d_state, r = d.dt_rank;
  const int64_t B = s.batch, R = s.tokens * B;  // rows: tokens of every sequence in the batch
  const uint64_t uR = u64(R), uB = u64(B), uD = u64(D), udm = u64(dm), uN = u64(N), ur = u64(r);
  const uint64_t ab = s.bytes.act;
  Builder b(d, s);
  const LayerWeights& w = b.w;
  // Every operand is a part of one region (region_parts in address_map.cpp
  // lays the parts out): in_proj writes x then z, x_proj dt then B and C.
  const auto act = Builder::act;
  const RegionRef resid = act(Region::kResid, 0, uR * udm * 4);
  const RegionRef norm = act(Region::kNorm, 0, uR * udm * ab);
  const RegionRef x = act(Region::kXZ, 0, uR * uD * ab);
  const RegionRef z = act(Region::kXZ, uR * uD * ab, uR * uD * ab);
  const RegionRef u = act(Region::kU, 0, uR * uD * 2);
  const RegionRef dt_low = act(Region::kDtBC, 0, uR * ur * ab);
  const RegionRef bc = act(Region::kDtBC, uR * ur * ab, uR * 2 * uN * ab);
  const RegionRef dt = act(Region::kDt, 0, uR * uD * 2);
  const RegionRef y = act(Region::kY, 0, uR * uD * 2);
  const RegionRef yq = act(Region::kYq, 0, uR * uD);
  const RegionRef out = act(Region::kOut, 0, uR * udm * 2);

  std::vector<ProgramOp>& L = b.prog.layer;
  b.input(resid, norm, 2 * D, act(Region::kXZ, 0, uR * 2 * uD * ab), x, u);
  ProgramOp p;

  if (!s.fp16) {  // the fp16 baseline feeds x_proj and the scan with fp16 u
    p = b.op(Unit::kQuant, Op::kSsmInQuant);
    p.cmd.elements = R * D;
    p.in = {u};
    L.push_back(p);
  }

  p = b.gemm(Op::kXProj, D, r + 2 * N);
  if (s.fp16) {
    p.in = {u};
  } else {
    p.cmd.input_from_link = true;
  }
  p.weight = b.weight(w.x_proj);
  p.out = act(Region::kDtBC, 0, uR * (ur + 2 * uN) * ab);
  L.push_back(p);

  p = b.gemm(Op::kDtProj, r, D);
  p.in = {dt_low};
  p.weight = b.weight(w.dt_proj);
  p.out = dt;
  L.push_back(p);

  // The scan: B * d_inner independent channels of d_state each; u comes on
  // the quantizer's link (w8a8) or from memory (fp16).
  p = b.op(Unit::kScan, Op::kScan);
  p.cmd.channels = B * D, p.cmd.d_state = N;
  p.in = {dt, bc};
  if (s.fp16) p.in[2] = u;
  p.weight = b.weight(w.scan_params);
  p.out = y;
  if (s.decode) {
    p.state = {Region::kState, uB * conv_state_bytes(d, s.bytes), uB * ssm_state_bytes(d, s.bytes)};
  }
  p.order = StateOrder::kScan;
  L.push_back(p);

  p = b.vec(Op::kGate, R * D, 2);  // y * SiLU(z), in place
  p.in = {y, z};
  p.out = y;
  L.push_back(p);

  b.output(y, yq, out, resid);
  return std::move(b.prog);
}

BlockProgram build_mamba2_program(const ModelDims& d, const ProgramShape& s) {
  const int64_t D = d.d_inner, N = d.d_state, H = d.n_heads, P = d.head_dim, G = d.n_groups,
                GN = G * N, CD = d.conv_dim();
  const int64_t B = s.batch, R = s.tokens * B;
  const uint64_t uR = u64(R), uB = u64(B), uD = u64(D), uH = u64(H), uGN = u64(GN), uCD = u64(CD),
                 ab = s.bytes.act;
  const bool w8a8 = !s.fp16;
  Builder b(d, s);
  const LayerWeights& w = b.w;
  const auto act = Builder::act;
  const TileShape shape{u64(s.tokens), uB, s.decode};
  auto region = [&](Region r) { return act(r, 0, activation_region_bytes(r, d, shape, s.bytes)); };
  // in_proj writes z, xBC, dt (the checkpoint's column order); the conv
  // writes fp16 x, B, C; the quantizers INT8 x (+ flags), B, C.
  const RegionRef resid = region(Region::kResid), norm = region(Region::kNorm);
  const RegionRef z = act(Region::kXZ, 0, uR * uD * ab);
  const RegionRef xbc = act(Region::kXZ, uR * uD * ab, uR * uCD * ab);
  const RegionRef dt_raw = act(Region::kXZ, uR * (uD + uCD) * ab, uR * uH * ab);
  const RegionRef u = region(Region::kU);
  const RegionRef u_x = act(Region::kU, 0, uR * uD * 2);
  const RegionRef u_b = act(Region::kU, uR * uD * 2, uR * uGN * 2);
  const RegionRef u_c = act(Region::kU, uR * (uD + uGN) * 2, uR * uGN * 2);
  const uint64_t xq = xq_bytes(uR * uD, s.bytes);
  const RegionRef q_x = act(Region::kDtBC, 0, xq);
  const RegionRef q_bc = act(Region::kDtBC, xq, uR * 2 * uGN);
  const RegionRef q_b = act(Region::kDtBC, xq, uR * uGN);
  const RegionRef q_c = act(Region::kDtBC, xq + uR * uGN, uR * uGN);
  // The SSD's inputs: INT8 in w8a8, the conv's fp16 in the baseline.
  const RegionRef x_in = w8a8 ? q_x : u_x, b_in = w8a8 ? q_b : u_b, c_in = w8a8 ? q_c : u_c;
  const RegionRef dts = region(Region::kDt);
  const RegionRef dA = act(Region::kDt, uR * uH * 4, uR * uH * 4);
  const RegionRef y = region(Region::kY), yq = region(Region::kYq), out = region(Region::kOut);

  std::vector<ProgramOp>& L = b.prog.layer;
  b.input(resid, norm, 2 * D + 2 * GN + H, region(Region::kXZ), xbc, u);
  ProgramOp p;

  if (w8a8) {
    // x through the SSM-input quantizer (soft-edge or INT8) to memory: the
    // SSD reads it three times (chunk state, chunk scan, D x).
    p = b.op(Unit::kQuant, Op::kSsmInQuant);
    p.cmd.elements = R * D;
    p.in = {u_x};
    p.out = q_x;
    L.push_back(p);
    p = b.vec(Op::kBcQuant, R * 2 * GN, 1);  // B and C: static per-group INT8 scales
    p.in = {act(Region::kU, uR * uD * 2, uR * 2 * uGN * 2)};
    p.out = q_bc;
    L.push_back(p);
  }

  // dt_bias and A (fp32 per head), then D; the gated norm's gains follow.
  const RegionRef dt_params = b.weight(2 * uH * 4);
  const RegionRef d_and_gains = b.weight(uH * 4 + w.gate_norm);
  // delta = softplus(dt + bias), dA = delta A: prefill cumulates dA over
  // each chunk (4 passes), decode takes exp(dA) (3 passes).
  p = b.vec(Op::kChunkCumsum, R * H, s.decode ? 3 : 4);
  p.in = {dt_raw};
  p.weight = dt_params;
  p.out = dts;
  L.push_back(p);

  const uint64_t state_at = uB * conv_state_bytes(d, s.bytes);
  if (s.decode) {
    // One token per sequence: the recurrence over heads x head_dim x d_state
    // on the scan unit, the state through memory.
    p = b.op(Unit::kScan, Op::kSsdStep);
    p.cmd.channels = B * D, p.cmd.d_state = N;
    p.in = {dts, x_in, w8a8 ? q_bc : act(Region::kU, uR * uD * 2, uR * 2 * uGN * 2)};
    p.out = y;
    p.state = {Region::kState, state_at, uB * ssm_state_bytes(d, s.bytes)};
    p.order = StateOrder::kScan;
    L.push_back(p);
  } else {
    const SsdChunks c = ssd_chunks(d, s.tokens);
    const int64_t q = c.q, nc = c.nc;
    const uint64_t uq = u64(q), padded = uB * u64(nc) * uq;
    const RegionRef scores = region(Region::kScores);
    const RegionRef ssd_a = act(Region::kSsdA, 0, padded * uH * (uq + u64(N)) * 2);
    const RegionRef xd = act(Region::kSsdA, padded * uH * (uq + u64(N)) * 2, padded * uD * 2);
    const RegionRef states = region(Region::kStates);
    // bmm_chunk: C B^T per chunk and group, both INT8 with one scale each:
    // an exact INT8 GEMM.
    p = b.gemm(Op::kBmmChunk, N, q);
    p.cmd.m = q, p.cmd.count = B * G * nc;
    p.cmd.fp16_operands = s.fp16;
    p.in = {c_in};
    p.weight = b_in;
    p.out = scores;
    L.push_back(p);
    // ssd_decay on the vector unit: per head and chunk the causal decay
    // mask exp(cum_t - cum_s) times the scores, C times exp(cum_t), and x
    // times exp(cum_end - cum_t) (an exp and a multiply per element).
    p = b.vec(Op::kSsdDecay, B * nc * q * (H * (q + N) + D), 2);
    p.in = {scores, dA, c_in, x_in};
    p.out = region(Region::kSsdA);
    L.push_back(p);
    // chunk_state: each chunk's final state, states[P, N] = xd^T[P, q] B[q, N]
    // per head (fp16: the decays are not INT8). Heads of a group share B,
    // which stays in the array's weight buffer: read once.
    p = b.gemm(Op::kChunkState, q, N);
    p.cmd.m = P, p.cmd.count = B * H * nc;
    p.cmd.fp16_operands = true;
    p.in = {xd};
    p.weight = b_in;
    p.out = states;
    L.push_back(p);
    // state_passing: the recurrence over chunks, s_c = exp(dA_c) s_{c-1} +
    // state_c, on the scan unit (B x heads x head_dim channels of d_state);
    // the state leaving the tile stays in the unit for the next tile.
    p = b.op(Unit::kScan, Op::kStatePassing);
    p.cmd.channels = B * D, p.cmd.d_state = N, p.cmd.steps = nc;
    p.in = {states, dA};
    p.out = states;
    p.order = StateOrder::kScan;
    L.push_back(p);
    // chunk_scan: y[q, P] = [masked scores | decayed C][q, q + N] x [x ; s]
    // per head and chunk: one GEMM of K = q + N, fp16.
    p = b.gemm(Op::kChunkScan, q + N, P);
    p.cmd.m = q, p.cmd.count = B * H * nc;
    p.cmd.fp16_operands = true;
    p.in = {ssd_a, states};
    p.weight = x_in;
    p.out = y;
    L.push_back(p);
  }

  // y + D x, times SiLU(z), RMSNorm per group of d_inner / n_groups, gains.
  p = b.vec(Op::kGatedNorm, R * D, 5);
  p.in = {y, z, x_in};
  p.weight = d_and_gains;
  p.out = y;
  L.push_back(p);

  b.output(y, yq, out, resid);
  return std::move(b.prog);
}

namespace {

// A hybrid layer starts with its pre-norm: RMSNorm of the residual.
void pre_norm(Builder& b, const RegionRef& resid, const RegionRef& norm) {
  const int64_t R = b.s.tokens * b.s.batch;
  ProgramOp p = b.vec(Op::kRmsNorm, R * b.d.d_model, 2);
  p.in = {resid};
  p.weight = b.weight(u64(b.d.d_model) * 2);
  p.out = norm;
  b.prog.layer.push_back(p);
}

// ... and ends with the residual add of its output.
void residual(Builder& b, const RegionRef& out, const RegionRef& resid) {
  ProgramOp p = b.vec(Op::kResidual, b.s.tokens * b.s.batch * b.d.d_model, 1);
  p.in = {out, resid};
  p.out = resid;
  b.prog.layer.push_back(p);
}

// A feed-forward on `rows` rows of `in`: up (and gate) GEMM, the
// activation, the down GEMM into `out`; its weights next in the layer's.
// `count` > 1: that many experts at once, `rows` rows each (a batched GEMM
// per projection; their weights side by side).
// `add`: a second input the activation's pass adds to the up projection
// (a LoRA's output).
void ffn(Builder& b, Op up_op, Op down_op, int64_t count, int64_t rows, int64_t d_ff,
         FfnActivation a, const RegionRef& in, uint64_t ffn_at, const RegionRef& out,
         const RegionRef& up_w, const RegionRef& down_w, const RegionRef& add = {}) {
  const uint64_t ab = b.s.bytes.act, g = gated(a) ? 2 : 1;
  const uint64_t n_rows = u64(count * rows);
  const RegionRef h = Builder::act(Region::kFfn, ffn_at, n_rows * u64(d_ff) * g * ab);
  const RegionRef h_act = Builder::act(Region::kFfn, ffn_at, n_rows * u64(d_ff) * ab);
  ProgramOp p = b.gemm(up_op, b.d.d_model, d_ff * static_cast<int64_t>(g));
  p.cmd.m = rows, p.cmd.count = count;
  p.in = {in};
  p.weight = up_w;
  p.out = h;
  b.prog.layer.push_back(p);
  // relu2: max and square; swiglu: SiLU (exp, divide) of the gate times up.
  p = b.vec(Op::kFfnAct, count * rows * d_ff, gated(a) ? 3 : 2);
  p.in = {h, add};
  p.out = h_act;
  b.prog.layer.push_back(p);
  p = b.gemm(down_op, d_ff, b.d.d_model);
  p.cmd.m = rows, p.cmd.count = count;
  p.in = {h_act};
  p.weight = down_w;
  p.out = out;
  b.prog.layer.push_back(p);
}

// Attention from qkv_proj to o_proj on `norm` (rows of k_in), into `out`;
// `weight(bytes)` gives its weights in order (q/k/v, then the output
// projection).
template <typename NextWeight>
void attention_core(Builder& b, const RegionRef& norm, int64_t k_in, NextWeight weight,
                    const RegionRef& out) {
  const ModelDims& d = b.d;
  const ProgramShape& s = b.s;
  const int64_t B = s.batch, T = s.tokens, R = T * B, H = d.attn_heads, KV = d.attn_kv_heads,
                hd = d.attn_head_dim, g = H / KV, ctx = s.context + T;
  const uint64_t uR = u64(R), uB = u64(B), dm = u64(d.d_model), ab = s.bytes.act;
  if (s.context + T > s.kv_capacity) {
    throw Error("internal: attention at token " + std::to_string(ctx) +
                " past the KV cache's capacity " + std::to_string(s.kv_capacity));
  }
  const auto act = Builder::act;
  const RegionRef qkv = act(Region::kQkv, 0, uR * u64(H + 2 * KV) * u64(hd) * ab);
  const RegionRef q = act(Region::kQkv, 0, uR * u64(H * hd) * ab);
  const RegionRef kv = act(Region::kQkv, uR * u64(H * hd) * ab, uR * u64(2 * KV * hd) * ab);
  const RegionRef o = act(Region::kAttnO, 0, uR * u64(H * hd) * ab);
  // The scores of every query row, head and key pass through the block.
  const RegionRef scores = act(Region::kAttnBlock, 0, uR * u64(H) * u64(ctx) * 2);
  // The cache holds, token after token, every sequence's k and v (fp16).
  const uint64_t tok = kv_token_bytes(d);
  std::vector<ProgramOp>& L = b.prog.layer;
  ProgramOp p = b.gemm(Op::kQkvProj, k_in, (H + 2 * KV) * hd);
  p.in = {norm};
  p.weight = weight(u64(k_in) * u64((H + 2 * KV) * hd) * s.bytes.weight);
  p.out = qkv;
  L.push_back(p);
  if (d.attn_rope) {
    p = b.vec(Op::kRope, R * (H + KV) * hd, 2);  // rotate pairs: two multiply-adds
    p.in = {act(Region::kQkv, 0, uR * u64((H + KV) * hd) * ab)};
    p.out = p.in[0];
    L.push_back(p);
  }
  p = b.vec(Op::kKvAppend, R * 2 * KV * hd, 1);  // to fp16, into the cache
  p.in = {kv};
  p.out = {Region::kState, u64(s.context) * uB * tok, uR * tok};
  p.order = StateOrder::kKv;
  L.push_back(p);
  // q k^T per kv head: its g query heads' rows together (grouped-query
  // attention reads each key once for the group), over every key so far;
  // the causal mask is applied in the softmax (the diagonal block is
  // computed whole, as FlashAttention does).
  p = b.gemm(Op::kAttnScores, hd, ctx);
  p.cmd.m = T * g, p.cmd.count = B * KV;
  p.cmd.fp16_operands = true;
  p.in = {q};
  p.weight = {Region::kState, 0, u64(ctx) * uB * tok / 2};  // the keys
  p.out = scores;
  L.push_back(p);
  // mask, running max, exp, sum and scale (online softmax).
  p = b.vec(Op::kAttnSoftmax, R * H * ctx, 4);
  p.in = {scores};
  p.out = scores;
  L.push_back(p);
  p = b.gemm(Op::kAttnPv, ctx, hd);
  p.cmd.m = T * g, p.cmd.count = B * KV;
  p.cmd.fp16_operands = true;
  p.in = {scores};
  p.weight = {Region::kState, u64(ctx) * uB * tok / 2, u64(ctx) * uB * tok / 2};  // the values
  p.out = o;
  L.push_back(p);
  p = b.gemm(Op::kOProj, H * hd, d.d_model);
  p.in = {o};
  p.weight = weight(u64(H * hd) * dm * s.bytes.weight);
  p.out = out;
  L.push_back(p);
}

BlockProgram build_attention_program(const ModelDims& d, const ProgramShape& s) {
  const uint64_t uR = u64(s.tokens * s.batch), dm = u64(d.d_model);
  Builder b(d, s);
  const RegionRef resid = Builder::act(Region::kResid, 0, uR * dm * 4);
  const RegionRef norm = Builder::act(Region::kNorm, 0, uR * dm * s.bytes.act);
  const RegionRef out = Builder::act(Region::kOut, 0, uR * dm * 2);
  pre_norm(b, resid, norm);
  attention_core(
      b, norm, d.d_model, [&](uint64_t bytes) { return b.weight(bytes); }, out);
  residual(b, out, resid);
  return std::move(b.prog);
}

// One invocation of Zamba2's shared transformer block `block`: RMSNorm of
// [hidden, embedding], attention on it (2 d_model wide) back to d_model,
// RMSNorm and the gated MLP, whose up projection adds the invocation's
// LoRA (lora_a, lora_b: added in the activation's pass); then the
// invocation's own projection (shared_proj) and the residual add. The
// block's weights are read from the one shared copy; the LoRA and
// shared_proj from the layer's own.
BlockProgram build_shared_program(const ModelDims& d, const ProgramShape& s, int64_t block) {
  const int64_t R = s.tokens * s.batch, F = d.mlp_d_ff, r = d.shared_lora_rank;
  const int64_t g = gated(d.mlp_activation) ? 2 : 1;
  const uint64_t uR = u64(R), dm = u64(d.d_model), ab = s.bytes.act, wb = s.bytes.weight;
  Builder b(d, s);
  const auto act = Builder::act;
  const RegionRef resid = act(Region::kResid, 0, uR * dm * 4);
  const RegionRef embed = act(Region::kEmbed, 0, uR * dm * 2);
  const RegionRef norm2 = act(Region::kNorm, 0, uR * 2 * dm * ab);
  const RegionRef norm = act(Region::kNorm, 0, uR * dm * ab);
  const RegionRef out = act(Region::kOut, 0, uR * dm * 2);
  uint64_t at = u64(block) * shared_block_weight_bytes(d, wb);
  const auto shared = [&](uint64_t bytes) {
    const RegionRef w{Region::kSharedWeights, at, bytes};
    at += bytes;
    return w;
  };
  std::vector<ProgramOp>& L = b.prog.layer;
  ProgramOp p = b.vec(Op::kRmsNorm, R * 2 * d.d_model, 2);
  p.in = {resid, embed};
  p.weight = shared(2 * dm * 2);
  p.out = norm2;
  L.push_back(p);
  attention_core(b, norm2, 2 * d.d_model, shared, out);
  p = b.vec(Op::kRmsNorm, R * d.d_model, 2);
  p.in = {out};
  p.weight = shared(dm * 2);
  p.out = norm;
  L.push_back(p);
  const RegionRef up_w = shared(dm * u64(F * g) * wb);
  const RegionRef down_w = shared(u64(F) * dm * wb);
  const FfnLayout ffn_at(d, uR, ab);
  const RegionRef lora_b_out = act(Region::kFfn, ffn_at.lora_b_at(), ffn_at.lora_b);
  if (r > 0) {
    const RegionRef lora_a_out = act(Region::kFfn, ffn_at.lora_a_at(), ffn_at.lora_a);
    p = b.gemm(Op::kLoraA, d.d_model, r);
    p.in = {norm};
    p.weight = b.weight(dm * u64(r) * wb);
    p.out = lora_a_out;
    L.push_back(p);
    p = b.gemm(Op::kLoraB, r, F * g);
    p.in = {lora_a_out};
    p.weight = b.weight(u64(r * F * g) * wb);
    p.out = lora_b_out;
    L.push_back(p);
  }
  ffn(b, Op::kFfnUp, Op::kFfnDown, 1, R, F, d.mlp_activation, norm, 0, out, up_w, down_w,
      r > 0 ? lora_b_out : RegionRef{});
  p = b.gemm(Op::kSharedProj, d.d_model, d.d_model);
  p.in = {out};
  p.weight = b.weight(dm * dm * wb);
  p.out = norm;  // free again: its rows went into the MLP
  L.push_back(p);
  residual(b, norm, resid);
  return std::move(b.prog);
}

BlockProgram build_mlp_program(const ModelDims& d, const ProgramShape& s) {
  const int64_t R = s.tokens * s.batch;
  const uint64_t uR = u64(R), dm = u64(d.d_model), ab = s.bytes.act;
  const uint64_t g = gated(d.mlp_activation) ? 2 : 1;
  Builder b(d, s);
  const RegionRef resid = Builder::act(Region::kResid, 0, uR * dm * 4);
  const RegionRef norm = Builder::act(Region::kNorm, 0, uR * dm * ab);
  const RegionRef out = Builder::act(Region::kOut, 0, uR * dm * 2);
  pre_norm(b, resid, norm);
  const RegionRef up_w = b.weight(dm * u64(d.mlp_d_ff) * g * s.bytes.weight);
  const RegionRef down_w = b.weight(u64(d.mlp_d_ff) * dm * s.bytes.weight);
  ffn(b, Op::kFfnUp, Op::kFfnDown, 1, R, d.mlp_d_ff, d.mlp_activation, norm, 0, out, up_w, down_w);
  residual(b, out, resid);
  return std::move(b.prog);
}

BlockProgram build_moe_program(const ModelDims& d, const ProgramShape& s) {
  const int64_t R = s.tokens * s.batch, E = d.moe_experts, k = d.moe_top_k, F = d.moe_d_ff;
  const uint64_t uR = u64(R), dm = u64(d.d_model), ab = s.bytes.act, wb = s.bytes.weight;
  const uint64_t g = gated(d.moe_activation) ? 2 : 1;
  // The tile's rows spread over the experts they are expected to use;
  // each used expert runs ceil(R k / used) rows (a batched GEMM), and only
  // the used experts' weights move.
  const ExpertRows er = expert_rows(d, R);
  const int64_t used = er.used, rows = er.rows_each;
  const uint64_t routed = u64(er.routed());
  Builder b(d, s);
  const auto act = Builder::act;
  const RegionRef resid = act(Region::kResid, 0, uR * dm * 4);
  const RegionRef norm = act(Region::kNorm, 0, uR * dm * ab);
  const RegionRef out = act(Region::kOut, 0, uR * dm * 2);
  // kFfn: router logits, routed rows' hidden, their outputs, the shared
  // expert's hidden and output.
  const uint64_t logits_at = 0, hidden_at = uR * u64(E) * 2;
  const uint64_t experts_out_at = hidden_at + routed * u64(F) * g * ab;
  const uint64_t shared_at = experts_out_at + routed * dm * 2;
  const uint64_t shared_out_at = shared_at + uR * u64(d.moe_shared_d_ff) * g * ab;
  const RegionRef experts_out = act(Region::kFfn, experts_out_at, routed * dm * 2);
  const RegionRef shared_out = act(Region::kFfn, shared_out_at, uR * dm * 2);
  std::vector<ProgramOp>& L = b.prog.layer;
  pre_norm(b, resid, norm);
  ProgramOp p = b.gemm(Op::kRouter, d.d_model, E);
  p.in = {norm};
  p.weight = b.weight(dm * u64(E) * wb);
  const RegionRef logits = act(Region::kFfn, logits_at, uR * u64(E) * 2);
  p.out = logits;
  L.push_back(p);
  p = b.vec(Op::kTopK, R * E, 3);  // softmax (exp, sum), then k maxima
  p.in = {logits};
  p.out = logits;
  L.push_back(p);
  // The experts' weights: every up (and gate) projection, then every down;
  // the used ones are read (the first `used`: the bytes are what count).
  const uint64_t up_bytes = dm * u64(F) * g * wb, down_bytes = u64(F) * dm * wb;
  const RegionRef ups = b.weight(u64(E) * up_bytes);
  const RegionRef downs = b.weight(u64(E) * down_bytes);
  ffn(b, Op::kExpertUp, Op::kExpertDown, used, rows, F, d.moe_activation, norm, hidden_at,
      experts_out, {Region::kWeights, ups.offset, u64(used) * up_bytes},
      {Region::kWeights, downs.offset, u64(used) * down_bytes});
  const bool shared = d.moe_shared_d_ff > 0;
  if (shared) {
    const RegionRef up_w = b.weight(dm * u64(d.moe_shared_d_ff) * g * wb);
    const RegionRef down_w = b.weight(u64(d.moe_shared_d_ff) * dm * wb);
    ffn(b, Op::kFfnUp, Op::kFfnDown, 1, R, d.moe_shared_d_ff, d.moe_activation, norm, shared_at,
        shared_out, up_w, down_w);
  }
  // Each token's k expert outputs, weighted and summed (and the shared one).
  p = b.vec(Op::kExpertCombine, R * k * d.d_model + (shared ? R * d.d_model : 0), 2);
  p.in = {experts_out};
  if (shared) p.in[1] = shared_out;
  p.out = out;
  L.push_back(p);
  residual(b, out, resid);
  return std::move(b.prog);
}

// Falcon-H1's parallel mixer: the SSM block, then attention on the same
// pre-norm output (kNorm still holds it: the SSM part writes it only in
// its norm), each adding its output to the residual. The hardware runs
// the two parts one after the other on the shared units; attention's
// pre-norm is dropped, its weights follow the SSM's and its KV cache
// follows the SSM's state in the layer's part.
BlockProgram build_parallel_program(const ModelDims& d, const ProgramShape& s) {
  ProgramShape ssm_shape = s;
  ssm_shape.head_tokens = 0;
  BlockProgram p = build_program(d, ssm_shape);
  const BlockProgram attn = build_attention_program(d, s);
  const uint64_t norm = u64(d.d_model) * 2;
  const uint64_t weights_at = layer_weights(d, s.bytes.weight).total() - norm;
  const uint64_t state_at =
      u64(s.batch) * (conv_state_bytes(d, s.bytes) + ssm_state_bytes(d, s.bytes));
  auto shift = [&](RegionRef& r) {
    if (r.region == Region::kWeights) r.offset += weights_at;
    if (r.region == Region::kState) r.offset += state_at;
  };
  // The SSM block's pre-norm feeds both: attention's own is dropped. A
  // logic_error (exit 3, an internal error) if the program ever changes.
  if (attn.layer.empty() || attn.layer[0].cmd.op != Op::kRmsNorm) {
    throw std::logic_error(
        "build_parallel_program: attention's first operation is not its pre-norm");
  }
  for (size_t i = 1; i < attn.layer.size(); ++i) {  // [0]: its pre-norm
    ProgramOp op = attn.layer[i];
    for (RegionRef& r : op.in) shift(r);
    shift(op.weight);
    shift(op.out);
    shift(op.state);
    p.layer.push_back(op);
  }
  return p;
}

}  // namespace

BlockProgram build_layer_program(const ModelDims& d, LayerKind kind, const ProgramShape& s,
                                 int64_t shared_block) {
  switch (kind) {
    case LayerKind::kParallel:
      return build_parallel_program(d, s);
    case LayerKind::kShared:
      return build_shared_program(d, s, shared_block);
    case LayerKind::kAttention:
      return build_attention_program(d, s);
    case LayerKind::kMlp:
      return build_mlp_program(d, s);
    case LayerKind::kMoe:
      return build_moe_program(d, s);
    case LayerKind::kSsm:
      break;
  }
  BlockProgram p = build_program(d, s);
  p.head.clear();
  return p;
}

}  // namespace ssmsim
