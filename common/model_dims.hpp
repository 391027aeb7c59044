// Shape of a Mamba-1 model, shared by traces, checkpoints and workloads.
#pragma once

#include <cstdint>
#include <string>

namespace ssmsim {

struct ModelDims {
  std::string name;
  int64_t d_model = 0;
  int64_t n_layer = 0;
  int64_t d_inner = 0;
  int64_t d_state = 0;
  int64_t d_conv = 0;
  int64_t dt_rank = 0;
  int64_t vocab_size = 0;
  double rms_norm_eps = 1e-5;
  bool residual_in_fp32 = true;
  bool tie_word_embeddings = true;
};

}  // namespace ssmsim
