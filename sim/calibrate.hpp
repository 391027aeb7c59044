// ssmsim calibrate as a library function: Quamba's static activation scales
// for the W8A8 pipeline, from the fp32 model run over calibration texts
// (byte tokens for a 256-entry vocabulary) or over the tokens of traces.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "mamba/w8a8.hpp"
#include "mamba/w8a8_mamba2.hpp"

namespace ssmsim {

struct CalibrateRequest {
  std::string model;                // checkpoint folder
  std::string text;                 // .jsonl texts, or:
  std::vector<std::string> traces;  // traces whose tokens calibrate
  int64_t samples = 0;              // the first N samples; 0 = all
  int64_t max_tokens = 512;         // tokens per sample
  double percentile = 99.99;        // of |u| and |h|
  // Called as samples finish: (done, total), one call at a time.
  std::function<void(size_t done, size_t total)> progress;
};

struct CalibrateResult {
  ModelArch arch = ModelArch::kMamba1;
  QuantScales scales;    // Mamba-1
  Mamba2Scales scales2;  // Mamba-2: both schemes' scales
  int64_t samples = 0;
  uint64_t tokens = 0;
  double wall_s = 0;  // the calibration itself, without loading
};

// Byte tokens of every non-empty {"text": ...} line of a .jsonl file, up to
// max_tokens each.
std::vector<std::vector<int32_t>> text_samples(const std::string& path, int64_t max_tokens);

CalibrateResult calibrate(const CalibrateRequest& r);

}  // namespace ssmsim
