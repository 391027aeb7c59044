// Shape of a Mamba model (Mamba-1, or Mamba-2 with its heads and groups),
// shared by traces, checkpoints and workloads.
#pragma once

#include <cstdint>
#include <string>

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

  bool mamba2() const { return arch == ModelArch::kMamba2; }
  // Channels of the depthwise conv1d: x (Mamba-1), or x, B and C (Mamba-2).
  int64_t conv_dim() const { return mamba2() ? d_inner + 2 * n_groups * d_state : d_inner; }
  // Parameters: embedding, layers (norm, in_proj, conv with bias, x_proj
  // and dt_proj or the per-head dt_bias/A/D and the gated norm, A and D,
  // out_proj), final norm, and lm_head when untied. No projection biases
  // (use_bias is off in every published Mamba).
  int64_t parameters() const {
    const int64_t D = d_inner, dm = d_model, N = d_state, cd = conv_dim();
    int64_t layer = dm + cd * d_conv + cd + D * dm;
    if (mamba2()) {
      layer += dm * (2 * D + 2 * n_groups * N + n_heads) + 3 * n_heads + D;
    } else {
      layer += dm * 2 * D + D * (dt_rank + 2 * N) + dt_rank * D + D + D * N + D;
    }
    return vocab_size * dm * (tie_word_embeddings ? 1 : 2) + n_layer * layer + dm;
  }
};

}  // namespace ssmsim
