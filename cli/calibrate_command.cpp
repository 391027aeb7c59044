// ssmsim calibrate: the options; calibrate() (sim/calibrate.hpp) computes the
// scales, which are printed and written here (one file).
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "common/error.hpp"
#include "common/json_text.hpp"
#include "sim/calibrate.hpp"
#include "sim/report.hpp"

namespace po = boost::program_options;

namespace ssmsim {

// What --help adds after the options.
const char* const kHelpTail =
    "\nExample: ssmsim calibrate --model traces/default/mamba-bytes-a \\\n"
    "           --trace traces/default/mamba-bytes-a-sample0.safetensors --out "
    "out/scales.json\n";

int calibrate_command(const Args& args) {
  CalibrateRequest req;  // the options bind to its fields
  std::string& model = req.model;
  std::string& text = req.text;
  std::vector<std::string>& traces = req.traces;
  int64_t &samples = req.samples, &max_tokens = req.max_tokens;
  double& percentile = req.percentile;
  std::string out = "out/scales.json";  // beside every other result (README: out/)
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
  if (!parse_options(args, desc, vm, kHelpTail)) return kExitOk;
  if (text.empty() == traces.empty()) throw po::error("give exactly one of --text or --trace");
  if (!(percentile > 0 && percentile <= 100)) {
    throw Error("--percentile = " + num(percentile) + ": expected a value in (0, 100]");
  }
  if (samples < 0 || max_tokens < 1) throw Error("--samples >= 0 and --max-tokens >= 1 expected");
  // The output is checked (and its folder made) before minutes of work.
  prepare_output_file(out, force);
  // Progress on a terminal only (samples, rate, time left), redrawn at most
  // five times a second; logs and pipes stay clean.
  std::unique_ptr<ProgressLine> progress;
  if (::isatty(STDERR_FILENO)) {
    progress = std::make_unique<ProgressLine>("calibrate", "samples");
    req.progress = [&](size_t done, size_t total) { progress->update(done, total); };
  }
  const CalibrateResult res = calibrate(req);
  if (progress) progress->finish();
  const auto g = [](float v) { return fmt::format("{:.5g}", v); };
  if (res.arch == ModelArch::kMamba2) {
    // Per-tensor scales, and the range of each Quamba2 group scale.
    TextTable t({"layer", "mixer_in", "z", "x_in", "B_in", "C_in", "dt", "x", "B", "C", "state",
                 "y_had", "quamba2_groups", "quamba2_x_min..max"});
    for (size_t l = 0; l < res.scales2.layers.size(); ++l) {
      const Mamba2LayerScales& L = res.scales2.layers[l];
      const auto [lo, hi] = std::minmax_element(L.x_group.begin(), L.x_group.end());
      t.add({std::to_string(l), g(L.mixer_in), g(L.z), g(L.x_in), g(L.B_in), g(L.C_in), g(L.dt),
             g(L.x), g(L.B), g(L.C), g(L.state), g(L.y_had),
             fmt::format("{}x{}", L.groups.head_groups, L.groups.dim_groups),
             g(*lo) + ".." + g(*hi)});
    }
    std::cout << fmt::format(
                     "ssmsim calibrate: {} (Mamba-2) on {} samples ({} tokens), p{} for x and the "
                     "state per tensor, Quamba2 groups by running max, in {:.1f} s\n\n",
                     model, res.samples, res.tokens, num(percentile), res.wall_s)
              << t.str();
    write_file_atomic(out, json_text(res.scales2.to_json(), 2) + "\n");
    std::cout << "\nwrote " << out << "\n";
    return kExitOk;
  }
  const QuantScales& s = res.scales;
  TextTable t({"layer", "mixer_in", "x", "z", "u", "dt_low", "B", "C", "y_had", "h"});
  for (size_t l = 0; l < s.layers.size(); ++l) {
    const LayerScales& L = s.layers[l];
    t.add({std::to_string(l), g(L.mixer_in), g(L.x), g(L.z), g(L.u), g(L.dt_low), g(L.B), g(L.C),
           g(L.y_had), g(L.h)});
  }
  std::cout
      << fmt::format(
             "ssmsim calibrate: {} on {} samples ({} tokens), p{} for u and h, in {:.1f} s\n\n",
             model, res.samples, res.tokens, num(percentile), res.wall_s)
      << t.str();
  write_file_atomic(out, json_text(s.to_json(), 2) + "\n");
  std::cout << "\nwrote " << out << "\n";
  return kExitOk;
}

}  // namespace ssmsim
