// What eval and run --pipeline w8a8 report at the model's output, computed
// by one piece of code: next-token cross-entropy, perplexity, top-1
// agreement with the fp32 model, and the per-layer error of every quantized
// tensor against the fp32 model's activations.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "mamba/mamba_forward.hpp"
#include "numeric/metrics.hpp"

namespace ssmsim {

struct Score {
  double nll = 0;  // sum of -log p(next token), nats
  uint64_t predictions = 0;
  uint64_t agree = 0;  // argmax equal to the fp32 model's
  // Per-token differences of -log p against the fp32 model (when scored
  // with a reference): their sum and sum of squares.
  double diff_sum = 0, diff_sq = 0;
  double ce() const { return predictions ? nll / static_cast<double>(predictions) : 0.0; }
  // Standard error of the mean paired difference: the cross-entropy
  // difference's noise from the finite number of predictions.
  double delta_ce_stderr() const;
};

// Adds the next-token log-loss of logits [L, V] for tokens, and the argmax
// agreement with reference logits (if given).
void score(const std::vector<float>& logits, const std::vector<int32_t>& tokens, int64_t V,
           const std::vector<float>* ref, Score& s);
nlohmann::ordered_json score_json(const Score& s, bool with_agreement);

// The per-layer tensors of the W8A8 pipeline, in report order (the last,
// ssm.h, is the SSM state where it is stored: see W8A8Sequence).
const std::vector<std::string>& w8a8_tensor_names();
// Their indices, by name.
enum class Tensor : size_t {
  kMixerIn,
  kX,
  kZ,
  kSsmU,
  kSsmDt,
  kSsmB,
  kSsmC,
  kSsmY,
  kMixerOut,
  kSsmH
};
constexpr size_t tensor_index(Tensor t) { return static_cast<size_t>(t); }
const std::vector<float>& activation(const LayerActivations& a, size_t tensor);
// Merges, for every layer and the first `tensors` tensors, the error of
// `got` against `ref` into err[layer * w8a8_tensor_names().size() + tensor].
void merge_layer_errors(const std::vector<LayerActivations>& ref,
                        const std::vector<LayerActivations>& got, size_t tensors,
                        std::vector<quant::ErrorStats>& err);

}  // namespace ssmsim
