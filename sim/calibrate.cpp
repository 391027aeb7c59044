#include "sim/calibrate.hpp"

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "io/checkpoint.hpp"
#include "io/trace.hpp"

namespace ssmsim {

std::vector<std::vector<int32_t>> text_samples(const std::string& path, int64_t max_tokens) {
  std::ifstream in(path);
  if (!in) throw Error(path + ": cannot open");
  std::vector<std::vector<int32_t>> out;
  std::string line;
  int64_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      throw Error(path + ":" + std::to_string(n) + ": not JSON: " + e.what());
    }
    if (!j.is_object() || !j.contains("text") || !j["text"].is_string()) {
      throw Error(path + ":" + std::to_string(n) + ": expected an object with a string 'text'");
    }
    const std::string text = j["text"].get<std::string>();
    std::vector<int32_t> tok;
    for (size_t i = 0; i < text.size() && static_cast<int64_t>(i) < max_tokens; ++i) {
      tok.push_back(static_cast<uint8_t>(text[i]));  // UTF-8 bytes
    }
    // A one-byte text is a sample too (the observers need no next token);
    // an empty one has no activations.
    if (!tok.empty()) out.push_back(std::move(tok));
  }
  return out;
}

CalibrateResult calibrate(const CalibrateRequest& r) {
  const Checkpoint ckpt(r.model);
  const ModelDims& dims = ckpt.dims();
  std::vector<std::vector<int32_t>> seqs;
  if (!r.text.empty()) {
    if (dims.vocab_size != 256) {
      throw Error(r.model + ": vocab_size " + std::to_string(dims.vocab_size) +
                  ": --text needs a byte-level model (256); use --trace with dumped tokens");
    }
    seqs = text_samples(r.text, r.max_tokens);
  } else {
    for (const auto& p : r.traces) {
      for (auto& s : Trace(p).sequences(r.max_tokens)) seqs.push_back(std::move(s));
    }
  }
  if (r.samples > 0 && static_cast<int64_t>(seqs.size()) > r.samples) seqs.resize(r.samples);
  if (seqs.empty()) throw Error("no calibration samples");

  const size_t total = seqs.size();
  const auto progress =
      r.progress ? std::function<void(size_t)>([&](size_t done) { r.progress(done, total); })
                 : nullptr;
  CalibrateResult res;
  res.arch = dims.arch;
  const auto t0 = std::chrono::steady_clock::now();
  if (dims.mamba2()) {
    res.scales2 = calibrate_scales(load_mamba2_weights(ckpt), seqs, r.percentile, progress);
  } else {
    res.scales = calibrate_scales(load_weights(ckpt), seqs, r.percentile, progress);
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  res.samples = static_cast<int64_t>(seqs.size());
  for (const auto& q : seqs) res.tokens += q.size();
  res.wall_s = wall;
  return res;
}

}  // namespace ssmsim
