// The SSM layer: a Mamba-1 block, or Mamba-2's with the chunked SSD.
#include <algorithm>

#include "lower/builder.hpp"

namespace ssmsim {

using lower::Builder;
using lower::u64;

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

std::vector<ProgramOp> build_mamba1_layer(const ModelDims& d, const ProgramShape& s) {
  const int64_t D = d.d_inner, N = d.d_state, r = d.dt_rank;
  const int64_t B = s.batch, R = s.tokens * B;  // rows: tokens of every sequence in the batch
  const uint64_t rows = u64(R), d_inner = u64(D), d_state = u64(N), dt_rank = u64(r),
                 act_b = s.bytes.act;
  Builder b(d, s);
  const LayerWeights w = layer_weights(d, s.bytes.weight);
  // Every operand is a part of one region: in_proj writes x then z, x_proj
  // dt then B and C. The regions' sizes follow from these (ModelLowering).
  const auto act = Builder::act;
  const RegionRef resid = b.resid(), norm = b.norm(), out = b.out();
  const RegionRef x = act(Region::kXZ, 0, rows * d_inner * act_b);
  const RegionRef z = act(Region::kXZ, rows * d_inner * act_b, rows * d_inner * act_b);
  const RegionRef u = act(Region::kU, 0, rows * d_inner * 2);
  const RegionRef dt_low = act(Region::kDtBC, 0, rows * dt_rank * act_b);
  const RegionRef bc = act(Region::kDtBC, rows * dt_rank * act_b, rows * 2 * d_state * act_b);
  const RegionRef dt = act(Region::kDt, 0, rows * d_inner * 2);
  const RegionRef y = act(Region::kY, 0, rows * d_inner * 2);
  const RegionRef yq = act(Region::kYq, 0, rows * d_inner);

  b.ssm_input(resid, norm, 2 * D, act(Region::kXZ, 0, rows * 2 * d_inner * act_b), x, u, w);
  ProgramOp p;

  if (!s.fp16) {  // the fp16 baseline feeds x_proj and the scan with fp16 u
    p = b.op(Unit::kQuant, Op::kSsmInQuant);
    p.cmd.elements = R * D;
    p.in = {u};
    b.push(p);
  }

  p = b.gemm(Op::kXProj, D, r + 2 * N);
  if (s.fp16) {
    p.in = {u};
  } else {
    p.cmd.input_from_link = true;
  }
  p.weight = b.weight(w.x_proj);
  p.out = act(Region::kDtBC, 0, rows * (dt_rank + 2 * d_state) * act_b);
  b.push(p);

  p = b.gemm(Op::kDtProj, r, D);
  p.in = {dt_low};
  p.weight = b.weight(w.dt_proj);
  p.out = dt;
  b.push(p);

  // The scan: B * d_inner independent channels of d_state each; u comes on
  // the quantizer's link (w8a8) or from memory (fp16).
  p = b.op(Unit::kScan, Op::kScan);
  p.cmd.channels = B * D, p.cmd.d_state = N;
  p.in = {dt, bc};
  if (s.fp16) p.in[2] = u;
  p.weight = b.weight(w.scan_params);
  p.out = y;
  if (s.decode) {
    const uint64_t batch = u64(B);
    p.state = {Region::kState, batch * conv_state_bytes(d, s.bytes),
               batch * ssm_state_bytes(d, s.bytes)};
  }
  p.order = StateOrder::kScan;
  b.push(p);

  p = b.vec(Op::kGate, R * D, 2);  // y * SiLU(z), in place
  p.in = {y, z};
  p.out = y;
  b.push(p);

  b.ssm_output(y, yq, out, resid, w.out_proj);
  return std::move(b.ops);
}

std::vector<ProgramOp> build_mamba2_layer(const ModelDims& d, const ProgramShape& s) {
  const int64_t D = d.d_inner, N = d.d_state, H = d.n_heads, P = d.head_dim, G = d.n_groups,
                GN = G * N, CD = d.conv_dim();
  const int64_t B = s.batch, R = s.tokens * B;
  const uint64_t rows = u64(R), batch = u64(B), d_inner = u64(D), heads = u64(H),
                 group_states = u64(GN), conv_dim = u64(CD), act_b = s.bytes.act;
  const bool w8a8 = !s.fp16;
  Builder b(d, s);
  const LayerWeights w = layer_weights(d, s.bytes.weight);
  const auto act = Builder::act;
  // in_proj writes z, xBC, dt (the checkpoint's column order); the conv
  // writes fp16 x, B, C; the quantizers INT8 x (+ flags), B, C.
  const RegionRef resid = b.resid(), norm = b.norm(), out = b.out();
  const RegionRef z = act(Region::kXZ, 0, rows * d_inner * act_b);
  const RegionRef xbc = act(Region::kXZ, rows * d_inner * act_b, rows * conv_dim * act_b);
  const RegionRef dt_raw =
      act(Region::kXZ, rows * (d_inner + conv_dim) * act_b, rows * heads * act_b);
  const RegionRef u = act(Region::kU, 0, rows * conv_dim * 2);
  const RegionRef u_x = act(Region::kU, 0, rows * d_inner * 2);
  const RegionRef u_b = act(Region::kU, rows * d_inner * 2, rows * group_states * 2);
  const RegionRef u_c =
      act(Region::kU, rows * (d_inner + group_states) * 2, rows * group_states * 2);
  const RegionRef u_bc = act(Region::kU, rows * d_inner * 2, rows * 2 * group_states * 2);
  const uint64_t xq = lower::xq_bytes(rows * d_inner, s.bytes);
  const RegionRef q_x = act(Region::kDtBC, 0, xq);
  const RegionRef q_bc = act(Region::kDtBC, xq, rows * 2 * group_states);
  const RegionRef q_b = act(Region::kDtBC, xq, rows * group_states);
  const RegionRef q_c = act(Region::kDtBC, xq + rows * group_states, rows * group_states);
  // The SSD's inputs: INT8 in w8a8, the conv's fp16 in the baseline.
  const RegionRef x_in = w8a8 ? q_x : u_x, b_in = w8a8 ? q_b : u_b, c_in = w8a8 ? q_c : u_c;
  // fp32 delta, then dA (cumulated per chunk in prefill).
  const RegionRef dts = act(Region::kDt, 0, rows * heads * 4 * 2);
  const RegionRef dA = act(Region::kDt, rows * heads * 4, rows * heads * 4);
  const RegionRef y = act(Region::kY, 0, rows * d_inner * 2);
  const RegionRef yq = act(Region::kYq, 0, w8a8 ? rows * d_inner : 0);

  b.ssm_input(resid, norm, 2 * D + 2 * GN + H,
              act(Region::kXZ, 0, rows * (2 * d_inner + 2 * group_states + heads) * act_b), xbc, u,
              w);
  ProgramOp p;

  if (w8a8) {
    // x through the SSM-input quantizer (soft-edge or INT8) to memory: the
    // SSD reads it three times (chunk state, chunk scan, D x).
    p = b.op(Unit::kQuant, Op::kSsmInQuant);
    p.cmd.elements = R * D;
    p.in = {u_x};
    p.out = q_x;
    b.push(p);
    p = b.vec(Op::kBcQuant, R * 2 * GN, 1);  // B and C: static per-group INT8 scales
    p.in = {u_bc};
    p.out = q_bc;
    b.push(p);
  }

  // dt_bias and A (fp32 per head), then D; the gated norm's gains follow.
  const RegionRef dt_params = b.weight(2 * heads * 4);
  const RegionRef d_and_gains = b.weight(heads * 4 + w.gate_norm);
  // delta = softplus(dt + bias), dA = delta A: prefill cumulates dA over
  // each chunk (4 passes), decode takes exp(dA) (3 passes).
  p = b.vec(Op::kChunkCumsum, R * H, s.decode ? 3 : 4);
  p.in = {dt_raw};
  p.weight = dt_params;
  p.out = dts;
  b.push(p);

  if (s.decode) {
    // One token per sequence: the recurrence over heads x head_dim x d_state
    // on the scan unit, the state through memory.
    p = b.op(Unit::kScan, Op::kSsdStep);
    p.cmd.channels = B * D, p.cmd.d_state = N;
    p.in = {dts, x_in, w8a8 ? q_bc : u_bc};
    p.out = y;
    p.state = {Region::kState, batch * conv_state_bytes(d, s.bytes),
               batch * ssm_state_bytes(d, s.bytes)};
    p.order = StateOrder::kScan;
    b.push(p);
  } else {
    const SsdChunks c = ssd_chunks(d, s.tokens);
    const int64_t q = c.q, nc = c.nc;
    const uint64_t chunk = u64(q), padded = batch * u64(nc) * chunk;  // padded rows
    const uint64_t decay_bytes = padded * heads * (chunk + u64(N)) * 2;
    const RegionRef scores = act(Region::kScores, 0, padded * u64(G) * chunk * 2);
    const RegionRef ssd_a = act(Region::kSsdA, 0, decay_bytes);
    const RegionRef xd = act(Region::kSsdA, decay_bytes, padded * d_inner * 2);
    const RegionRef ssd_a_all = act(Region::kSsdA, 0, decay_bytes + padded * d_inner * 2);
    const RegionRef states = act(Region::kStates, 0, batch * u64(nc) * d_inner * u64(N) * 4);
    // bmm_chunk: C B^T per chunk and group, both INT8 with one scale each:
    // an exact INT8 GEMM.
    p = b.gemm(Op::kBmmChunk, N, q);
    p.cmd.m = q, p.cmd.count = B * G * nc;
    p.cmd.fp16_operands = s.fp16;
    p.in = {c_in};
    p.weight = b_in;
    p.out = scores;
    b.push(p);
    // ssd_decay on the vector unit: per head and chunk the causal decay
    // mask exp(cum_t - cum_s) times the scores, C times exp(cum_t), and x
    // times exp(cum_end - cum_t) (an exp and a multiply per element).
    p = b.vec(Op::kSsdDecay, B * nc * q * (H * (q + N) + D), 2);
    p.in = {scores, dA, c_in, x_in};
    p.out = ssd_a_all;
    b.push(p);
    // chunk_state: each chunk's final state, states[P, N] = xd^T[P, q] B[q, N]
    // per head (fp16: the decays are not INT8). Heads of a group share B,
    // which stays in the array's weight buffer: read once.
    p = b.gemm(Op::kChunkState, q, N);
    p.cmd.m = P, p.cmd.count = B * H * nc;
    p.cmd.fp16_operands = true;
    p.in = {xd};
    p.weight = b_in;
    p.out = states;
    b.push(p);
    // state_passing: the recurrence over chunks, s_c = exp(dA_c) s_{c-1} +
    // state_c, on the scan unit (B x heads x head_dim channels of d_state);
    // the state leaving the tile stays in the unit for the next tile.
    p = b.op(Unit::kScan, Op::kStatePassing);
    p.cmd.channels = B * D, p.cmd.d_state = N, p.cmd.steps = nc;
    p.in = {states, dA};
    p.out = states;
    p.order = StateOrder::kScan;
    b.push(p);
    // chunk_scan: y[q, P] = [masked scores | decayed C][q, q + N] x [x ; s]
    // per head and chunk: one GEMM of K = q + N, fp16.
    p = b.gemm(Op::kChunkScan, q + N, P);
    p.cmd.m = q, p.cmd.count = B * H * nc;
    p.cmd.fp16_operands = true;
    p.in = {ssd_a, states};
    p.weight = x_in;
    p.out = y;
    b.push(p);
  }

  // y + D x, times SiLU(z), RMSNorm per group of d_inner / n_groups, gains.
  p = b.vec(Op::kGatedNorm, R * D, 5);
  p.in = {y, z, x_in};
  p.weight = d_and_gains;
  p.out = y;
  b.push(p);

  b.ssm_output(y, yq, out, resid, w.out_proj);
  return std::move(b.ops);
}

BlockProgram build_program(const ModelDims& d, const ProgramShape& s) {
  BlockProgram p;
  p.layer = d.mamba2() ? build_mamba2_layer(d, s) : build_mamba1_layer(d, s);
  p.head = build_head(d, s);
  return p;
}

namespace lower {

std::vector<ProgramOp> build_ssm(const ModelDims& d, const ProgramShape& s, int64_t) {
  return d.mamba2() ? build_mamba2_layer(d, s) : build_mamba1_layer(d, s);
}

uint64_t ssm_weight_bytes(const ModelDims& d, uint64_t wb) { return layer_weights(d, wb).total(); }

uint64_t ssm_state(const ModelDims& d, const ElementBytes& b, int64_t) {
  return conv_state_bytes(d, b) + ssm_state_bytes(d, b);
}

int64_t ssm_parameters(const ModelDims& d) { return d.ssm_layer_parameters(); }

// Its keys (d_state, expand, head_dim, ...) are the model's own.
constexpr LayerKindModel kSsmModel{LayerKind::kSsm, "ssm", "M (SSM)", {}, {}, ssm_parameters};

extern const LayerKindLowering kSsmLayer{&kSsmModel, build_ssm, ssm_weight_bytes, ssm_state, false};

}  // namespace lower

}  // namespace ssmsim
