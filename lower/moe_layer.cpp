// A mixture-of-experts layer: pre-norm, router, top-k, the used experts
// (and a shared expert), the weighted combine, residual.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "lower/builder.hpp"

namespace ssmsim {

using lower::Builder;
using lower::u64;

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

namespace lower {

std::vector<ProgramOp> build_moe(const ModelDims& d, const ProgramShape& s, int64_t) {
  Builder b(d, s);
  const int64_t R = b.rows(), E = d.moe_experts, k = d.moe_top_k, F = d.moe_d_ff,
                SF = d.moe_shared_d_ff;
  const uint64_t rows = u64(R), dm = u64(d.d_model), act_b = s.bytes.act, wb = s.bytes.weight;
  const uint64_t g = gated(d.moe_activation) ? 2 : 1;
  // The tile's rows spread over the experts they are expected to use;
  // each used expert runs ceil(R k / used) rows (a batched GEMM), and only
  // the used experts' weights move.
  const ExpertRows er = expert_rows(d, R);
  const uint64_t routed = u64(er.routed());
  const auto act = Builder::act;
  const RegionRef resid = b.resid(), norm = b.norm(), out = b.out();
  // kFfn: router logits, routed rows' hidden, their outputs, the shared
  // expert's hidden and output.
  const uint64_t hidden_at = rows * u64(E) * 2;
  const uint64_t experts_out_at = hidden_at + routed * u64(F) * g * act_b;
  const uint64_t shared_at = experts_out_at + routed * dm * 2;
  const uint64_t shared_out_at = shared_at + rows * u64(SF) * g * act_b;
  const RegionRef logits = act(Region::kFfn, 0, rows * u64(E) * 2);
  const RegionRef experts_out = act(Region::kFfn, experts_out_at, routed * dm * 2);
  const RegionRef shared_out = act(Region::kFfn, shared_out_at, rows * dm * 2);
  b.pre_norm(resid, norm);
  ProgramOp p = b.gemm(Op::kRouter, d.d_model, E);
  p.in = {norm};
  p.weight = b.weight(dm * u64(E) * wb);
  p.out = logits;
  b.push(p);
  p = b.vec(Op::kTopK, R * E, 3);  // softmax (exp, sum), then k maxima
  p.in = {logits};
  p.out = logits;
  b.push(p);
  // The experts' weights: every up (and gate) projection, then every down;
  // the used ones are read (the first `used`: the bytes are what count).
  const uint64_t up_bytes = dm * u64(F) * g * wb, down_bytes = u64(F) * dm * wb;
  const RegionRef ups = b.weight(u64(E) * up_bytes);
  const RegionRef downs = b.weight(u64(E) * down_bytes);
  const size_t experts_from = b.ops.size();
  b.ffn(Op::kExpertUp, Op::kExpertDown, er.used, er.rows_each, F, d.moe_activation, norm, hidden_at,
        experts_out, {Region::kWeights, ups.offset, u64(er.used) * up_bytes},
        {Region::kWeights, downs.offset, u64(er.used) * down_bytes});
  // Each expert runs as a GEMM of rows_each rows (the most any holds), but
  // the work is the rows routed, R k: MACs and the activation count those.
  for (size_t i = experts_from; i < b.ops.size(); ++i) {
    Command& c = b.ops[i].cmd;
    if (b.ops[i].unit == Unit::kGemm) {
      c.rows_total = R * k;
    } else {
      c.elements = R * k * F;
    }
  }
  const bool shared = SF > 0;
  if (shared) {
    const RegionRef up_w = b.weight(dm * u64(SF) * g * wb);
    const RegionRef down_w = b.weight(u64(SF) * dm * wb);
    b.ffn(Op::kFfnUp, Op::kFfnDown, 1, R, SF, d.moe_activation, norm, shared_at, shared_out, up_w,
          down_w);
  }
  // Each token's k expert outputs, weighted and summed (and the shared one).
  p = b.vec(Op::kExpertCombine, R * k * d.d_model + (shared ? R * d.d_model : 0), 2);
  p.in = {experts_out};
  if (shared) p.in[1] = shared_out;
  p.out = out;
  b.push(p);
  b.residual(out, resid);
  return std::move(b.ops);
}

uint64_t moe_weight_bytes(const ModelDims& d, uint64_t wb) {
  const uint64_t E = u64(d.moe_experts);
  return u64(d.d_model) * 2 + u64(d.d_model) * E * wb +
         E * u64(d.ffn_parameters(d.moe_d_ff, d.moe_activation)) * wb +
         u64(d.ffn_parameters(d.moe_shared_d_ff, d.moe_activation)) * wb;
}

int64_t moe_parameters(const ModelDims& d) {
  const int64_t dm = d.d_model;
  return dm + dm * d.moe_experts + d.moe_experts * d.ffn_parameters(d.moe_d_ff, d.moe_activation) +
         d.ffn_parameters(d.moe_shared_d_ff, d.moe_activation);
}

void check_moe(const ModelDims& d, const std::string& where) {
  if (d.moe_top_k > d.moe_experts) {
    throw Error(fmt::format("{}: moe_top_k = {} exceeds moe_experts = {}", where, d.moe_top_k,
                            d.moe_experts));
  }
}

using Key = LayerKindKey;
constexpr LayerKindKey kMoeKeys[] = {
    {"moe_experts", Key::Type::kInt, true, 1, 1 << 12, 0, &ModelDims::moe_experts},
    {"moe_top_k", Key::Type::kInt, true, 1, 1 << 12, 0, &ModelDims::moe_top_k},
    {"moe_d_ff", Key::Type::kInt, true, 1, 1 << 20, 0, &ModelDims::moe_d_ff},
    {"moe_shared_d_ff", Key::Type::kInt, false, 0, 1 << 20, 0, &ModelDims::moe_shared_d_ff},
    {"moe_activation", Key::Type::kActivation, false, 0, 0,
     static_cast<int64_t>(FfnActivation::kSwiglu), nullptr, nullptr, &ModelDims::moe_activation}};
constexpr LayerKindModel kMoeModel{LayerKind::kMoe, "moe",    "E (mixture of experts)",
                                   kMoeKeys,        {},       moe_parameters,
                                   nullptr,         check_moe};

extern const LayerKindLowering kMoeLayer{&kMoeModel, build_moe, moe_weight_bytes, no_state, false};

}  // namespace lower
}  // namespace ssmsim
