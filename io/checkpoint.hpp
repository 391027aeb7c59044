// A Hugging Face MambaForCausalLM checkpoint folder: config.json plus
// model.safetensors, or shards listed in model.safetensors.index.json.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/model_dims.hpp"
#include "io/safetensors.hpp"

namespace ssmsim {

// Reads the model dimensions from config.json; errors name the key.
ModelDims read_model_config(const std::string& config_path);

class Checkpoint {
 public:
  explicit Checkpoint(const std::string& dir);

  const std::string& dir() const { return dir_; }
  const ModelDims& dims() const { return dims_; }
  bool has(const std::string& name) const;
  // Tensor by parameter name; throws Error naming the checkpoint and tensor
  // when missing. lm_head.weight falls back to the embeddings when tied.
  const TensorView& get(const std::string& name) const;
  // Per-layer parameter, e.g. layer(2, "mixer.in_proj.weight").
  const TensorView& layer(int64_t layer, const std::string& param) const;
  // Shards that were opened (one for unsharded checkpoints).
  size_t shard_count() const { return shards_.size(); }
  const std::vector<std::unique_ptr<SafetensorsFile>>& shards() const { return shards_; }

 private:
  void check_shapes() const;

  std::string dir_;
  ModelDims dims_;
  std::vector<std::unique_ptr<SafetensorsFile>> shards_;
  std::map<std::string, const TensorView*> index_;
};

// The checkpoint beside a trace: DIR/<model> or DIR/../models/<model>
// (DIR: the trace's folder), or "" if neither holds a config.json.
std::string find_checkpoint(const std::string& trace, const std::string& model);

}  // namespace ssmsim
