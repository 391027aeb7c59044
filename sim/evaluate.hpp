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
};

struct EvalResult {
  EvalRequest request;
  int64_t n_layer = 0;
  int64_t sequences = 0;
  Score fp32;
  std::vector<Score> quantized;  // by request.kinds
  // Reported tensors (w8a8_tensor_names(), or ssm.u alone) and their
  // per-layer error: [quantizer][layer * w8a8_tensor_names().size() + tensor].
  std::vector<std::string> tensors;
  std::vector<std::vector<quant::ErrorStats>> layer_err;
  std::vector<float> u_scales;  // per layer
  QuantScales scales;           // w8a8: every site's scale
};

EvalResult evaluate(const EvalRequest& r);

}  // namespace ssmsim
