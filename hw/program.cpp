#include "hw/program.hpp"

#include "common/error.hpp"

namespace ssmsim {

LayerWeights layer_weights(const ModelDims& d, uint64_t wb) {
  const auto D = static_cast<uint64_t>(d.d_inner), dm = static_cast<uint64_t>(d.d_model),
             N = static_cast<uint64_t>(d.d_state), r = static_cast<uint64_t>(d.dt_rank),
             k = static_cast<uint64_t>(d.d_conv);
  LayerWeights w{};
  w.norm = dm * 2;
  w.in_proj = 2 * D * dm * wb;
  w.conv = D * k * 2 + D * 2;
  w.x_proj = (r + 2 * N) * D * wb;
  w.dt_proj = D * r * wb + D * 2;
  w.scan_params = D * N * 4 + D * 4;
  w.out_proj = dm * D * wb;
  return w;
}

uint64_t head_weight_bytes(const ModelDims& d, uint64_t wb) {
  return static_cast<uint64_t>(d.d_model * 2) +
         static_cast<uint64_t>(d.vocab_size * d.d_model) * wb;
}

uint64_t conv_state_bytes(const ModelDims& d, const ElementBytes& b) {
  // The conv window holds in_proj's x outputs.
  return static_cast<uint64_t>((d.d_conv - 1) * d.d_inner) * b.act;
}

uint64_t ssm_state_bytes(const ModelDims& d, const ElementBytes& b) {
  return static_cast<uint64_t>(d.d_inner * d.d_state) * b.ssm_state;
}

uint64_t activation_region_bytes(Region r, const ModelDims& d, uint64_t rows,
                                 const ElementBytes& b) {
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
    default:
      throw Error("internal: region " + std::to_string(static_cast<int>(r)) +
                  " is not an activation buffer");
  }
}

BlockProgram build_mamba1_program(const ModelDims& d, const ProgramShape& s) {
  const int64_t D = d.d_inner, dm = d.d_model, N = d.d_state, r = d.dt_rank;
  const int64_t B = s.batch, R = s.tokens * B;  // rows: tokens of every sequence in the batch
  const auto uR = static_cast<uint64_t>(R), uB = static_cast<uint64_t>(B),
             uD = static_cast<uint64_t>(D), udm = static_cast<uint64_t>(dm),
             uN = static_cast<uint64_t>(N), ur = static_cast<uint64_t>(r);
  const uint64_t ab = s.bytes.act;
  const LayerWeights w = layer_weights(d, s.bytes.weight);
  // Every operand is a part of one region (region_parts in address_map.cpp
  // lays the parts out): in_proj writes x then z, x_proj dt then B and C.
  auto act = [](Region reg, uint64_t offset, uint64_t bytes) {
    return RegionRef{reg, offset, bytes};
  };
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
  auto op = [&](Unit unit, Op o) {
    ProgramOp p;
    p.unit = unit;
    p.cmd.op = o;
    p.cmd.tokens = s.tokens;
    p.cmd.decode = s.decode;
    return p;
  };
  auto gemm = [&](Op o, int64_t k, int64_t n) {
    ProgramOp p = op(Unit::kGemm, o);
    p.cmd.m = R, p.cmd.k = k, p.cmd.n = n;
    return p;
  };
  auto vec = [&](Op o, int64_t elements, int64_t passes) {
    ProgramOp p = op(Unit::kVec, o);
    p.cmd.elements = elements, p.cmd.passes = passes;
    return p;
  };
  // Offsets of each weight inside the layer's weights (LayerWeights order).
  uint64_t wo = 0;
  auto weight = [&](uint64_t bytes) {
    const RegionRef ref{Region::kWeights, wo, bytes};
    wo += bytes;
    return ref;
  };

  BlockProgram prog;
  std::vector<ProgramOp>& L = prog.layer;
  ProgramOp p = vec(Op::kRmsNorm, R * dm, 2);
  p.in = {resid};
  p.weight = weight(w.norm);
  p.out = norm;
  L.push_back(p);

  p = gemm(Op::kInProj, dm, 2 * D);
  p.in = {norm};
  p.weight = weight(w.in_proj);
  p.out = act(Region::kXZ, 0, uR * 2 * uD * ab);
  L.push_back(p);

  p = vec(Op::kConv1dSilu, R * D, d.d_conv + 1);  // d_conv MACs, then SiLU
  p.in = {x};
  p.weight = weight(w.conv);
  p.out = u;
  if (s.decode) p.state = {Region::kState, 0, uB * conv_state_bytes(d, s.bytes)};
  p.order = StateOrder::kConv;
  L.push_back(p);

  if (!s.fp16) {  // the fp16 baseline feeds x_proj and the scan with fp16 u
    p = op(Unit::kQuant, Op::kSsmInQuant);
    p.cmd.elements = R * D;
    p.in = {u};
    L.push_back(p);
  }

  p = gemm(Op::kXProj, D, r + 2 * N);
  if (s.fp16) {
    p.in = {u};
  } else {
    p.cmd.input_from_link = true;
  }
  p.weight = weight(w.x_proj);
  p.out = act(Region::kDtBC, 0, uR * (ur + 2 * uN) * ab);
  L.push_back(p);

  p = gemm(Op::kDtProj, r, D);
  p.in = {dt_low};
  p.weight = weight(w.dt_proj);
  p.out = dt;
  L.push_back(p);

  // The scan: B * d_inner independent channels of d_state each; u comes on
  // the quantizer's link (w8a8) or from memory (fp16).
  p = op(Unit::kScan, Op::kScan);
  p.cmd.channels = B * D, p.cmd.d_state = N;
  p.in = {dt, bc};
  if (s.fp16) p.in[2] = u;
  p.weight = weight(w.scan_params);
  p.out = y;
  if (s.decode) {
    p.state = {Region::kState, uB * conv_state_bytes(d, s.bytes), uB * ssm_state_bytes(d, s.bytes)};
  }
  p.order = StateOrder::kScan;
  L.push_back(p);

  p = vec(Op::kGate, R * D, 2);  // y * SiLU(z), in place
  p.in = {y, z};
  p.out = y;
  L.push_back(p);

  if (!s.fp16) {
    p = op(Unit::kHad, Op::kHadamard);
    p.cmd.channels = B * D, p.cmd.hadamard_block = s.hadamard_size;
    p.in = {y};
    p.out = yq;
    L.push_back(p);
  }

  p = gemm(Op::kOutProj, D, dm);
  p.in = {s.fp16 ? y : yq};
  p.weight = weight(w.out_proj);
  p.out = out;
  L.push_back(p);

  p = vec(Op::kResidual, R * dm, 1);
  p.in = {out, resid};
  p.out = resid;
  L.push_back(p);

  // Head: final RMSNorm and lm_head on the tile's last head_tokens tokens
  // of every sequence (the embedding lookup is a gather).
  if (s.head_tokens > 0) {
    const int64_t H = s.head_tokens * B;
    const auto uH = static_cast<uint64_t>(H);
    wo = 0;
    p = vec(Op::kFinalNorm, H * dm, 2);
    p.cmd.tokens = s.head_tokens;
    p.in = {act(Region::kResid, (uR - uH) * udm * 4, uH * udm * 4)};
    p.weight = weight(udm * 2);
    p.out = act(Region::kNorm, 0, uH * udm * ab);
    prog.head.push_back(p);
    p = gemm(Op::kLmHead, dm, d.vocab_size);
    p.cmd.tokens = s.head_tokens;
    p.cmd.m = H;
    p.in = {act(Region::kNorm, 0, uH * udm * ab)};
    p.weight = weight(static_cast<uint64_t>(d.vocab_size) * udm * s.bytes.weight);
    p.out = {Region::kLogits, 0, uH * static_cast<uint64_t>(d.vocab_size) * 2};  // fp16, off chip
    prog.head.push_back(p);
  }
  return prog;
}

}  // namespace ssmsim
