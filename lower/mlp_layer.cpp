// An MLP layer: pre-norm, up (and gate), activation, down, residual.
#include "lower/builder.hpp"

namespace ssmsim::lower {

std::vector<ProgramOp> build_mlp(const ModelDims& d, const ProgramShape& s, int64_t) {
  Builder b(d, s);
  const uint64_t dm = u64(d.d_model), wb = s.bytes.weight;
  const uint64_t g = gated(d.mlp_activation) ? 2 : 1;
  const RegionRef resid = b.resid(), norm = b.norm(), out = b.out();
  b.pre_norm(resid, norm);
  const RegionRef up_w = b.weight(dm * u64(d.mlp_d_ff) * g * wb);
  const RegionRef down_w = b.weight(u64(d.mlp_d_ff) * dm * wb);
  b.ffn(Op::kFfnUp, Op::kFfnDown, 1, b.rows(), d.mlp_d_ff, d.mlp_activation, norm, 0, out, up_w,
        down_w);
  b.residual(out, resid);
  return std::move(b.ops);
}

uint64_t mlp_weight_bytes(const ModelDims& d, uint64_t wb) {
  return u64(d.d_model) * 2 + u64(d.ffn_parameters(d.mlp_d_ff, d.mlp_activation)) * wb;
}

uint64_t no_state(const ModelDims&, const ElementBytes&, int64_t) { return 0; }

int64_t mlp_parameters(const ModelDims& d) {
  return d.d_model + d.ffn_parameters(d.mlp_d_ff, d.mlp_activation);
}

using Key = LayerKindKey;
constexpr LayerKindKey kMlpKeys[] = {
    {"mlp_d_ff", Key::Type::kInt, true, 1, 1 << 20, 0, &ModelDims::mlp_d_ff},
    {"mlp_activation", Key::Type::kActivation, false, 0, 0,
     static_cast<int64_t>(FfnActivation::kSwiglu), nullptr, nullptr, &ModelDims::mlp_activation}};
constexpr LayerKindModel kMlpModel{LayerKind::kMlp, "mlp", "- (MLP)", kMlpKeys, {}, mlp_parameters};

extern const LayerKindLowering kMlpLayer{&kMlpModel, build_mlp, mlp_weight_bytes, no_state, false};

}  // namespace ssmsim::lower
