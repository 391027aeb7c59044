#include "io/checkpoint.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/error.hpp"
#include "common/json_file.hpp"
#include "common/json_text.hpp"
#include "io/trace.hpp"

namespace ssmsim {

namespace {

bool file_exists(const std::string& path) { return std::ifstream(path).good(); }

int64_t cfg_int(const nlohmann::json& j, const std::string& path, const char* key) {
  if (!j.contains(key)) throw Error(path + ": missing key '" + std::string(key) + "'");
  const auto& v = j[key];
  if (!v.is_number_integer() || v.get<int64_t>() <= 0) {
    throw Error(path + ": key '" + std::string(key) + "' = " + json_text(v) +
                ", expected a positive integer");
  }
  return v.get<int64_t>();
}

}  // namespace

ModelDims read_model_config(const std::string& path) {
  // Written by Python (transformers): Infinity may appear.
  const nlohmann::json j = read_json_file(path, true);
  if (!j.is_object()) throw Error(path + ": expected a JSON object");
  ModelDims d;
  // transformers' MambaConfig (model_type "mamba") or Mamba2Config ("mamba2").
  std::string type = "mamba";
  if (j.contains("model_type")) {
    if (j["model_type"] != "mamba" && j["model_type"] != "mamba2") {
      throw Error(path + ": key 'model_type' = " + json_text(j["model_type"]) +
                  ", expected \"mamba\" or \"mamba2\"");
    }
    type = j["model_type"].get<std::string>();
  }
  d.arch = type == "mamba2" ? ModelArch::kMamba2 : ModelArch::kMamba1;
  d.d_model = cfg_int(j, path, "hidden_size");
  if (d.mamba2()) {
    // Mamba2Config has no intermediate_size: d_inner = expand x hidden_size.
    d.d_inner = cfg_int(j, path, "expand") * d.d_model;
    d.n_heads = cfg_int(j, path, "num_heads");
    d.head_dim = cfg_int(j, path, "head_dim");
    d.n_groups = cfg_int(j, path, "n_groups");
    d.chunk_size = cfg_int(j, path, "chunk_size");
    check_mamba2_dims(d, path + " (expand x hidden_size = d_inner)");
    if (j.contains("time_step_limit")) {
      const auto& lim = j["time_step_limit"];
      if (!lim.is_array() || lim.size() != 2 || !lim[0].is_number() || !lim[1].is_number() ||
          !(lim[0].get<double>() >= 0 && lim[1].get<double>() > lim[0].get<double>())) {
        throw Error(path + ": key 'time_step_limit' = " + json_text(lim) +
                    ", expected [lo, hi] with 0 <= lo < hi");
      }
      d.dt_limit_lo = lim[0].get<double>();
      d.dt_limit_hi = lim[1].get<double>();
    }
  } else {
    d.d_inner = cfg_int(j, path, "intermediate_size");
    d.dt_rank = cfg_int(j, path, "time_step_rank");
  }
  d.d_state = cfg_int(j, path, "state_size");
  d.n_layer = cfg_int(j, path, "num_hidden_layers");
  d.d_conv = cfg_int(j, path, "conv_kernel");
  d.vocab_size = cfg_int(j, path, "vocab_size");
  if (!j.contains("layer_norm_epsilon")) throw Error(path + ": missing key 'layer_norm_epsilon'");
  const auto& eps = j["layer_norm_epsilon"];
  if (!eps.is_number() || !(eps.get<double>() > 0)) {
    throw Error(path + ": key 'layer_norm_epsilon' = " + json_text(eps) +
                ", expected a positive number");
  }
  d.rms_norm_eps = eps.get<double>();
  // Default to true in transformers' MambaConfig and Mamba2Config (biases:
  // Mamba2Config's use_conv_bias true, use_bias false).
  d.use_conv_bias = true;
  d.use_bias = false;
  for (auto [key, field] :
       {std::pair{"residual_in_fp32", &d.residual_in_fp32},
        std::pair{"tie_word_embeddings", &d.tie_word_embeddings},
        std::pair{"use_conv_bias", &d.use_conv_bias}, std::pair{"use_bias", &d.use_bias}}) {
    if (!j.contains(key)) continue;
    if (!j[key].is_boolean()) {
      throw Error(path + ": key '" + std::string(key) + "' = " + json_text(j[key]) +
                  ", expected true or false");
    }
    *field = j[key].get<bool>();
  }
  if (!d.mamba2() && (!d.use_conv_bias || d.use_bias)) {
    throw Error(path + ": use_conv_bias false or use_bias true: only Mamba-2 checkpoints may " +
                "change them here");
  }
  return d;
}

namespace {

// A folder that is not a checkpoint: name the folders below it that are
// (a trace's folder holds its model's checkpoint in a subfolder).
void check_is_checkpoint(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw Error(dir + ": not a folder (expected a checkpoint folder)");
  if (fs::exists(fs::path(dir) / "config.json", ec)) return;
  std::vector<std::string> below;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.is_directory(ec) && fs::exists(e.path() / "config.json", ec)) {
      below.push_back(e.path().string());
    }
  }
  std::sort(below.begin(), below.end());
  std::string msg = dir + ": no config.json, not a checkpoint folder";
  if (!below.empty()) {
    msg += "; the folders below it that hold one:";
    for (const std::string& b : below) msg += " " + b;
  }
  throw Error(msg);
}

}  // namespace

Checkpoint::Checkpoint(const std::string& dir) : dir_(dir) {
  check_is_checkpoint(dir);
  dims_ = read_model_config(dir + "/config.json");
  const size_t slash = dir.find_last_not_of('/');
  const std::string trimmed = dir.substr(0, slash + 1);
  dims_.name = trimmed.substr(trimmed.find_last_of('/') + 1);
  const std::string single = dir + "/model.safetensors";
  const std::string index = dir + "/model.safetensors.index.json";
  if (file_exists(index)) {
    const nlohmann::json j = read_json_file(index);
    if (!j.is_object() || !j.contains("weight_map") || !j["weight_map"].is_object()) {
      throw Error(index + ": missing key 'weight_map' (an object of tensor name -> shard file)");
    }
    std::map<std::string, SafetensorsFile*> opened;
    for (auto it = j["weight_map"].begin(); it != j["weight_map"].end(); ++it) {
      if (!it.value().is_string()) {
        throw Error(index + ": weight_map." + it.key() + ": expected a shard file name");
      }
      const std::string shard = it.value().get<std::string>();
      if (shard.find('/') != std::string::npos) {
        throw Error(index + ": weight_map." + it.key() + ": shard '" + shard +
                    "' must be a file name inside the checkpoint folder");
      }
      auto& f = opened[shard];
      if (f == nullptr) {
        shards_.push_back(std::make_unique<SafetensorsFile>(dir + "/" + shard));
        f = shards_.back().get();
      }
      index_[it.key()] = &f->get(it.key());
    }
  } else if (file_exists(single)) {
    shards_.push_back(std::make_unique<SafetensorsFile>(single));
    for (const auto& [name, t] : shards_.back()->tensors()) index_[name] = &t;
  } else {
    throw Error(dir + ": neither model.safetensors nor model.safetensors.index.json found");
  }
  check_shapes();
}

bool Checkpoint::has(const std::string& name) const { return index_.count(name) != 0; }

const TensorView& Checkpoint::get(const std::string& name) const {
  auto it = index_.find(name);
  if (it == index_.end() && name == "lm_head.weight" && dims_.tie_word_embeddings) {
    it = index_.find("backbone.embeddings.weight");
  }
  if (it == index_.end()) throw Error(dir_ + ": missing required tensor '" + name + "'");
  return *it->second;
}

const TensorView& Checkpoint::layer(int64_t layer, const std::string& param) const {
  return get("backbone.layers." + std::to_string(layer) + "." + param);
}

void Checkpoint::check_shapes() const {
  const ModelDims& d = dims_;
  auto expect = [&](const std::string& name, std::vector<int64_t> shape) {
    const TensorView& t = get(name);
    if (t.shape != shape) {
      throw Error(t.file + ": tensor '" + name + "': shape " + t.shape_str() +
                  " disagrees with config.json, which implies " + shape_to_string(shape));
    }
    if (!dtype_is_float(t.dtype)) {
      throw Error(t.file + ": tensor '" + name + "': dtype " + dtype_name(t.dtype) +
                  ", expected F16, BF16 or F32");
    }
  };
  expect("backbone.embeddings.weight", {d.vocab_size, d.d_model});
  expect("backbone.norm_f.weight", {d.d_model});
  expect("lm_head.weight", {d.vocab_size, d.d_model});
  if (d.mamba2()) {
    // transformers' Mamba2ForCausalLM: in_proj rows z, xBC, dt; a gated
    // RMSNorm before out_proj; dt_bias, A_log and D one per head.
    const int64_t H = d.n_heads;
    for (int64_t i = 0; i < d.n_layer; ++i) {
      const std::string p = "backbone.layers." + std::to_string(i) + ".";
      expect(p + "norm.weight", {d.d_model});
      expect(p + "mixer.in_proj.weight",
             {2 * d.d_inner + 2 * d.n_groups * d.d_state + H, d.d_model});
      if (d.use_bias)
        expect(p + "mixer.in_proj.bias", {2 * d.d_inner + 2 * d.n_groups * d.d_state + H});
      expect(p + "mixer.conv1d.weight", {d.conv_dim(), 1, d.d_conv});
      if (d.use_conv_bias) expect(p + "mixer.conv1d.bias", {d.conv_dim()});
      expect(p + "mixer.dt_bias", {H});
      expect(p + "mixer.A_log", {H});
      expect(p + "mixer.D", {H});
      expect(p + "mixer.norm.weight", {d.d_inner});
      expect(p + "mixer.out_proj.weight", {d.d_model, d.d_inner});
      if (d.use_bias) expect(p + "mixer.out_proj.bias", {d.d_model});
    }
    return;
  }
  for (int64_t i = 0; i < d.n_layer; ++i) {
    const std::string p = "backbone.layers." + std::to_string(i) + ".";
    expect(p + "norm.weight", {d.d_model});
    expect(p + "mixer.in_proj.weight", {2 * d.d_inner, d.d_model});
    expect(p + "mixer.conv1d.weight", {d.d_inner, 1, d.d_conv});
    expect(p + "mixer.conv1d.bias", {d.d_inner});
    expect(p + "mixer.x_proj.weight", {d.dt_rank + 2 * d.d_state, d.d_inner});
    expect(p + "mixer.dt_proj.weight", {d.d_inner, d.dt_rank});
    expect(p + "mixer.dt_proj.bias", {d.d_inner});
    expect(p + "mixer.A_log", {d.d_inner, d.d_state});
    expect(p + "mixer.D", {d.d_inner});
    expect(p + "mixer.out_proj.weight", {d.d_model, d.d_inner});
  }
}

std::string find_checkpoint(const std::string& trace, const std::string& model) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(trace).parent_path();
  for (const fs::path& p : {dir / model, dir / ".." / "models" / model}) {
    if (fs::exists(p / "config.json")) return p.string();
  }
  return "";
}

}  // namespace ssmsim
