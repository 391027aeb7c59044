// Falcon-H1's parallel mixer: the SSM block, then attention on the same
// pre-norm output (kNorm still holds it: the SSM part writes it only in
// its norm), each adding its output to the residual. The hardware runs
// the two parts one after the other on the shared units; attention's
// pre-norm is dropped, its weights follow the SSM's and its KV cache
// follows the SSM's state in the layer's part.
#include <stdexcept>

#include "lower/builder.hpp"

namespace ssmsim::lower {

std::vector<ProgramOp> build_parallel(const ModelDims& d, const ProgramShape& s, int64_t) {
  std::vector<ProgramOp> ops = build_ssm(d, s, 0);
  const std::vector<ProgramOp> attn = build_attention(d, s, 0);
  const uint64_t norm = u64(d.d_model) * 2;
  const uint64_t weights_at = ssm_weight_bytes(d, s.bytes.weight) - norm;
  const uint64_t state_at = u64(s.batch) * ssm_state(d, s.bytes, 0);
  auto shift = [&](RegionRef& r) {
    if (r.region == Region::kWeights) r.offset += weights_at;
    if (r.region == Region::kState) r.offset += state_at;
  };
  // The SSM block's pre-norm feeds both: attention's own is dropped. A
  // logic_error (exit 3, an internal error) if the program ever changes.
  if (attn.empty() || attn[0].cmd.op != Op::kRmsNorm) {
    throw std::logic_error("build_parallel: attention's first operation is not its pre-norm");
  }
  for (size_t i = 1; i < attn.size(); ++i) {  // [0]: its pre-norm
    ProgramOp op = attn[i];
    for (RegionRef& r : op.in) shift(r);
    shift(op.weight);
    shift(op.out);
    shift(op.state);
    ops.push_back(op);
  }
  return ops;
}

// The SSM's weights, then attention's projections.
uint64_t parallel_weight_bytes(const ModelDims& d, uint64_t wb) {
  return ssm_weight_bytes(d, wb) + attention_projection_bytes(d, wb);
}

// The SSM's state, then the KV cache.
uint64_t parallel_state(const ModelDims& d, const ElementBytes& b, int64_t kv_capacity) {
  return ssm_state(d, b, 0) + attention_state(d, b, kv_capacity);
}

// One pre-norm for both parts.
int64_t parallel_parameters(const ModelDims& d) {
  return d.ssm_layer_parameters() + d.layer_parameters(LayerKind::kAttention) - d.d_model;
}

constexpr LayerKind kParallelParts[] = {LayerKind::kAttention, LayerKind::kSsm};
constexpr LayerKindModel kParallelModel{
    LayerKind::kParallel, "parallel",         "P (attention and SSM in parallel)", {},
    kParallelParts,       parallel_parameters};

extern const LayerKindLowering kParallelLayer{&kParallelModel, build_parallel,
                                              parallel_weight_bytes, parallel_state, true};

}  // namespace ssmsim::lower
