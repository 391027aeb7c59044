// W8A8 for Mamba-2, as Quamba2 (Chiang et al., ICML 2025; code:
// github.com/enyac-group/Quamba, quamba/qMamba2.py W8A8QMamba2,
// quamba/modelutils_mamba.py run_quamba2_calibration, quamba/reorder_utils.py)
// does it: INT8 weights (per tensor, round half to even); static INT8
// activations: in_proj's input and its outputs z, x/B/C (the conv1d input,
// one scale each) and dt; conv1d + SiLU with INT8 weights, whose outputs x
// (the SSM input, through the swappable int8 / se / se-authors quantizer), B
// and C are quantized; the SSD in fp32 from the dequantized inputs; the gated
// RMSNorm on the INT8 gate; its output rotated by the Hadamard transform
// and quantized for out_proj (weights W H^T); the SSM state stored INT8
// after the prompt and after every decode step. Two scale schemes for x, B,
// C and the state:
//  - per-tensor (Quamba): one scale each; x and the state from the
//    percentile observer (EMA), B and C from the running max;
//  - Quamba2: x per (state group, head group, dim group), the groups found
//    by Quamba2's sort-and-cluster (each head's channel statistics sorted,
//    heads clustered by Ward agglomeration, the sorted positions by k-means;
//    4 x 4 groups), scales from the running max of each group; B and C one
//    scale per state group; the state per (group, head group, dim group,
//    state index).
// The residual stream, the RMSNorm statistics, the final norm and lm_head
// stay fp32.
#pragma once

#include <array>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/ops.hpp"
#include "mamba/mamba2_forward.hpp"
#include "mamba/scales_file.hpp"
#include "numeric/metrics.hpp"
#include "numeric/quantizer.hpp"

namespace ssmsim {

enum class ScaleScheme { kPerTensor, kQuamba2 };
const char* scheme_name(ScaleScheme s);  // "per-tensor", "quamba2"
ScaleScheme parse_scheme(const std::string& s, const std::string& what);

// Quamba2's grouping of one layer's SSM input channels.
struct Quamba2Groups {
  int64_t head_groups = 0, dim_groups = 0;  // per state group
  std::vector<int32_t> head_group;          // [H]: of head h, within its state group
  std::vector<int32_t> dim_group;           // [H P]: of channel h P + p
  // Quamba2's sort-and-cluster from per-channel statistics [H P] (the mean
  // |x| per channel, its max over samples).
  static Quamba2Groups cluster(const std::vector<float>& channel_stat, int64_t H, int64_t P,
                               int64_t G, int64_t head_groups = 4, int64_t dim_groups = 4);
  // Index of channel c's group: (g HG + head group) DG + dim group.
  int64_t index(int64_t c, int64_t P, int64_t heads_per_group) const {
    const int64_t h = c / P;
    return ((h / heads_per_group) * head_groups + head_group[h]) * dim_groups + dim_group[c];
  }
};

// Static scales of one layer (scale = amax / 127).
struct Mamba2LayerScales {
  float mixer_in = 1, z = 1, x_in = 1, B_in = 1, C_in = 1, dt = 1;  // in_proj in/outputs
  float x = 1, B = 1, C = 1, state = 1;  // per-tensor scheme (x, state: percentile)
  float y_had = 1;                       // out_proj input, H norm_out
  Quamba2Groups groups;
  std::vector<float> x_group;      // [G HG DG]
  std::vector<float> B_group;      // [G]
  std::vector<float> C_group;      // [G]
  std::vector<float> state_group;  // [G HG DG N]
};

struct Mamba2Scales : ScalesHeader {
  std::vector<Mamba2LayerScales> layers;
  nlohmann::ordered_json to_json() const;
  // Errors name the file and key path.
  static Mamba2Scales from_json(const nlohmann::json& j, const std::string& where,
                                const ModelDims& d);
  static Mamba2Scales load(const std::string& path, const ModelDims& d);
};

// Quamba's and Quamba2's observers over token sequences run through the
// fp32 Mamba-2 model, both schemes at once (one pass: Quamba2's clustering
// pass and scale pass see the same data).
class Mamba2ScaleCalibrator {
 public:
  Mamba2ScaleCalibrator(const Mamba2Weights& w, double percentile);
  static constexpr int kSites = 11;  // Mamba2LayerScales' per-tensor members in order
  struct LayerStats {
    std::array<double, kSites> amax{};   // max |.|, or x and state: this sample's percentile
    std::vector<float> ch_max, ch_mean;  // [D]: max |x|, mean |x| per channel
    std::vector<float> bc_max;           // [2 G N]: max |B|, then max |C| per channel
    std::vector<float> st_max;           // [H P N]: max |state| per element
  };
  using Sample = std::vector<LayerStats>;
  // One sample's statistics (thread-safe), then folded in sample order.
  Sample measure(const std::vector<int32_t>& tokens) const;
  Sample measure(const std::vector<Mamba2Activations>& acts, int64_t tokens) const;
  void fold(const Sample& s);
  void observe_all(const std::vector<std::vector<int32_t>>& samples,
                   const std::function<void(size_t done)>& progress = nullptr);
  Mamba2Scales scales() const;

 private:
  LayerStats measure_layer(const Mamba2Activations& a, int64_t tokens) const;
  const Mamba2Weights& w_;
  double percentile_;
  int64_t samples_ = 0;
  Sample acc_;
};

// Both schemes' scales from the fp32 forward of `sequences` (measured in
// parallel, folded in order): the one calibration of run, eval and
// calibrate.
Mamba2Scales calibrate_scales(const Mamba2Weights& w,
                              const std::vector<std::vector<int32_t>>& sequences, double percentile,
                              const std::function<void(size_t done)>& progress = nullptr);

struct Mamba2W8A8Options {
  bool quantize_state = true;
  quant::SoftEdgeParams se;
};

// The SSM input x [L, d_inner] of a layer through `kind`, in place, with the
// scheme's scale(s): one for the tensor, or each channel its Quamba2 group's.
// Returns the error against the input; `regions` (if given) receives each
// element's soft-edge region.
quant::ErrorStats quantize_ssm_input(std::vector<float>& x, int64_t L, const ModelDims& d,
                                     const Mamba2LayerScales& S, ScaleScheme scheme,
                                     quant::QuantKind kind, const quant::SoftEdgeParams& se = {});
quant::ErrorStats quantize_ssm_input(float* x, int64_t L, const ModelDims& d,
                                     const Mamba2LayerScales& S, ScaleScheme scheme,
                                     quant::QuantKind kind, const quant::SoftEdgeParams& se,
                                     uint8_t* regions);

class W8A8Mamba2 {
 public:
  W8A8Mamba2(const Mamba2Weights& w, const Mamba2Scales& scales, const Mamba2W8A8Options& o = {});
  // logits [L, vocab]; the pipeline's own per-layer values (dequantized) if
  // asked. Tokens [0, prompt_tokens) are the prompt (chunked SSD), the rest
  // decode steps (the recurrence); the state is stored INT8 after the
  // prompt and after every step (-1: all prompt).
  // ssm_in_err, if given, receives per layer the SSM-input quantizer's
  // error against its own input in the pipeline (with its region mix).
  std::vector<float> prefill(const std::vector<int32_t>& tokens, quant::QuantKind ssm_input,
                             ScaleScheme scheme, std::vector<Mamba2Activations>* acts = nullptr,
                             int64_t prompt_tokens = -1,
                             std::vector<quant::ErrorStats>* ssm_in_err = nullptr) const;

 private:
  using QTensor = quant::Int8Weights;  // f: dequantized (conv1d)
  struct Layer {
    QTensor in_proj, conv, out_proj_had;
    // Per scheme: the state scale of every element [H P N].
    std::array<std::vector<float>, 2> state_scale;
  };
  friend class W8A8Mamba2Sequence;
  const Mamba2Weights& w_;
  Mamba2Scales scales_;
  Mamba2W8A8Options o_;
  std::vector<Layer> layers_;
};

// One token sequence through a W8A8Mamba2, operation by operation on rows
// [t0, t1): what the accelerator's units execute tile by tile (or token by
// token in decode) and what W8A8Mamba2::prefill runs over the whole
// sequence, so both compute the same bits. Row operations are independent
// per row; conv1d reads the d_conv - 1 rows before t0; the SSD runs in the
// prompt (chunk_scan: chunks of the model's chunk_size from t0, so t0 must
// be a multiple of it) or one decode token (ssd_step), its state carried
// from range to range in token order and stored INT8 after the prompt and
// after every decode step. The other SSD kernels (bmm_chunk, ssd_decay,
// chunk_state, state_passing) are parts of chunk_scan's computation here.
class W8A8Mamba2Sequence {
 public:
  W8A8Mamba2Sequence(const W8A8Mamba2& m, std::vector<int32_t> tokens, quant::QuantKind ssm_input,
                     ScaleScheme scheme, int64_t prompt_tokens = -1);
  void run(Op op, int64_t layer, int64_t t0, int64_t t1);
  // The SSM-input quantizer on rows [t0, t1); its error against its input,
  // and each element's region (if regions is not null).
  quant::ErrorStats ssm_in_quant(int64_t layer, int64_t t0, int64_t t1, uint8_t* regions);

  int64_t tokens() const { return L_; }
  int64_t prompt_tokens() const { return prompt_; }
  const std::vector<int32_t>& token_ids() const { return tokens_; }
  const std::vector<float>& logits() const { return logits_; }
  // The SSM-input quantizer's error against its own input, merged over the
  // ranges it ran on, per layer.
  const std::vector<quant::ErrorStats>& ssm_in_errors() const { return ssm_in_err_; }
  // The same over all of the layer's rows at once, as prefill measures it
  // (the merged figures differ from it in the last bits of their sums).
  quant::ErrorStats ssm_in_error_whole(int64_t layer) const;
  // The pipeline's per-layer values (dequantized), moved out.
  std::vector<Mamba2Activations> take_activations();

 private:
  struct LayerBuf {
    std::vector<int8_t> qin;
    std::vector<float> conv, delta, x_in;  // x_in: x before the SSM-input quantizer
    int64_t ssd_next = 0;                  // the SSD's state has seen tokens [0, ssd_next)
    std::vector<int32_t> qy;
  };
  const W8A8Mamba2& m_;
  std::vector<int32_t> tokens_;
  int64_t L_, prompt_;
  quant::QuantKind kind_;
  ScaleScheme scheme_;
  std::vector<float> resid_, proj_, normed_, logits_, yh_;
  std::vector<Mamba2Activations> acts_;
  std::vector<LayerBuf> bufs_;
  std::vector<quant::ErrorStats> ssm_in_err_;
  // The SSD of layer l on rows [t0, t1): the prompt's chunks (op
  // kChunkScan) or decode's tokens one by one (kSsdStep); the state stored
  // INT8 after the prompt and each step (quantize_state).
  void ssd(Op op, int64_t l, int64_t t0, int64_t t1);
  void store_state(int64_t l);
};

// The per-layer tensors eval reports for Mamba-2, in order (the last is the
// SSM state as stored after the last token).
const std::vector<std::string>& mamba2_tensor_names();
const std::vector<float>& mamba2_activation(const Mamba2Activations& a, size_t tensor);

}  // namespace ssmsim
