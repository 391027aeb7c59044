// ssmsim calibrate: Quamba's static activation scales for the W8A8 pipeline,
// from the fp32 model run over calibration texts (byte tokens for a 256-entry
// vocabulary) or over the tokens of traces.
#include <fmt/format.h>

#include <atomic>
#include <boost/program_options.hpp>
#include <chrono>
#include <exception>
#include <fstream>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/error.hpp"
#include "common/json_text.hpp"
#include "mamba/w8a8.hpp"
#include "cli/commands.hpp"
#include "sim/report.hpp"
#include "io/trace.hpp"

namespace po = boost::program_options;

namespace ssmsim {

namespace {

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

}  // namespace

int calibrate_command(const Args& args) {
  std::string model, text, out = "scales.json";
  std::vector<std::string> traces;
  int64_t samples = 0, max_tokens = 512;
  double percentile = 99.99;
  bool force = false;
  po::options_description desc(
      "ssmsim calibrate: static activation scales for the W8A8 pipeline (Quamba's observers:\n"
      "percentile + EMA for the SSM input and the SSM state, running max elsewhere).\n\nOptions");
  desc.add_options()("help,h", "show this help")("model", po::value(&model)->required(),
                                                 "Hugging Face Mamba checkpoint folder (required)")(
      "text", po::value(&text), "calibration texts, .jsonl ({\"text\": ...} a line); byte tokens")(
      "trace", po::value(&traces)->multitoken(), "or: traces whose tokens calibrate")(
      "samples", po::value(&samples)->default_value(0), "use the first N samples; 0 = all")(
      "max-tokens", po::value(&max_tokens)->default_value(max_tokens), "tokens per text")(
      "percentile", po::value(&percentile)->default_value(percentile, "99.99"),
      "percentile of |u| (SSM input) and |h| (SSM state), (0, 100]")(
      "out", po::value(&out)->default_value(out), "scales file to write")(
      "force", po::bool_switch(&force), "overwrite an existing scales file");
  po::variables_map vm;
  if (!parse_options(args, desc, vm)) return kExitOk;
  if (text.empty() == traces.empty()) throw po::error("give exactly one of --text or --trace");
  if (!(percentile > 0 && percentile <= 100)) {
    throw Error("--percentile = " + num(percentile) + ": expected a value in (0, 100]");
  }
  if (samples < 0 || max_tokens < 1) throw Error("--samples >= 0 and --max-tokens >= 1 expected");
  const Checkpoint ckpt(model);
  const MambaWeights w = load_weights(ckpt);
  std::vector<std::vector<int32_t>> seqs;
  if (!text.empty()) {
    if (w.dims.vocab_size != 256) {
      throw Error(model + ": vocab_size " + std::to_string(w.dims.vocab_size) +
                  ": --text needs a byte-level model (256); use --trace with dumped tokens");
    }
    seqs = text_samples(text, max_tokens);
  } else {
    for (const auto& p : traces) {
      const Trace t(p);
      const std::vector<int32_t> all = t.tokens();
      for (int64_t b = 0; b < t.batch(); ++b) {
        const int64_t n = std::min(t.seq_len(), max_tokens);
        seqs.emplace_back(all.begin() + b * t.seq_len(), all.begin() + b * t.seq_len() + n);
      }
    }
  }
  if (samples > 0 && static_cast<int64_t>(seqs.size()) > samples) seqs.resize(samples);
  if (seqs.empty()) throw Error("no calibration samples");
  if (std::ifstream(out).good() && !force) {
    throw Error(out + ": exists; pass --force to overwrite");
  }

  const auto t0 = std::chrono::steady_clock::now();
  ScaleCalibrator cal(w, percentile);
  // Samples measured in parallel, each thread taking the next one (texts
  // differ in length; a thread keeps its buffers), then folded in order:
  // the EMA depends on the order.
  std::vector<ScaleCalibrator::Sample> got(seqs.size());
  std::atomic<size_t> next{0};
  std::exception_ptr failed;
  std::mutex failed_mutex;
  const auto worker = [&] {
    for (size_t i; (i = next++) < seqs.size();) {
      try {
        got[i] = cal.measure(seqs[i]);
      } catch (...) {
        const std::lock_guard<std::mutex> lock(failed_mutex);
        if (!failed) failed = std::current_exception();
        next = seqs.size();
      }
    }
  };
  const size_t threads =
      std::min<size_t>(seqs.size(), std::max(1u, std::thread::hardware_concurrency()));
  std::vector<std::thread> pool;
  for (size_t i = 0; i < threads; ++i) pool.emplace_back(worker);
  for (auto& th : pool) th.join();
  if (failed) std::rethrow_exception(failed);
  for (const auto& g : got) cal.fold(g);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  QuantScales s = cal.scales();
  s.model = w.dims.name;
  TextTable t({"layer", "mixer_in", "x", "z", "u", "dt_low", "B", "C", "y_had", "h"});
  for (size_t l = 0; l < s.layers.size(); ++l) {
    const LayerScales& L = s.layers[l];
    t.add({std::to_string(l), fmt::format("{:.5g}", L.mixer_in), fmt::format("{:.5g}", L.x),
           fmt::format("{:.5g}", L.z), fmt::format("{:.5g}", L.u), fmt::format("{:.5g}", L.dt_low),
           fmt::format("{:.5g}", L.B), fmt::format("{:.5g}", L.C), fmt::format("{:.5g}", L.y_had),
           fmt::format("{:.5g}", L.h)});
  }
  uint64_t tokens = 0;
  for (const auto& q : seqs) tokens += q.size();
  std::cout
      << fmt::format(
             "ssmsim calibrate: {} on {} samples ({} tokens), p{} for u and h, in {:.1f} s\n\n",
             model, seqs.size(), tokens, num(percentile), wall)
      << t.str();
  write_file_atomic(out, json_text(s.to_json(), 2) + "\n");
  std::cout << "\nwrote " << out << "\n";
  return kExitOk;
}

}  // namespace ssmsim
