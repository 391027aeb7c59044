// The registry of layer kinds: one row each, defined in its builder file.
// Adding a kind: its builder file (lower/NAME_layer.cpp: the LayerKindModel
// and the LayerKindLowering) and its row here; docs/architecture.md.
#include <string>
#include <vector>

#include "common/error.hpp"
#include "lower/layers.hpp"

namespace ssmsim {

namespace lower {
extern const LayerKindLowering kSsmLayer, kAttentionLayer, kMlpLayer, kMoeLayer, kParallelLayer,
    kSharedLayer;
}  // namespace lower

namespace {

std::vector<const LayerKindLowering*>& lowerings() {
  static std::vector<const LayerKindLowering*> kinds;
  return kinds;
}

// The table: one row per kind, registered before main (the library is
// linked whole, lower/CMakeLists.txt, so this runs in every program).
const bool kRegistered = [] {
  for (const LayerKindLowering* k :
       {&lower::kSsmLayer, &lower::kAttentionLayer, &lower::kMlpLayer, &lower::kMoeLayer,
        &lower::kParallelLayer, &lower::kSharedLayer}) {
    register_layer_kind(*k);
  }
  return true;
}();

}  // namespace

void register_layer_kind(const LayerKindLowering& kind) {
  register_layer_kind_model(*kind.model);
  lowerings().push_back(&kind);
}

const LayerKindLowering& layer_kind_lowering(LayerKind kind) {
  (void)kRegistered;
  for (const LayerKindLowering* k : lowerings()) {
    if (k->model->kind == kind) return *k;
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
