// ssmsim eval: the options; evaluate() (sim/evaluate.hpp) computes, the
// report (sim/eval_report.hpp) writes.
#include <fmt/format.h>

#include <boost/program_options.hpp>
#include <iostream>

#include "cli/commands.hpp"
#include "common/error.hpp"
#include "sim/eval_report.hpp"
#include "sim/report.hpp"
#include "sim/task_eval.hpp"

namespace po = boost::program_options;

namespace ssmsim {

// What --help adds after the options.
const char* const kHelpTail =
    "\n"
    "Writes: OUT/eval.json, OUT/eval.csv (--tasks: and OUT/eval.items.csv).\n"
    "Example: ssmsim eval --model traces/default/mamba-bytes-a \\\n"
    "           --trace traces/default/mamba-bytes-a-sample0.safetensors --out out/eval\n";

int eval_command(const Args& args) {
  EvalRequest req;  // the options bind to its fields
  std::string &model = req.model, &scales_file = req.scales_file;
  std::vector<std::string>&traces = req.traces, &calib = req.calib;
  double& percentile = req.percentile;
  int64_t& prompt_tokens = req.prompt_tokens;
  std::string quantizer = "all", out = "out", pipeline = "w8a8", scheme = "all";
  std::vector<std::string> task_files;
  bool force = false;
  po::options_description desc(
      "ssmsim eval: cost of quantization at the model's output, fp32 vs each SSM-input\n"
      "quantizer, in the Quamba W8A8 pipeline or with only u quantized. Scales: --scales,\n"
      "or calibrated on the --calib traces' tokens (else the evaluated ones).\n\nOptions");
  desc.add_options()("help,h", "show this help")("model", po::value(&model)->required(),
                                                 "Hugging Face Mamba checkpoint folder (required)")(
      "trace", po::value(&traces)->multitoken(),
      "trace file(s) whose tokens are evaluated (or --tasks)")(
      "tasks", po::value(&task_files)->multitoken(),
      "zero-shot task file(s) (JSON Lines, spec in docs/eval.md): acc and acc_norm per task "
      "and quantizer, as lm-evaluation-harness scores them (needs --scales or --calib)")(
      "quantizer", po::value(&quantizer)->default_value(quantizer),
      "SSM-input quantizer: int8 | se | se-authors | all")(
      "scheme", po::value(&scheme),
      "Mamba-2: scales of x, B, C and the state: per-tensor (Quamba) | quamba2 (x per head x "
      "dim group, B/C per state group) | all (default)")(
      "pipeline", po::value(&pipeline)->default_value(pipeline),
      "w8a8 (Quamba: INT8 weights and activations, Hadamard before out_proj) | ssm-input "
      "(only u quantized, the rest fp32)")(
      "scales", po::value(&scales_file),
      "w8a8 scales from ssmsim calibrate (default: calibrate on the --calib or evaluated tokens)")(
      "percentile", po::value(&percentile)->default_value(percentile, "99.99"),
      "calibration percentile of |u| and of the SSM state, (0, 100]")(
      "prompt-tokens", po::value(&prompt_tokens),
      "w8a8: the first N tokens of each sequence are the prompt (prefill), the rest decode "
      "steps with the SSM state stored INT8 between them (default: all prompt)")(
      "calib", po::value(&calib)->multitoken(), "calibration traces (default: the --trace files)")(
      "out", po::value(&out)->default_value(out), "output folder for eval.json and eval.csv")(
      "allow-mismatch", po::bool_switch(&req.allow_mismatch),
      "use a --model whose fp32 logits differ from the traces' act.logits (warns)")(
      "force", po::bool_switch(&force), "overwrite existing results");
  po::variables_map vm;
  if (!parse_options(args, desc, vm, kHelpTail)) return kExitOk;
  std::vector<quant::QuantKind> kinds;
  if (quantizer == "all") {
    kinds = {quant::QuantKind::kInt8, quant::QuantKind::kSe, quant::QuantKind::kSeAuthors};
  } else {
    kinds = {quant::parse_kind(quantizer, "--quantizer")};
  }
  if (!(percentile > 0 && percentile <= 100)) {
    throw Error("--percentile = " + num(percentile) + ": expected a value in (0, 100]");
  }
  if (pipeline != "w8a8" && pipeline != "ssm-input") {
    throw Error("--pipeline = '" + pipeline + "': expected w8a8 or ssm-input");
  }
  const bool w8a8 = pipeline == "w8a8";
  if (vm.count("prompt-tokens") && (!w8a8 || prompt_tokens < 0)) {
    throw Error(!w8a8 ? "--prompt-tokens is for --pipeline w8a8"
                      : "--prompt-tokens = " + std::to_string(prompt_tokens) + ": expected >= 0");
  }

  if (vm.count("scheme") && scheme != "all") {
    req.schemes = {parse_scheme(scheme, "--scheme")};
  } else if (vm.count("scheme")) {
    req.schemes = {ScaleScheme::kPerTensor, ScaleScheme::kQuamba2};
  }
  if (task_files.empty() == traces.empty())
    throw po::error("give exactly one of --trace or --tasks");
  if (!task_files.empty()) {
    if (!w8a8) throw Error("--tasks scores the W8A8 pipeline: --pipeline ssm-input is for --trace");
    if (vm.count("prompt-tokens")) throw Error("--prompt-tokens is for --trace");
    if (req.allow_mismatch) throw Error("--allow-mismatch is for --trace");
    const TaskEvalRequest tr{model, task_files, calib, scales_file, kinds, req.schemes, percentile};
    const ojson options = {
        {"model", model},           {"tasks", task_files},
        {"quantizer", quantizer},   {"scheme", vm.count("scheme") ? ojson(scheme) : ojson(nullptr)},
        {"percentile", percentile}, {"calib", calib},
        {"scales", scales_file},    {"out", out}};
    prepare_output_dir(out, {"eval.json", "eval.csv", "eval.items.csv"}, force);
    write_task_report(evaluate_tasks(tr), options, out, std::cout);
    return kExitOk;
  }
  req.kinds = kinds;
  req.w8a8 = w8a8;
  const ojson options = {
      {"model", model},
      {"trace", traces},
      {"quantizer", quantizer},
      {"scheme", vm.count("scheme") ? ojson(scheme) : ojson(nullptr)},
      {"percentile", percentile},
      {"calib", calib},
      {"out", out},
      {"pipeline", pipeline},
      {"scales", scales_file},
      {"prompt_tokens", prompt_tokens < 0 ? ojson(nullptr) : ojson(prompt_tokens)}};
  prepare_output_dir(out, {"eval.json", "eval.csv"}, force);
  write_eval_report(evaluate(req), options, out);
  return kExitOk;
}

}  // namespace ssmsim
