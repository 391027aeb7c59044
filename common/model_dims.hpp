// Shape of a Mamba model (Mamba-1, or Mamba-2 with its heads and groups),
// shared by traces, checkpoints and workloads; a hybrid model adds
// attention, MLP and mixture-of-experts layers (layer_pattern).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/layer_kind.hpp"

namespace ssmsim {

enum class ModelArch { kMamba1, kMamba2 };
inline const char* model_arch_name(ModelArch a) {
  return a == ModelArch::kMamba2 ? "mamba2" : "mamba1";
}

struct ModelDims {
  std::string name;
  ModelArch arch = ModelArch::kMamba1;
  int64_t d_model = 0;
  int64_t n_layer = 0;
  int64_t d_inner = 0;
  int64_t d_state = 0;
  int64_t d_conv = 0;
  int64_t dt_rank = 0;  // Mamba-1
  int64_t vocab_size = 0;
  // Mamba-2 (SSD): d_inner = n_heads x head_dim; B and C have n_groups
  // groups of d_state, head h reads group h / (n_heads / n_groups).
  int64_t n_heads = 0, head_dim = 0, n_groups = 0, chunk_size = 0;
  // Mamba-2: delta = clamp(softplus(dt + dt_bias), lo, hi) (config
  // time_step_limit; transformers' default (0, inf) clamps nothing).
  double dt_limit_lo = 0, dt_limit_hi = 1e300;
  double rms_norm_eps = 1e-5;
  bool residual_in_fp32 = true;
  bool tie_word_embeddings = true;
  bool use_conv_bias = true, use_bias = false;  // checkpoints: conv1d bias, in/out_proj bias
  int64_t published_params = 0;                 // a preset's published parameter count (0: none)
  // Hybrids: one character per layer (LayerKind); empty: n_layer SSM layers.
  std::string layer_pattern;
  // Attention layers: grouped-query attention, no biases; rope adds a
  // vector pass over q and k (Nemotron-H and Jamba use no position
  // encoding in attention).
  int64_t attn_heads = 0, attn_kv_heads = 0, attn_head_dim = 0;
  bool attn_rope = false;
  // MLP layers and the experts of MoE layers.
  int64_t mlp_d_ff = 0;
  FfnActivation mlp_activation = FfnActivation::kSwiglu;
  int64_t moe_experts = 0, moe_top_k = 0, moe_d_ff = 0;
  int64_t moe_shared_d_ff = 0;  // a shared expert every token uses (0: none)
  FfnActivation moe_activation = FfnActivation::kSwiglu;
  // Zamba2's shared blocks (G layers): how many take turns, and the rank
  // of each invocation's LoRA on the MLP's up projection (0: none).
  int64_t shared_blocks = 0, shared_lora_rank = 0;
  // Keys of kinds without fields here (LayerKindKey), by name.
  std::map<std::string, int64_t> kind_values;

  bool mamba2() const { return arch == ModelArch::kMamba2; }
  LayerKind layer_kind(int64_t layer) const {
    return layer_pattern.empty()
               ? LayerKind::kSsm
               : static_cast<LayerKind>(layer_pattern[static_cast<size_t>(layer)]);
  }
  // Whether some layer is of kind k (its letter is in the pattern).
  bool pattern_has(LayerKind k) const {
    if (layer_pattern.empty()) return k == LayerKind::kSsm;
    return layer_pattern.find(static_cast<char>(k)) != std::string::npos;
  }
  // Whether any layer has a part of kind k (a parallel layer has
  // attention and an SSM, a shared block attention and an MLP).
  bool has(LayerKind k) const;
  // Which shared block each layer invokes (G layers; 0 for the rest): the
  // blocks take turns (ABAB), counted from layer 0.
  std::vector<int32_t> shared_block_by_layer() const {
    std::vector<int32_t> out(static_cast<size_t>(n_layer), 0);
    for (int64_t l = 0, calls = 0; l < n_layer && shared_blocks > 0; ++l) {
      if (layer_kind(l) == LayerKind::kShared) {
        out[static_cast<size_t>(l)] = static_cast<int32_t>(calls++ % shared_blocks);
      }
    }
    return out;
  }
  bool hybrid() const {
    return !layer_pattern.empty() && layer_pattern.find_first_not_of('M') != std::string::npos;
  }
  // Weights of one feed-forward of d_ff (2 or 3 matrices of d_model x d_ff).
  int64_t ffn_parameters(int64_t d_ff, FfnActivation a) const {
    return (gated(a) ? 3 : 2) * d_model * d_ff;
  }
  // Parameters of one layer of a kind, its pre-norm's gains included (the
  // kind's registered formula).
  int64_t layer_parameters(LayerKind k) const;
  // Channels of the depthwise conv1d: x (Mamba-1), or x, B and C (Mamba-2).
  int64_t conv_dim() const { return mamba2() ? d_inner + 2 * n_groups * d_state : d_inner; }
  // Parameters: embedding, layers (norm, in_proj, conv with bias, x_proj
  // and dt_proj or the per-head dt_bias/A/D and the gated norm, A and D,
  // out_proj), final norm, and lm_head when untied. No projection biases
  // (use_bias is off in every published Mamba).
  int64_t ssm_layer_parameters() const {
    const int64_t D = d_inner, dm = d_model, N = d_state, cd = conv_dim();
    int64_t layer = dm + cd * d_conv + cd + D * dm;
    if (mamba2()) {
      layer += dm * (2 * D + 2 * n_groups * N + n_heads) + 3 * n_heads + D;
    } else {
      layer += dm * 2 * D + D * (dt_rank + 2 * N) + dt_rank * D + D + D * N + D;
    }
    return layer;
  }
  int64_t parameters() const;
  // A key of a kind registered without a field of its own (kind_values).
  int64_t value(const std::string& key) const {
    const auto it = kind_values.find(key);
    if (it == kind_values.end())
      throw Error("model '" + name + "': no value for key '" + key + "'");
    return it->second;
  }
};

inline const LayerKindModel& registered_kind(LayerKind k) {
  const LayerKindModel* m = find_layer_kind(k);
  if (!m) {
    throw Error(std::string("layer kind '") + static_cast<char>(k) +
                "' is not registered (lower/layer_kinds.cpp)");
  }
  return *m;
}

inline bool ModelDims::has(LayerKind k) const {
  if (pattern_has(k)) return true;
  for (const LayerKindModel* m : layer_kind_models()) {
    if (!pattern_has(m->kind)) continue;
    for (LayerKind part : m->parts) {
      if (part == k) return true;
    }
  }
  return false;
}

inline int64_t ModelDims::layer_parameters(LayerKind k) const {
  return registered_kind(k).layer_parameters(*this);
}

inline int64_t ModelDims::parameters() const {
  int64_t layers = 0;
  for (int64_t l = 0; l < n_layer; ++l) layers += layer_parameters(layer_kind(l));
  for (const LayerKindModel* m : layer_kind_models()) {
    if (m->model_parameters && pattern_has(m->kind)) layers += m->model_parameters(*this);
  }
  return vocab_size * d_model * (tie_word_embeddings ? 1 : 2) + layers + d_model;
}

}  // namespace ssmsim
