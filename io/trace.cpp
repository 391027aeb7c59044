#include "io/trace.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>

#include "common/error.hpp"

namespace ssmsim {

namespace {

const std::string& require_meta(const SafetensorsFile& f, const std::string& key) {
  auto it = f.metadata().find(key);
  if (it == f.metadata().end()) {
    throw Error(f.path() + ": __metadata__ misses required key '" + key + "'");
  }
  return it->second;
}

int64_t meta_int(const SafetensorsFile& f, const std::string& key, int64_t min_value) {
  const std::string& s = require_meta(f, key);
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0' || errno != 0 || v < min_value) {
    throw Error(f.path() + ": __metadata__." + key + " = '" + s +
                "': expected a decimal integer >= " + std::to_string(min_value));
  }
  return v;
}

void expect_meta(const SafetensorsFile& f, const std::string& key, const std::string& value) {
  const std::string& s = require_meta(f, key);
  if (s != value) {
    throw Error(f.path() + ": __metadata__." + key + " = '" + s + "', expected '" + value + "'");
  }
}

}  // namespace

void check_mamba2_dims(const ModelDims& d, const std::string& where) {
  if (d.n_heads * d.head_dim != d.d_inner) {
    throw Error(where + ": n_heads x head_dim = " + std::to_string(d.n_heads) + " x " +
                std::to_string(d.head_dim) + " = " + std::to_string(d.n_heads * d.head_dim) +
                ", expected d_inner = " + std::to_string(d.d_inner));
  }
  if (d.n_heads % d.n_groups != 0) {
    throw Error(where + ": n_groups = " + std::to_string(d.n_groups) +
                " does not divide n_heads = " + std::to_string(d.n_heads));
  }
}

void require_mamba1(const ModelDims& d, const std::string& what) {
  if (!d.mamba2()) return;
  throw Error(what + ": a Mamba-2 model (" + std::to_string(d.n_heads) + " heads x " +
              std::to_string(d.head_dim) + ", " + std::to_string(d.n_groups) + " group(s), chunk " +
              std::to_string(d.chunk_size) + "): expected a Mamba-1 model here");
}

const std::vector<std::string>& Trace::layer_tensors(ModelArch arch) {
  static const std::vector<std::string> mamba1 = {
      "mixer.in", "x", "z", "ssm.u", "ssm.dt", "ssm.B", "ssm.C", "ssm.y", "mixer.out"};
  static const std::vector<std::string> mamba2 = {"mixer.in", "z",        "xBC",    "ssm.x",
                                                  "ssm.B",    "ssm.C",    "ssm.dt", "ssm.y",
                                                  "norm.out", "mixer.out"};
  return arch == ModelArch::kMamba2 ? mamba2 : mamba1;
}

int64_t layer_tensor_width(const ModelDims& d, const std::string& tensor) {
  if (tensor == "mixer.in" || tensor == "mixer.out") return d.d_model;
  if (tensor == "ssm.B" || tensor == "ssm.C")
    return d.mamba2() ? d.n_groups * d.d_state : d.d_state;
  if (d.mamba2() && tensor == "xBC") return d.conv_dim();
  if (d.mamba2() && tensor == "ssm.dt") return d.n_heads;
  return d.d_inner;
}

std::string Trace::layer_name(int64_t layer, const std::string& tensor) {
  return "act.layers." + std::to_string(layer) + "." + tensor;
}

bool Trace::is_layer_tensor(const std::string& tensor) const {
  const auto& n = layer_tensors(dims_.arch);
  return std::find(n.begin(), n.end(), tensor) != n.end();
}

Trace::Trace(const std::string& path) : file_(path) { validate(); }

Trace::Trace(SafetensorsFile file) : file_(std::move(file)) { validate(); }

void Trace::validate() {
  const std::string& path = file_.path();
  expect_meta(file_, "format", "ssm-trace");
  expect_meta(file_, "version", "1");
  const std::string& arch = require_meta(file_, "arch");
  if (arch != "mamba1" && arch != "mamba2") {
    throw Error(path + ": __metadata__.arch = '" + arch + "', expected 'mamba1' or 'mamba2'");
  }
  dims_.arch = arch == "mamba2" ? ModelArch::kMamba2 : ModelArch::kMamba1;
  dims_.d_model = meta_int(file_, "d_model", 1);
  dims_.n_layer = meta_int(file_, "n_layer", 1);
  dims_.d_inner = meta_int(file_, "d_inner", 1);
  dims_.d_state = meta_int(file_, "d_state", 1);
  dims_.d_conv = meta_int(file_, "d_conv", 1);
  if (dims_.mamba2()) {
    dims_.n_heads = meta_int(file_, "n_heads", 1);
    dims_.head_dim = meta_int(file_, "head_dim", 1);
    dims_.n_groups = meta_int(file_, "n_groups", 1);
    dims_.chunk_size = meta_int(file_, "chunk_size", 1);
    check_mamba2_dims(dims_, path + ": __metadata__");
  } else {
    dims_.dt_rank = meta_int(file_, "dt_rank", 1);
  }
  dims_.vocab_size = meta_int(file_, "vocab_size", 1);
  batch_ = meta_int(file_, "batch", 1);
  seq_len_ = meta_int(file_, "seq_len", 1);
  auto model = file_.metadata().find("model");
  dims_.name = model != file_.metadata().end() ? model->second : "unknown";
  auto rif = file_.metadata().find("residual_in_fp32");
  if (rif != file_.metadata().end()) dims_.residual_in_fp32 = rif->second == "true";
  auto eps = file_.metadata().find("rms_norm_eps");
  if (eps != file_.metadata().end()) {
    char* end = nullptr;
    dims_.rms_norm_eps = std::strtod(eps->second.c_str(), &end);
    if (eps->second.empty() || *end != '\0' || !(dims_.rms_norm_eps > 0)) {
      throw Error(path + ": __metadata__.rms_norm_eps = '" + eps->second +
                  "': expected a positive number");
    }
  }

  // Every act.* tensor the format defines must agree with the metadata.
  for (const auto& [name, t] : file_.tensors()) {
    std::vector<int64_t> expected;
    if (name == "act.tokens") {
      expected = {batch_, seq_len_};
      if (t.dtype != DType::I32) {
        throw Error(path + ": tensor 'act.tokens': dtype " + dtype_name(t.dtype) +
                    ", expected I32");
      }
    } else if (name == "act.logits") {
      expected = {batch_, seq_len_, dims_.vocab_size};
    } else if (name.rfind("act.layers.", 0) == 0) {
      const std::string rest = name.substr(11);
      const size_t dot = rest.find('.');
      const std::string idx = rest.substr(0, dot);
      if (dot == std::string::npos || idx.empty() ||
          idx.find_first_not_of("0123456789") != std::string::npos) {
        throw Error(path + ": tensor '" + name + "': expected act.layers.<index>.<tensor>");
      }
      const long layer = std::strtol(idx.c_str(), nullptr, 10);
      if (layer >= dims_.n_layer) {
        throw Error(path + ": tensor '" + name + "': layer " + idx + " out of range (n_layer " +
                    std::to_string(dims_.n_layer) + ")");
      }
      const std::string tensor = rest.substr(dot + 1);
      if (!is_layer_tensor(tensor)) continue;  // extra tensors are allowed
      expected = {batch_, seq_len_, layer_tensor_width(dims_, tensor)};
    } else {
      continue;
    }
    if (name != "act.tokens" && !dtype_is_float(t.dtype)) {
      throw Error(path + ": tensor '" + name + "': dtype " + dtype_name(t.dtype) +
                  ", expected F16, BF16 or F32");
    }
    if (t.shape != expected) {
      throw Error(path + ": tensor '" + name + "': shape " + t.shape_str() +
                  " disagrees with the metadata, which imply " + shape_to_string(expected));
    }
  }
}

const TensorView& Trace::layer(int64_t layer, const std::string& tensor) const {
  return file_.get(layer_name(layer, tensor));
}

std::vector<int32_t> Trace::tokens() const { return file_.get("act.tokens").to_int32(); }

std::vector<std::vector<int32_t>> Trace::sequences(int64_t max_tokens) const {
  const std::vector<int32_t> all = tokens();
  const int64_t n = std::min(seq_len_, max_tokens);
  std::vector<std::vector<int32_t>> out;
  for (int64_t b = 0; b < batch_; ++b) {
    out.emplace_back(all.begin() + b * seq_len_, all.begin() + b * seq_len_ + n);
  }
  return out;
}

}  // namespace ssmsim
