// The registry of layer kinds: one row each, defined in its builder file.
#include <string>

#include "common/error.hpp"
#include "lower/layers.hpp"

namespace ssmsim {

namespace lower {
extern const LayerKindLowering kSsmLayer, kAttentionLayer, kMlpLayer, kMoeLayer, kParallelLayer,
    kSharedLayer;
}  // namespace lower

const LayerKindLowering& layer_kind_lowering(LayerKind kind) {
  static const LayerKindLowering* const kKinds[] = {
      &lower::kSsmLayer, &lower::kAttentionLayer, &lower::kMlpLayer,
      &lower::kMoeLayer, &lower::kParallelLayer,  &lower::kSharedLayer,
  };
  for (const LayerKindLowering* k : kKinds) {
    if (k->kind == kind) return *k;
  }
  throw Error(std::string("internal: layer kind '") + static_cast<char>(kind) +
              "' has no lowering (lower/layer_kinds.cpp)");
}

BlockProgram build_layer_program(const ModelDims& d, LayerKind kind, const ProgramShape& s,
                                 int64_t shared_block) {
  return {layer_kind_lowering(kind).build(d, s, shared_block), {}};
}

uint64_t layer_weight_bytes(const ModelDims& d, int64_t layer, uint64_t weight_bytes) {
  return layer_kind_lowering(d.layer_kind(layer)).weight_bytes(d, weight_bytes);
}

uint64_t layer_state_bytes(const ModelDims& d, int64_t layer, const ElementBytes& b,
                           int64_t kv_capacity) {
  return layer_kind_lowering(d.layer_kind(layer)).state_bytes(d, b, kv_capacity);
}

}  // namespace ssmsim
