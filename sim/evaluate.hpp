// ssmsim eval as a library function: what an SSM-input quantizer costs at
// the model's output. The fp32 reference model runs on the traces' tokens,
// once as is and once per quantizer, in Quamba's W8A8 pipeline or with only
// the SSM input u quantized; scored by next-token cross-entropy, top-1
// agreement with fp32 and the per-layer error of every quantized tensor.
#pragma once

#include <string>
#include <vector>

#include "mamba/scoring.hpp"
#include "mamba/w8a8.hpp"
#include "mamba/w8a8_mamba2.hpp"
#include "numeric/metrics.hpp"
#include "numeric/quantizer.hpp"

namespace ssmsim {

struct EvalRequest {
  std::string model;                // checkpoint folder
  std::vector<std::string> traces;  // evaluated tokens
  std::vector<std::string> calib;   // calibration traces (empty: the evaluated ones)
  std::vector<quant::QuantKind> kinds;
  bool w8a8 = true;         // else only u quantized, the rest fp32
  std::string scales_file;  // w8a8: scales from ssmsim calibrate ("": calibrate)
  double percentile = 99.99;
  int64_t prompt_tokens = -1;   // w8a8: prompt length, the rest decode steps (-1: all prompt)
  bool allow_mismatch = false;  // a checkpoint whose logits differ from the traces': warn only
  // Mamba-2: the scale schemes of x, B, C and the state (empty: both).
  std::vector<ScaleScheme> schemes;
};

struct EvalResult {
  EvalRequest request;
  ModelArch arch = ModelArch::kMamba1;
  int64_t n_layer = 0;
  int64_t sequences = 0;
  Score fp32;
  // One per quantized run: Mamba-1 by request.kinds; Mamba-2 by kind, then
  // scheme. labels name them ("se", or "se/quamba2").
  std::vector<std::string> labels;
  std::vector<Score> quantized;
  // Reported tensors and their per-layer error:
  // [run][layer * tensors.size() + tensor]. ssm_in and state index the SSM
  // input and the stored state among them (state = tensors.size(): none).
  std::vector<std::string> tensors;
  size_t ssm_in = 0, state = 0;
  std::vector<std::vector<quant::ErrorStats>> layer_err;
  std::vector<float> u_scales;      // per layer, the SSM input's (per-tensor) scale
  std::vector<float> state_scales;  // per layer, the state's (per-tensor) scale
  QuantScales scales;               // Mamba-1 w8a8: every site's scale
  Mamba2Scales scales2;             // Mamba-2: every scale of both schemes
};

EvalResult evaluate(const EvalRequest& r);

}  // namespace ssmsim
