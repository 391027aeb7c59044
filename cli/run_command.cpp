// ssmsim run: the options, the architecture and workload they assemble, then
// simulate() (sim/simulate.hpp) and the report (sim/run_report.hpp).
#include <fmt/format.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <filesystem>
#include <iostream>
#include <optional>

#include "cli/commands.hpp"
#include "common/error.hpp"
#include "config/workload.hpp"
#include "sim/report.hpp"
#include "sim/run_report.hpp"
#include "sim/vcd_view.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace ssmsim {

namespace {

struct RunOptions {
  std::string trace, workload, model, arch, mode = "prefill", quantizer, vcd, vcd_window, timeline;
  int64_t vcd_bandwidth_cycles = 1000;
  std::string out = "out", pipeline = "trace", scales, scheme;
  int64_t tokens = 0;
  double percentile = 99.99;
  std::vector<std::string> sets;
  bool force = false;
  bool allow_mismatch = false;
};

}  // namespace

std::optional<RunInvocation> parse_run_args(const Args& args) {
  RunOptions o;
  po::options_description desc(
      "ssmsim run: simulate the accelerator on a trace (cycles, bytes, energy, quantization\n"
      "error), or timing-only on a workload (a model preset, prefill and decode tokens).\n\n"
      "Options");
  desc.add_options()("help,h", "show this help")("help-arch",
                                                 "list every architecture key with its default")(
      "trace", po::value(&o.trace), "ssm-trace v1 file (real data; or --workload)")(
      "workload", po::value(&o.workload),
      "workload preset NAME or FILE.json: timing-only, no trace (presets: see --help)")(
      "model", po::value(&o.model),
      "checkpoint folder for A and D (default: <trace dir>/<model> or <trace "
      "dir>/../models/<model>;"
      " without one the scan, gate and Hadamard run timing-only)")(
      "arch", po::value(&o.arch),
      "architecture preset NAME or FILE.json (version 1); default: the built-in one")(
      "set", po::value(&o.sets)->composing(),
      "override a key: key.path=value (architecture) or workload.key=value (repeatable)")(
      "mode", po::value(&o.mode)->default_value(o.mode),
      "with --trace: prefill (tiles streamed) | decode (token by token)")(
      "tokens", po::value(&o.tokens)->default_value(0),
      "with --trace: tokens to run, 1..seq_len; 0 = all of the trace")(
      "quantizer", po::value(&o.quantizer),
      "int8 | se | se-authors (sets quantizer.mode; default se, the soft-edge quantizer)")(
      "pipeline", po::value(&o.pipeline)->default_value(o.pipeline),
      "with --trace: what the units compute: trace (the quantizer, scan, gate and Hadamard on "
      "the trace's activations, errors against the trace) | w8a8 (every unit runs its part of "
      "Quamba's W8A8 pipeline on the trace's tokens: the figures of ssmsim eval)")(
      "scales", po::value(&o.scales),
      "--pipeline w8a8: scales from ssmsim calibrate (default: calibrated on the trace)")(
      "scheme", po::value(&o.scheme),
      "--pipeline w8a8 on a Mamba-2 trace: the scale scheme, per-tensor (Quamba) or quamba2 "
      "(Quamba2's groups; the default)")(
      "percentile", po::value(&o.percentile)->default_value(o.percentile, "99.99"),
      "SSM-input calibration percentile of |u| over the trace, (0, 100]")(
      "vcd", po::value(&o.vcd), "write a VCD waveform to this file (.vcd)")(
      "vcd-window", po::value(&o.vcd_window), "START_NS:END_NS: signals change only inside")(
      "vcd-bandwidth-window", po::value(&o.vcd_bandwidth_cycles)->default_value(1000),
      "CYCLES: the VCD's DRAM and SRAM GB/s signals average over windows this long")(
      "timeline", po::value(&o.timeline),
      "write a Chrome/Perfetto trace-event timeline to this file (ui.perfetto.dev): a track "
      "per unit, a slice per operation, DRAM bandwidth and queue-depth counters")(
      "out", po::value(&o.out)->default_value(o.out),
      "output folder for run.json, run.csv, run.config.json")(
      "allow-mismatch", po::bool_switch(&o.allow_mismatch),
      "use a --model whose fp32 logits differ from the trace's act.logits (warns)")(
      "force", po::bool_switch(&o.force), "overwrite existing results and VCD");
  po::variables_map vm;
  const std::string footer =
      "\nPresets: --workload " + preset_names("workload") + "\n         --arch " +
      preset_names("arch") + "\n         models " + preset_names("model") +
      "\nWrites: OUT/run.json, OUT/run.csv (per layer and unit), OUT/run.kernels.csv (per "
      "kernel and phase),\n        OUT/run.config.json (effective architecture), "
      "OUT/run.workload.json (effective workload,\n        with --workload); --vcd FILE: FILE and "
      "its GTKWave view (FILE.gtkw, .ops.txt, .stall.txt);\n        --timeline FILE: the "
      "trace-event timeline.\nExamples: ssmsim run --trace "
      "traces/default/mamba-bytes-a-sample0.safetensors \\\n"
      "            --quantizer int8 --vcd out/x/run.vcd --out out/x\n"
      "          ssmsim run --workload mamba-2.8b --arch edge --set sram.bytes=8388608 --out "
      "out/w\n";
  if (!parse_options(args, desc, vm, footer)) return std::nullopt;
  if (vm.count("help-arch")) {
    std::cout << ArchConfig::describe();
    return std::nullopt;
  }

  if (o.trace.empty() == o.workload.empty()) {
    throw Error("give either --trace FILE (real data) or --workload NAME|FILE (timing only)");
  }
  ArchConfig arch;
  if (!o.arch.empty()) arch.load(o.arch);
  std::optional<Workload> workload;
  if (!o.workload.empty()) workload = Workload::load(o.workload);
  for (const auto& s : o.sets) apply_assignment(s, arch, workload ? &*workload : nullptr);
  // The whole workload, once every --set is applied: region rates can be
  // changed one key at a time, only their sum must come out 1.
  if (workload) workload->validate(o.workload + (o.sets.empty() ? "" : " with --set"));
  if (!o.quantizer.empty()) arch.set("quantizer.mode=" + o.quantizer, "--quantizer");
  if (o.mode != "prefill" && o.mode != "decode") {
    throw Error("--mode = '" + o.mode + "': expected prefill or decode");
  }
  if (workload && (vm["mode"].defaulted() == false || o.tokens != 0)) {
    throw Error(
        "--mode and --tokens are for --trace; a workload sets "
        "workload.prefill_tokens and workload.decode_tokens");
  }
  if (!(o.percentile > 0 && o.percentile <= 100)) {
    throw Error("--percentile = " + num(o.percentile) + ": expected a value in (0, 100]");
  }
  if (o.pipeline != "trace" && o.pipeline != "w8a8") {
    throw Error("--pipeline = '" + o.pipeline + "': expected trace or w8a8");
  }
  const bool w8a8 = o.pipeline == "w8a8";
  if (w8a8 && workload) throw Error("--pipeline w8a8 needs --trace (its tokens), not --workload");
  if (!o.scales.empty() && !w8a8) throw Error("--scales is for --pipeline w8a8");
  if (!o.scheme.empty() && !w8a8) throw Error("--scheme is for --pipeline w8a8 on a Mamba-2 trace");
  if (!vm["vcd-bandwidth-window"].defaulted() && o.vcd.empty()) {
    throw Error("--vcd-bandwidth-window needs --vcd FILE");
  }

  RunInvocation inv;
  RunRequest& req = inv.request;
  req.arch = arch;
  req.workload = workload;
  req.trace = o.trace;
  req.model = o.model;
  req.decode = o.mode == "decode";
  req.tokens = o.tokens;
  req.pipeline.w8a8 = w8a8;
  req.pipeline.scales = o.scales;
  if (!o.scheme.empty()) {
    req.pipeline.scheme = parse_scheme(o.scheme, "--scheme");
    req.scheme_set = true;
  }
  req.pipeline.percentile = o.percentile;
  req.vcd = o.vcd;
  req.allow_mismatch = o.allow_mismatch;
  req.vcd_window = o.vcd_window;
  req.vcd_bandwidth_cycles = o.vcd_bandwidth_cycles;
  req.timeline = o.timeline;
  inv.out = o.out;
  inv.force = o.force;
  return inv;
}

void execute_run(const RunInvocation& inv, std::ostream& out) {
  const RunRequest& req = inv.request;
  // Outputs are checked (and their folders made) before any work; --force
  // replaces the folder's run results as a set, so no earlier run's
  // waveform or workload stays beside the new results.
  std::vector<std::string> stale;
  if (!req.workload) stale.push_back("run.workload.json");
  const auto in_out = [&](const std::string& file, const char* name) {
    return !file.empty() &&
           fs::path(file).lexically_normal() == (fs::path(inv.out) / name).lexically_normal();
  };
  if (!in_out(req.vcd, "run.vcd")) {
    stale.push_back("run.vcd");
    for (const std::string& f : vcd_view_files("run.vcd")) stale.push_back(f);
  }
  if (!in_out(req.timeline, "run.trace.json")) stale.push_back("run.trace.json");
  prepare_output_dir(inv.out, run_report_files(req.workload.has_value()), inv.force, stale);
  if (!req.vcd.empty()) {
    prepare_output_file(req.vcd, inv.force);
    for (const std::string& f : vcd_view_files(req.vcd)) prepare_output_file(f, inv.force);
  }
  if (!req.timeline.empty()) prepare_output_file(req.timeline, inv.force);
  const RunResult result = simulate(req);
  write_run_report(result, inv.out, out);
  if (!req.vcd.empty()) {
    // The view opens on the traced window, or the whole run (zoomed in
    // until operations show their names).
    double start_ns = 0, end_ns = result.finish.to_seconds() * 1e9;
    if (!req.vcd_window.empty()) {
      const auto [a, b] = parse_vcd_window(req.vcd_window);
      start_ns = a;
      end_ns = std::min(end_ns, b);
    }
    write_vcd_view(req.vcd, start_ns, end_ns, req.arch.quantizer_label(), result.ops.gemm_ops(),
                   result.clock_period_ns);
    out << "wrote " << req.vcd << " (open: gtkwave " << vcd_view_files(req.vcd)[0] << ")\n";
  }
  if (!req.timeline.empty()) out << "wrote " << req.timeline << "\n";
}

int run_command(const Args& args) {
  const std::optional<RunInvocation> inv = parse_run_args(args);
  if (inv) execute_run(*inv, std::cout);
  return kExitOk;
}

}  // namespace ssmsim
