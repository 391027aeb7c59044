#include "lower/builder.hpp"

namespace ssmsim::lower {

ProgramOp Builder::op(Unit unit, Op o) const {
  ProgramOp p;
  p.unit = unit;
  p.cmd.op = o;
  p.cmd.tokens = s.tokens;
  p.cmd.decode = s.decode;
  return p;
}

ProgramOp Builder::gemm(Op o, int64_t k, int64_t n) const {
  ProgramOp p = op(Unit::kGemm, o);
  p.cmd.m = rows(), p.cmd.k = k, p.cmd.n = n;
  return p;
}

ProgramOp Builder::vec(Op o, int64_t elements, int64_t passes) const {
  ProgramOp p = op(Unit::kVec, o);
  p.cmd.elements = elements, p.cmd.passes = passes;
  return p;
}

RegionRef Builder::weight(uint64_t bytes) {
  const RegionRef ref{Region::kWeights, next_weight, bytes};
  next_weight += bytes;
  return ref;
}

void Builder::ssm_input(const RegionRef& resid, const RegionRef& norm, int64_t n_in,
                        const RegionRef& in_out, const RegionRef& conv_in,
                        const RegionRef& conv_out, const LayerWeights& w) {
  const int64_t dm = d.d_model, R = rows();
  ProgramOp p = vec(Op::kRmsNorm, R * dm, 2);
  p.in = {resid};
  p.weight = weight(w.norm);
  p.out = norm;
  push(p);
  p = gemm(Op::kInProj, dm, n_in);
  p.in = {norm};
  p.weight = weight(w.in_proj);
  p.out = in_out;
  push(p);
  p = vec(Op::kConv1dSilu, R * d.conv_dim(), d.d_conv + 1);  // d_conv MACs, then SiLU
  p.in = {conv_in};
  p.weight = weight(w.conv);
  p.out = conv_out;
  if (s.decode) p.state = {Region::kState, 0, u64(s.batch) * conv_state_bytes(d, s.bytes)};
  p.order = StateOrder::kConv;
  push(p);
}

void Builder::ssm_output(const RegionRef& y, const RegionRef& yq, const RegionRef& out,
                         const RegionRef& resid, uint64_t out_proj_bytes) {
  const int64_t D = d.d_inner, dm = d.d_model;
  if (!s.fp16) {
    ProgramOp p = op(Unit::kHad, Op::kHadamard);
    p.cmd.channels = s.batch * D, p.cmd.hadamard_block = s.hadamard_size;
    p.in = {y};
    p.out = yq;
    push(p);
  }
  ProgramOp p = gemm(Op::kOutProj, D, dm);
  p.in = {s.fp16 ? y : yq};
  p.weight = weight(out_proj_bytes);
  p.out = out;
  push(p);
  residual(out, resid);
}

void Builder::pre_norm(const RegionRef& resid, const RegionRef& norm) {
  ProgramOp p = vec(Op::kRmsNorm, rows() * d.d_model, 2);
  p.in = {resid};
  p.weight = weight(u64(d.d_model) * 2);
  p.out = norm;
  push(p);
}

void Builder::residual(const RegionRef& out, const RegionRef& resid) {
  ProgramOp p = vec(Op::kResidual, rows() * d.d_model, 1);
  p.in = {out, resid};
  p.out = resid;
  push(p);
}

void Builder::ffn(Op up_op, Op down_op, int64_t count, int64_t ffn_rows, int64_t d_ff,
                  FfnActivation a, const RegionRef& in, uint64_t ffn_at, const RegionRef& out,
                  const RegionRef& up_w, const RegionRef& down_w, const RegionRef& add) {
  const uint64_t act_b = s.bytes.act, g = gated(a) ? 2 : 1;
  const uint64_t n_rows = u64(count * ffn_rows);
  const RegionRef h = act(Region::kFfn, ffn_at, n_rows * u64(d_ff) * g * act_b);
  const RegionRef h_act = act(Region::kFfn, ffn_at, n_rows * u64(d_ff) * act_b);
  ProgramOp p = gemm(up_op, d.d_model, d_ff * static_cast<int64_t>(g));
  p.cmd.m = ffn_rows, p.cmd.count = count;
  p.in = {in};
  p.weight = up_w;
  p.out = h;
  push(p);
  // relu2: max and square; swiglu: SiLU (exp, divide) of the gate times up.
  p = vec(Op::kFfnAct, count * ffn_rows * d_ff, gated(a) ? 3 : 2);
  p.in = {h, add};
  p.out = h_act;
  push(p);
  p = gemm(down_op, d_ff, d.d_model);
  p.cmd.m = ffn_rows, p.cmd.count = count;
  p.in = {h_act};
  p.weight = down_w;
  p.out = out;
  push(p);
}

}  // namespace ssmsim::lower

namespace ssmsim {

using lower::u64;

uint64_t head_weight_bytes(const ModelDims& d, uint64_t wb) {
  return u64(d.d_model * 2) + u64(d.vocab_size * d.d_model) * wb;
}

std::vector<ProgramOp> build_head(const ModelDims& d, const ProgramShape& s) {
  if (s.head_tokens <= 0) return {};
  lower::Builder b(d, s);
  const uint64_t tile_rows = u64(b.rows()), dm = u64(d.d_model), act_b = s.bytes.act;
  const int64_t H = s.head_tokens * s.batch;
  const uint64_t head_rows = u64(H);
  const RegionRef norm = b.act(Region::kNorm, 0, head_rows * dm * act_b);
  ProgramOp p = b.vec(Op::kFinalNorm, H * d.d_model, 2);
  p.cmd.tokens = s.head_tokens;
  p.in = {b.act(Region::kResid, (tile_rows - head_rows) * dm * 4, head_rows * dm * 4)};
  p.weight = b.weight(dm * 2);
  p.out = norm;
  b.push(p);
  p = b.gemm(Op::kLmHead, d.d_model, d.vocab_size);
  p.cmd.tokens = s.head_tokens;
  p.cmd.m = H;
  p.in = {norm};
  p.weight = b.weight(u64(d.vocab_size) * dm * s.bytes.weight);
  p.out = {Region::kLogits, 0, head_rows * u64(d.vocab_size) * 2};  // fp16, off chip
  b.push(p);
  return std::move(b.ops);
}

}  // namespace ssmsim
