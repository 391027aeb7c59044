// The Quamba W8A8 pipeline (../shared/spec/quantizers.md): weights per-tensor
// INT8 (round half to even); activations static per-tensor INT8 with
// calibrated scales (percentile + EMA for the SSM input, max for the rest);
// INT8 GEMMs with INT32 accumulation and a round-half-even saturating
// requantization; conv1d + SiLU fused, its output through the SSM-input
// quantizer (int8, se or se-authors); the scan in fp32 from the quantized
// inputs; y rotated by the Hadamard transform and quantized (roundf, no
// clamp) for out_proj, whose weights carry the transform (W H^T) offline;
// the SSM state h stored INT8 (round half to even, saturating; percentile
// scale) where it leaves the scan unit: after the prompt and after every
// decode step, as Quamba's decode cache keeps it.
// The residual stream, RMSNorm statistics, the final norm and lm_head stay
// fp32.
#pragma once

#include <array>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/ops.hpp"
#include "mamba/mamba_forward.hpp"
#include "mamba/scales_file.hpp"
#include "numeric/metrics.hpp"
#include "numeric/quantizer.hpp"

namespace ssmsim {

// The calibrated activation sites of a layer, in LayerScales' order (u and
// h have percentile observers, the rest max).
enum class ScaleSite : int { kMixerIn, kX, kZ, kU, kDtLow, kB, kC, kYHad, kH };

// Static activation scales of one layer (scale = amax / 127).
struct LayerScales {
  float mixer_in = 1, x = 1, z = 1, u = 1, dt_low = 1, B = 1, C = 1, y_had = 1, h = 1;
};

struct QuantScales : ScalesHeader {
  std::vector<LayerScales> layers;
  nlohmann::ordered_json to_json() const;
  // Errors name the file and key path.
  static QuantScales from_json(const nlohmann::json& j, const std::string& where, int64_t n_layer);
  static QuantScales load(const std::string& path, int64_t n_layer);
};

// Calibrates with Quamba's observers over token sequences (one sample each)
// run through the fp32 model.
class ScaleCalibrator {
 public:
  ScaleCalibrator(const MambaWeights& w, double percentile);
  // One sample's statistics (thread-safe: samples may be measured in
  // parallel), then folded in sample order (the EMA depends on the order).
  static constexpr int kSites = 9;  // LayerScales' members in order
  struct Sample {
    // Per layer and site: max |x|, or for u and h the percentile of |x|.
    std::vector<std::array<double, kSites>> amax;
  };
  Sample measure(const std::vector<int32_t>& tokens) const;
  // The same statistics from an fp32 forward already run (its activations).
  Sample measure(const std::vector<LayerActivations>& acts, int64_t tokens) const;
  void fold(const Sample& s);
  void observe(const std::vector<int32_t>& tokens) { fold(measure(tokens)); }
  // Every sample measured on parallel threads (each takes the next sample:
  // texts differ in length), then folded in sample order. `progress`, if
  // set, is called with the count of samples measured so far (from the
  // measuring threads, one call at a time).
  void observe_all(const std::vector<std::vector<int32_t>>& samples,
                   const std::function<void(size_t done)>& progress = nullptr);
  QuantScales scales() const;

 private:
  std::array<double, kSites> measure_layer(const LayerActivations& a, int64_t tokens) const;
  const MambaWeights& w_;
  double percentile_;
  int64_t samples_ = 0;
  // Per layer and site: running max, or for u and h the percentile's EMA.
  std::vector<std::array<double, kSites>> amax_;
};

// Quamba's static scales from the fp32 forward of `sequences` (measured in
// parallel, folded in order): the one calibration of run, eval and
// calibrate.
QuantScales calibrate_scales(const MambaWeights& w,
                             const std::vector<std::vector<int32_t>>& sequences, double percentile,
                             const std::function<void(size_t done)>& progress = nullptr);

struct W8A8Options {
  bool quantize_weights = true;
  bool quantize_activations = true;
  bool quantize_state = true;  // with the activations: h stored INT8 between steps
  quant::QuantKind ssm_input = quant::QuantKind::kInt8;
  quant::SoftEdgeParams se;
};

class W8A8Sequence;

class W8A8Mamba {
 public:
  W8A8Mamba(const MambaWeights& w, const QuantScales& scales, const W8A8Options& o);
  // logits [L, vocab]; per-layer activations (the quantized pipeline's own
  // values, dequantized) if asked.
  std::vector<float> prefill(const std::vector<int32_t>& tokens,
                             std::vector<LayerActivations>* acts = nullptr) const;
  // The same with another SSM-input quantizer (the weights are shared), and
  // the first prompt_tokens tokens as the prompt, the rest decode steps
  // (-1: all prompt); see W8A8Sequence.
  std::vector<float> prefill(const std::vector<int32_t>& tokens, quant::QuantKind ssm_input,
                             std::vector<LayerActivations>* acts, int64_t prompt_tokens = -1) const;

 private:
  friend class W8A8Sequence;
  using QTensor = quant::Int8Weights;  // f: fp32 values when weights are not quantized
  struct Layer {
    QTensor in_proj, conv, x_proj, dt_proj, out_proj_had;
  };
  // gemm: the weight of a GEMM (its fp32 values are kept only for fp32 GEMMs).
  QTensor make_weight(const std::vector<float>& w, bool gemm) const;
  const MambaWeights& w_;
  QuantScales scales_;
  W8A8Options o_;
  std::vector<Layer> layers_;
};

}  // namespace ssmsim

namespace ssmsim {

// One token sequence through a W8A8Mamba, operation by operation on a range
// of rows [t0, t1): what the accelerator's units execute tile by tile (or
// token by token in decode), and what W8A8Mamba::prefill runs over the whole
// sequence, so both produce the same bits. Operations carry the state a
// Mamba block carries: conv1d reads up to d_conv - 1 rows before t0 (their
// in_proj must have run), the scan's state passes from one range to the next
// (ranges in token order). Every other operation is row by row.
//
// Tokens [0, prompt_tokens) are the prompt, the rest decode steps. The SSM
// state is stored INT8 after the prompt's last token and after every decode
// step (Quamba's cache); within the prompt the scan keeps it fp32. Both
// depend only on the token index, so a prompt run in one range, in tiles or
// token by token gives the same bits.
class W8A8Sequence {
 public:
  W8A8Sequence(const W8A8Mamba& m, std::vector<int32_t> tokens);
  // With another SSM-input quantizer than the model's options say; -1: all
  // tokens are the prompt.
  W8A8Sequence(const W8A8Mamba& m, std::vector<int32_t> tokens, quant::QuantKind ssm_input,
               int64_t prompt_tokens = -1);

  // One operation of a layer (0..n_layer-1), or of the head (final_norm,
  // lm_head: layer n_layer), on rows [t0, t1).
  void run(Op op, int64_t layer, int64_t t0, int64_t t1);
  // The SSM-input quantizer: its error against the unquantized u of the
  // pipeline, and each element's soft-edge region (if regions is not null).
  quant::ErrorStats ssm_in_quant(int64_t layer, int64_t t0, int64_t t1, uint8_t* regions);

  int64_t tokens() const { return L_; }
  // The first token after which the state is stored INT8 (and recorded as
  // the activations' h): the prompt's last, or 0 without a prompt.
  int64_t state_from() const { return state_from_; }
  // The same for any sequence of L tokens with that prompt length (-1: all
  // prompt): where the fp32 reference must record its states to compare.
  static int64_t state_from(int64_t prompt_tokens, int64_t L);
  const std::vector<int32_t>& token_ids() const { return tokens_; }
  const std::vector<float>& logits() const { return logits_; }  // [L, vocab]
  // The pipeline's own per-layer values (dequantized), as LayerActivations,
  // moved out: the sequence's buffers are left empty.
  std::vector<LayerActivations> take_activations();

 private:
  struct Act {
    std::vector<float> v;
    std::vector<int8_t> q;
    float s = 1;
  };
  struct LayerBuf {
    Act in, qx, qz, uq, ux, qdtl, qB, qC;
    std::vector<float> u, dt, y, out, h;  // y: the scan's output, gated in place
    std::vector<float> hs;                // h after tokens [state_from_, L)
    std::vector<int32_t> qy;              // INT8 codes of H y (roundf, no clamp: may pass 127)
    std::vector<float> yh;                // H y for an fp32 out_proj (without INT8 GEMMs)
  };
  // a[at .. at + n) from src[0 .. n) through the site's quantizer.
  void quantize_rows(const float* src, Act& a, size_t at, size_t n, float s) const;
  // out[0 .. (t1 - t0) * N) = in's rows [t0, t1) times W.
  void gemm_rows(const Act& in, int64_t t0, int64_t t1, int64_t K, const W8A8Mamba::QTensor& W,
                 int64_t N, float* out) const;
  void check(Op op, int64_t layer, int64_t t0, int64_t t1) const;

  const W8A8Mamba& m_;
  std::vector<int32_t> tokens_;
  int64_t L_, state_from_;
  bool A_, ints_, state_q_;
  quant::QuantKind ssm_input_;
  std::vector<float> resid_, mix_, normed_, logits_;
  std::vector<float> scratch_;  // one operation's transient rows (GEMM outputs before the split)
  std::vector<LayerBuf> layers_;
};

}  // namespace ssmsim
