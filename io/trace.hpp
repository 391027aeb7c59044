// ssm-trace v1: activations of a Mamba-1 or Mamba-2 forward pass in one
// safetensors file (__metadata__.arch). Opening checks the metadata and the shape of every act.*
// tensor against it; which tensors must exist depends on the command, so callers ask for them by
// name and get an error naming the missing one.
#pragma once

#include <limits>
#include <string>
#include <vector>

#include "common/model_dims.hpp"
#include "io/safetensors.hpp"

namespace ssmsim {

class Trace {
 public:
  explicit Trace(const std::string& path);
  // Validates an already-open file (in-memory traces, fuzzing).
  explicit Trace(SafetensorsFile file);

  const std::string& path() const { return file_.path(); }
  const ModelDims& dims() const { return dims_; }
  int64_t batch() const { return batch_; }
  int64_t seq_len() const { return seq_len_; }
  const SafetensorsFile& file() const { return file_; }
  const std::map<std::string, std::string>& metadata() const { return file_.metadata(); }

  // Per-layer activation name, e.g. layer_name(3, "ssm.u").
  static std::string layer_name(int64_t layer, const std::string& tensor);
  // Names of the per-layer tensors of an architecture.
  static const std::vector<std::string>& layer_tensors(ModelArch arch = ModelArch::kMamba1);
  bool is_layer_tensor(const std::string& tensor) const;

  bool has_layer(int64_t layer, const std::string& tensor) const {
    return file_.has(layer_name(layer, tensor));
  }
  // Throws Error naming the file and tensor when it is missing.
  const TensorView& layer(int64_t layer, const std::string& tensor) const;
  const TensorView& get(const std::string& name) const { return file_.get(name); }
  std::vector<int32_t> tokens() const;
  // Each sequence of the batch, its first max_tokens tokens at most.
  std::vector<std::vector<int32_t>> sequences(
      int64_t max_tokens = std::numeric_limits<int64_t>::max()) const;

 private:
  void validate();
  SafetensorsFile file_;
  ModelDims dims_;
  int64_t batch_ = 0;
  int64_t seq_len_ = 0;
};

// The last dimension of a per-layer tensor, e.g. d_inner for "ssm.u".
int64_t layer_tensor_width(const ModelDims& d, const std::string& tensor);

// The SSM input, where the soft-edge quantizer acts: ssm.u (Mamba-1) or
// ssm.x (Mamba-2).
inline const char* ssm_input_tensor(ModelArch a) {
  return a == ModelArch::kMamba2 ? "ssm.x" : "ssm.u";
}

// What computes a Mamba-1 forward (the fp32 reference, the W8A8 pipeline,
// the trace datapath) refuses a Mamba-2 model with an Error naming `what`
// (a file or folder) and what reads Mamba-2 today.
void require_mamba1(const ModelDims& d, const std::string& what);

// Mamba-2: n_heads x head_dim = d_inner and n_groups dividing n_heads, or an
// Error starting with `where` (the file and where the numbers are).
void check_mamba2_dims(const ModelDims& d, const std::string& where);

}  // namespace ssmsim
