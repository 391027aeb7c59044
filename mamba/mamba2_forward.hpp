// The fp32 reference forward of a Mamba-2 model (transformers'
// Mamba2ForCausalLM), from a checkpoint: prefill runs the SSD in chunks of
// chunk_size tokens, decode the per-token recurrence with carried conv and
// SSM state. It reproduces the Mamba-2 traces (tests/mamba) and is the
// baseline the quantized pipelines are measured against.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "io/checkpoint.hpp"
#include "numeric/ssd.hpp"

namespace ssmsim {

struct Mamba2LayerWeights {
  std::vector<float> norm;            // [d_model]
  std::vector<float> in_proj;         // [2 d_inner + 2 G N + H, d_model]: rows z, xBC, dt
  std::vector<float> in_proj_b;       // [2 d_inner + 2 G N + H] (use_bias) or empty
  std::vector<float> conv_w, conv_b;  // [conv_dim, d_conv], [conv_dim] (zeros without bias)
  std::vector<float> dt_bias, A, D;   // [H] each; A = -exp(A_log)
  std::vector<float> gnorm;           // [d_inner], the gated RMSNorm's weight
  std::vector<float> out_proj;        // [d_model, d_inner]
  std::vector<float> out_proj_b;      // [d_model] (use_bias) or empty
};

struct Mamba2Weights {
  ModelDims dims;
  std::vector<float> embeddings, norm_f, lm_head;
  std::vector<Mamba2LayerWeights> layers;
  SsdShape ssd() const { return {dims.n_heads, dims.head_dim, dims.n_groups, dims.d_state}; }
  int64_t in_proj_rows() const {
    return 2 * dims.d_inner + 2 * dims.n_groups * dims.d_state + dims.n_heads;
  }
};

Mamba2Weights load_mamba2_weights(const Checkpoint& ckpt);

// Per-layer activations of a prefill, [L, width] row-major, named as in the
// trace (dt: in_proj's output, before dt_bias and softplus).
struct Mamba2Activations {
  std::vector<float> mixer_in, z, xBC, x, B, C, dt, y, norm_out, mixer_out;
  std::vector<float> state;  // the SSM state after the last token, [H, P, N]
  // Sizes every tensor for L tokens; the state is zero.
  void allocate(const ModelDims& d, int64_t L);
};

// delta = clamp(softplus(dt + dt_bias), lo, hi) for rows [L, H].
void mamba2_delta(const float* dt, const float* dt_bias, int64_t L, int64_t H, double lo, double hi,
                  float* delta);
// transformers' MambaRMSNormGated: v = y SiLU(z); v / sqrt(mean(v^2) + eps)
// * weight, the mean over all `width` channels of a row.
void gated_rms_norm(const float* y, const float* z, int64_t M, int64_t width, const float* w,
                    double eps, float* out);

// Replaces the SSD input x [L, d_inner] of a layer by what a quantizer makes
// of it (in place; the activations keep the unquantized x).
using Mamba2SsmInputHook = std::function<void(int64_t layer, std::vector<float>& x)>;

class Mamba2Forward {
 public:
  explicit Mamba2Forward(const Mamba2Weights& w);
  void set_ssm_input_hook(Mamba2SsmInputHook hook) { hook_ = std::move(hook); }

  // Prefill of L tokens: logits [L, vocab], per-layer activations if asked.
  std::vector<float> prefill(const std::vector<int32_t>& tokens,
                             std::vector<Mamba2Activations>* acts = nullptr) const;
  // The same, handing each layer's activations to `observe` as the layer
  // ends (it may move them out); nothing is kept.
  using LayerObserver = std::function<void(int64_t layer, Mamba2Activations& a)>;
  std::vector<float> prefill(const std::vector<int32_t>& tokens,
                             const LayerObserver& observe) const;

  // Decode: reset the state, then one token at a time -> logits [vocab].
  void reset();
  std::vector<float> step(int32_t token);
  // A layer's SSM state [H, P, N] between steps.
  const std::vector<float>& state(int64_t layer) const {
    return ssm_state_[static_cast<size_t>(layer)];
  }

 private:
  const Mamba2Weights& w_;
  Mamba2SsmInputHook hook_;
  std::vector<std::vector<float>> conv_state_, ssm_state_;  // [K-1, conv_dim], [H, P, N]
};

}  // namespace ssmsim
