// A layer kind as a model describes it: its letter in layer_pattern, the
// workload keys that give its dimensions, its parameter count. Each kind
// declares this in its builder file (lower/*_layer.cpp) and registers it,
// with its lowering, by one row of lower/layer_kinds.cpp; workload parsing
// (config/) and ModelDims read the registry, so they name no kind.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/error.hpp"

namespace ssmsim {

struct ModelDims;

// The letters of the kinds ssmsim has (Nemotron-H's hybrid_override_pattern
// letters; P and G are Falcon-H1's parallel mixer and Zamba2's shared
// block, see lower/parallel_layer.cpp and lower/shared_layer.cpp). A kind
// added later is any other letter: static_cast<LayerKind>('X').
enum class LayerKind : char {
  kSsm = 'M',
  kAttention = '*',
  kMlp = '-',
  kMoe = 'E',
  kParallel = 'P',
  kShared = 'G'
};

// A feed-forward's activation: relu2 (squared ReLU: up, down), swiglu
// (SiLU(gate) x up, down: two input projections) or geglu (GELU(gate) x
// up, Zamba2's).
enum class FfnActivation { kRelu2, kSwiglu, kGeglu };
inline bool gated(FfnActivation a) { return a != FfnActivation::kRelu2; }

// One workload key of a kind. Its value lives in the ModelDims field named
// by one of the member pointers, or, for a kind without fields of its own,
// in ModelDims::kind_values under its name (read with ModelDims::value).
struct LayerKindKey {
  enum class Type { kInt, kBool, kActivation };
  const char* name;
  Type type;
  bool required;
  int64_t lo = 0, hi = 0;     // kInt: the accepted range
  int64_t default_value = 0;  // optional keys: the value when the kind is used and the key absent
  int64_t ModelDims::*int_field = nullptr;
  bool ModelDims::*bool_field = nullptr;
  FfnActivation ModelDims::*activation_field = nullptr;
};

// A view of a constant array (C++17 has no std::span): the kinds' tables
// are constants, initialized before any registration reads them.
template <class T>
struct ConstSpan {
  const T* data = nullptr;
  size_t size = 0;
  constexpr ConstSpan() = default;
  template <size_t N>
  constexpr ConstSpan(const T (&a)[N]) : data(a), size(N) {}
  const T* begin() const { return data; }
  const T* end() const { return data + size; }
};

struct LayerKindModel {
  LayerKind kind;
  const char* name;          // "attention": in errors and reports
  const char* pattern_help;  // "* (attention)": in layer_pattern's error
  ConstSpan<LayerKindKey> keys;
  // Kinds whose parts a layer of this kind has (their keys apply to it):
  // a parallel layer has attention and an SSM.
  ConstSpan<LayerKind> parts;
  // Parameters of one layer, its pre-norm's gains included.
  int64_t (*layer_parameters)(const ModelDims& d);
  // Parameters stored once per model whatever the number of layers (a
  // shared block's weights); nullptr: none.
  int64_t (*model_parameters)(const ModelDims& d) = nullptr;
  // Checks between its keys, throwing Error naming `where`; nullptr: none.
  void (*validate)(const ModelDims& d, const std::string& where) = nullptr;
};

// The registered kinds, in registration order (lower/layer_kinds.cpp's).
inline std::vector<const LayerKindModel*>& layer_kind_models() {
  static std::vector<const LayerKindModel*> kinds;
  return kinds;
}

inline const LayerKindModel* find_layer_kind(LayerKind k) {
  for (const LayerKindModel* m : layer_kind_models()) {
    if (m->kind == k) return m;
  }
  return nullptr;
}

inline void register_layer_kind_model(const LayerKindModel& m) {
  if (const LayerKindModel* old = find_layer_kind(m.kind)) {
    throw Error(std::string("layer kind '") + static_cast<char>(m.kind) + "' (" + m.name +
                ") is registered already, as " + old->name);
  }
  layer_kind_models().push_back(&m);
}

inline const char* layer_kind_name(LayerKind k) {
  const LayerKindModel* m = find_layer_kind(k);
  return m ? m->name : "?";
}

}  // namespace ssmsim
