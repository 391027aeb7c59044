// The fp32 reference forward of a Mamba-1 model (MambaForCausalLM), from a
// checkpoint: prefill over a sequence (GEMMs over all tokens, conv1d over
// the sequence) and token-by-token decode with carried conv and SSM state.
// It reproduces the trace's activations (tests/mamba) and is the
// baseline the quantized pipelines are measured against.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <vector>

#include "io/checkpoint.hpp"

namespace ssmsim {

struct MambaLayerWeights {
  std::vector<float> norm;            // [d_model]
  std::vector<float> in_proj;         // [2 d_inner, d_model]
  std::vector<float> conv_w, conv_b;  // [d_inner, d_conv], [d_inner]
  std::vector<float> x_proj;          // [dt_rank + 2 d_state, d_inner]
  std::vector<float> dt_w, dt_b;      // [d_inner, dt_rank], [d_inner]
  std::vector<float> A;               // -exp(A_log), transposed: [d_state, d_inner]
  std::vector<float> D;               // [d_inner]
  std::vector<float> out_proj;        // [d_model, d_inner]
};

struct MambaWeights {
  ModelDims dims;
  std::vector<float> embeddings, norm_f, lm_head;  // [vocab, d_model], [d_model], [vocab, d_model]
  std::vector<MambaLayerWeights> layers;
};

MambaWeights load_weights(const Checkpoint& ckpt);

// Per-layer activations of a prefill, [L, width] row-major (trace names).
struct LayerActivations {
  std::vector<float> mixer_in, x, z, u, dt, B, C, y, mixer_out;
  std::vector<float> dt_low;  // x_proj's first dt_rank outputs (dt_proj input)
  // SSM states h [d_state, d_inner] after each token of [h_from, L), one
  // after another: by default the final state only (what a decode cache
  // keeps and Quamba's state observer sees).
  std::vector<float> h;
  int64_t h_from = 0;
};

// y[m, n] = sum_k x[m, k] * w[n, k] (a PyTorch Linear without bias).
void linear(const float* x, int64_t M, int64_t K, const float* w, int64_t N, float* y);
void rms_norm(const float* x, int64_t M, int64_t width, const float* w, double eps, float* y);
// The head of either architecture on `rows` rows of the residual stream:
// the final RMSNorm (into `normed`, rows x d_model) and lm_head; the logits
// [rows, vocab].
std::vector<float> head_logits(const float* resid, int64_t rows, const ModelDims& d,
                               const std::vector<float>& norm_f, const std::vector<float>& lm_head,
                               float* normed);
// The residual stream's start for either architecture: the embedding rows
// of `tokens` into `resid` [L, d_model]; a token outside the vocabulary is
// an error naming its position.
void embed_tokens(const std::vector<int32_t>& tokens, const std::vector<float>& embeddings,
                  int64_t d_model, int64_t vocab, std::vector<float>& resid);
// Causal depthwise conv1d + SiLU over rows [t0, t1) of x [rows, C] (zero
// padding before row 0; reads up to K - 1 rows before t0): y[t, c] =
// SiLU(b[c] + sum_j w[c, j] x[t - K + 1 + j, c]), the sum from j = 0.
void causal_conv1d_silu(const float* x, int64_t C, const float* w, const float* b, int64_t K,
                        int64_t t0, int64_t t1, float* y);
// One decode token of the same: `in` [C] is the new input, `window`
// [K - 1, C] the previous inputs, oldest first; y [C] gets the output and
// the window shifts to end with `in`.
void conv1d_silu_step(const float* in, int64_t C, const float* w, const float* b, int64_t K,
                      float* window, float* y);
// Copies the column blocks of rows [L, width] into their own [L, n] arrays,
// in order: parts {dst, n} cover the width from column 0.
struct ColumnPart {
  float* dst;
  int64_t n;
};
void split_columns(const float* src, int64_t L, int64_t width,
                   std::initializer_list<ColumnPart> parts);

// Replaces the SSM input u [L, d_inner] of a layer by what a quantizer makes
// of it: `scan` feeds the selective scan (the decoded value), `xproj` feeds
// x_proj (which takes INT8 only). Both start as copies of u.
using SsmInputHook = std::function<void(int64_t layer, const std::vector<float>& u,
                                        std::vector<float>& scan, std::vector<float>& xproj)>;

class MambaForward {
 public:
  explicit MambaForward(const MambaWeights& w);
  // With a hook, prefill quantizes the SSM input of every layer.
  void set_ssm_input_hook(SsmInputHook hook) { hook_ = std::move(hook); }

  // Prefill of L tokens: logits [L, vocab]; per-layer activations if asked,
  // with the SSM states after tokens [states_from, L) (-1: the last token).
  std::vector<float> prefill(const std::vector<int32_t>& tokens,
                             std::vector<LayerActivations>* acts = nullptr,
                             int64_t states_from = -1) const;
  // The same, handing each layer's activations to `observe` as the layer
  // ends (it may move them out); nothing is kept.
  using LayerObserver = std::function<void(int64_t layer, LayerActivations& a)>;
  std::vector<float> prefill(const std::vector<int32_t>& tokens, const LayerObserver& observe,
                             int64_t states_from = -1) const;

  // Decode: reset the state, then one token at a time -> logits [vocab].
  void reset();
  std::vector<float> step(int32_t token);

 private:
  const MambaWeights& w_;
  SsmInputHook hook_;
  // Decode state per layer: the last d_conv - 1 conv inputs and h.
  std::vector<std::vector<float>> conv_state_, ssm_state_;
};

}  // namespace ssmsim
