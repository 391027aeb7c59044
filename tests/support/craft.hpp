// Test support: writes small safetensors traces and checkpoints, valid or
// broken on purpose, so every reader check is exercised on a real file.
#pragma once

#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

namespace ssmsim::test {

struct RawTensor {
  std::string dtype = "F32";
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;
};

inline std::vector<uint8_t> f32_bytes(const std::vector<float>& v) {
  std::vector<uint8_t> b(v.size() * 4);
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

inline std::vector<uint8_t> i32_bytes(const std::vector<int32_t>& v) {
  std::vector<uint8_t> b(v.size() * 4);
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

// Serialises tensors in map order; `header_patch` may overwrite header
// entries after the offsets were computed (to make them lie).
inline std::string safetensors_bytes(
    const std::map<std::string, RawTensor>& tensors,
    const std::map<std::string, std::string>& metadata = {},
    const nlohmann::json& header_patch = nlohmann::json::object()) {
  nlohmann::json h = nlohmann::json::object();
  if (!metadata.empty()) h["__metadata__"] = metadata;
  std::string data;
  for (const auto& [name, t] : tensors) {
    h[name] = {{"dtype", t.dtype},
               {"shape", t.shape},
               {"data_offsets", {data.size(), data.size() + t.bytes.size()}}};
    data.append(reinterpret_cast<const char*>(t.bytes.data()), t.bytes.size());
  }
  h.merge_patch(header_patch);
  std::string hdr = h.dump();
  while (hdr.size() % 8) hdr += ' ';
  const uint64_t n = hdr.size();
  std::string out(reinterpret_cast<const char*>(&n), 8);
  return out + hdr + data;
}

inline void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// A tiny but complete ssm-trace v1: 2 layers, d_model 4, d_inner 8,
// d_state 2, batch 1, seq_len 3. Values follow a fixed pattern.
struct TinyTrace {
  int64_t n_layer = 2, d_model = 4, d_inner = 8, d_state = 2, batch = 1, seq_len = 3;
  std::map<std::string, std::string> metadata() const {
    return {{"format", "ssm-trace"},
            {"version", "1"},
            {"arch", "mamba1"},
            {"model", "tiny"},
            {"d_model", std::to_string(d_model)},
            {"n_layer", std::to_string(n_layer)},
            {"d_inner", std::to_string(d_inner)},
            {"d_state", std::to_string(d_state)},
            {"d_conv", "4"},
            {"dt_rank", "1"},
            {"vocab_size", "256"},
            {"batch", std::to_string(batch)},
            {"seq_len", std::to_string(seq_len)},
            {"act_dtype", "F32"},
            {"rms_norm_eps", "1e-05"},
            {"residual_in_fp32", "true"},
            {"tokenizer", "bytes"},
            {"source", "unit test"}};
  }
  std::map<std::string, RawTensor> tensors() const {
    std::map<std::string, RawTensor> t;
    t["act.tokens"] = {
        "I32", {batch, seq_len}, i32_bytes(std::vector<int32_t>(batch * seq_len, 65))};
    for (int64_t l = 0; l < n_layer; ++l) {
      const std::string p = "act.layers." + std::to_string(l) + ".";
      for (const char* name :
           {"mixer.in", "x", "z", "ssm.u", "ssm.dt", "ssm.B", "ssm.C", "ssm.y", "mixer.out"}) {
        const std::string n = name;
        const int64_t w = (n == "mixer.in" || n == "mixer.out") ? d_model
                          : (n == "ssm.B" || n == "ssm.C")      ? d_state
                                                                : d_inner;
        std::vector<float> v(batch * seq_len * w);
        for (size_t i = 0; i < v.size(); ++i) v[i] = 0.25f * static_cast<float>(i % 7) - 0.5f + l;
        t[p + n] = {"F32", {batch, seq_len, w}, f32_bytes(v)};
      }
    }
    return t;
  }
  std::string bytes() const { return safetensors_bytes(tensors(), metadata()); }
};

// A Mamba-2 trace: 2 heads x 4 = d_inner 8, 2 groups of d_state 2, so that
// B and C (G x N = 4 wide) and dt (one per head) differ from Mamba-1's.
struct TinyTrace2 {
  int64_t n_layer = 2, d_model = 4, n_heads = 2, head_dim = 4, n_groups = 2, d_state = 2;
  int64_t batch = 1, seq_len = 3;
  int64_t d_inner() const { return n_heads * head_dim; }
  std::map<std::string, std::string> metadata() const {
    return {{"format", "ssm-trace"},
            {"version", "1"},
            {"arch", "mamba2"},
            {"model", "tiny2"},
            {"d_model", std::to_string(d_model)},
            {"n_layer", std::to_string(n_layer)},
            {"d_inner", std::to_string(d_inner())},
            {"d_state", std::to_string(d_state)},
            {"d_conv", "4"},
            {"n_heads", std::to_string(n_heads)},
            {"head_dim", std::to_string(head_dim)},
            {"n_groups", std::to_string(n_groups)},
            {"chunk_size", "2"},
            {"vocab_size", "256"},
            {"batch", std::to_string(batch)},
            {"seq_len", std::to_string(seq_len)}};
  }
  std::map<std::string, RawTensor> tensors() const {
    std::map<std::string, RawTensor> t;
    t["act.tokens"] = {
        "I32", {batch, seq_len}, i32_bytes(std::vector<int32_t>(batch * seq_len, 65))};
    const int64_t gn = n_groups * d_state;
    const std::vector<std::pair<const char*, int64_t>> widths = {
        {"mixer.in", d_model}, {"z", d_inner()},     {"xBC", d_inner() + 2 * gn},
        {"ssm.x", d_inner()},  {"ssm.B", gn},        {"ssm.C", gn},
        {"ssm.dt", n_heads},   {"ssm.y", d_inner()}, {"norm.out", d_inner()},
        {"mixer.out", d_model}};
    for (int64_t l = 0; l < n_layer; ++l) {
      for (const auto& [name, w] : widths) {
        std::vector<float> v(batch * seq_len * w);
        for (size_t i = 0; i < v.size(); ++i) v[i] = 0.25f * static_cast<float>(i % 5) - 0.5f;
        t["act.layers." + std::to_string(l) + "." + name] = {
            "F32", {batch, seq_len, w}, f32_bytes(v)};
      }
    }
    return t;
  }
  std::string bytes() const { return safetensors_bytes(tensors(), metadata()); }
};

// A random but well-conditioned Mamba2ForCausalLM checkpoint in `dir`
// (config.json, model.safetensors): d_model 8, 4 heads x 4, `groups` groups
// of d_state 4, chunk 3, 2 layers, vocabulary 7.
inline void write_random_mamba2(const std::string& dir, int64_t groups, uint32_t seed) {
  const int64_t dm = 8, H = 4, P = 4, N = 4, D = H * P, V = 7, GN = groups * N;
  nlohmann::json cfg = {{"model_type", "mamba2"},
                        {"hidden_size", dm},
                        {"expand", 2},
                        {"num_heads", H},
                        {"head_dim", P},
                        {"n_groups", groups},
                        {"state_size", N},
                        {"chunk_size", 3},
                        {"num_hidden_layers", 2},
                        {"conv_kernel", 4},
                        {"vocab_size", V},
                        {"layer_norm_epsilon", 1e-5},
                        {"tie_word_embeddings", true}};
  std::ofstream(dir + "/config.json") << cfg.dump();
  std::mt19937 rng(seed);
  const auto t = [&](std::vector<int64_t> shape, float lo, float hi) {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    std::uniform_real_distribution<float> u(lo, hi);
    std::vector<float> v(static_cast<size_t>(n));
    for (float& e : v) e = u(rng);
    return RawTensor{"F32", shape, f32_bytes(v)};
  };
  std::map<std::string, RawTensor> p = {{"backbone.embeddings.weight", t({V, dm}, -1, 1)},
                                        {"backbone.norm_f.weight", t({dm}, 0.8f, 1.2f)}};
  for (int l = 0; l < 2; ++l) {
    const std::string q = "backbone.layers." + std::to_string(l) + ".";
    p[q + "norm.weight"] = t({dm}, 0.8f, 1.2f);
    p[q + "mixer.in_proj.weight"] = t({2 * D + 2 * GN + H, dm}, -0.5f, 0.5f);
    p[q + "mixer.conv1d.weight"] = t({D + 2 * GN, 1, 4}, -0.5f, 0.5f);
    p[q + "mixer.conv1d.bias"] = t({D + 2 * GN}, -0.2f, 0.2f);
    p[q + "mixer.dt_bias"] = t({H}, -2, 0);
    p[q + "mixer.A_log"] = t({H}, 0, 1.5f);
    p[q + "mixer.D"] = t({H}, 0.5f, 1.5f);
    p[q + "mixer.norm.weight"] = t({D}, 0.8f, 1.2f);
    p[q + "mixer.out_proj.weight"] = t({dm, D}, -0.5f, 0.5f);
  }
  write_bytes(dir + "/model.safetensors", safetensors_bytes(p));
}

}  // namespace ssmsim::test
