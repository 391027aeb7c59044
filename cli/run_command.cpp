// ssmsim run: elaborates the Accelerator for a trace (and the checkpoint it
// came from), simulates prefill or decode, and reports cycles, bytes and the
// quantization error of every quantizer the data passed through.
#include <fmt/format.h>

#include <boost/program_options.hpp>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

#include "datapath/rates_datapath.hpp"
#include "datapath/trace_datapath.hpp"
#include "datapath/w8a8_datapath.hpp"
#include "hw/accelerator.hpp"
#include "hw/controller.hpp"
#include "common/error.hpp"
#include "numeric/hadamard.hpp"
#include "mamba/mamba_forward.hpp"
#include "mamba/w8a8.hpp"
#include "config/workload.hpp"
#include "io/trace_calibration.hpp"
#include "cli/commands.hpp"
#include "sim/report.hpp"
#include "sim/run_report.hpp"
#include "io/checkpoint.hpp"
#include "io/trace.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace ssmsim {

namespace {

struct RunOptions {
  std::string trace, workload, model, arch, mode = "prefill", quantizer, vcd, vcd_window;
  std::string out = "out", pipeline = "trace", scales;
  int64_t tokens = 0;
  double percentile = 99.99;
  std::vector<std::string> sets;
  bool force = false;
};

std::pair<double, double> parse_window(const std::string& w) {
  const size_t colon = w.find(':');
  try {
    if (colon == std::string::npos) throw std::invalid_argument("no colon");
    size_t p1 = 0, p2 = 0;
    const double a = std::stod(w.substr(0, colon), &p1);
    const double b = std::stod(w.substr(colon + 1), &p2);
    if (p1 != colon || p2 != w.size() - colon - 1 || a < 0 || b <= a)
      throw std::invalid_argument("");
    return {a, b};
  } catch (const std::exception&) {
    throw Error("--vcd-window = '" + w + "': expected START_NS:END_NS with 0 <= START < END");
  }
}

}  // namespace

int run_command(const Args& args) {
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
      "quantizer", po::value(&o.quantizer), "int8 | se | se-authors (sets quantizer.mode)")(
      "pipeline", po::value(&o.pipeline)->default_value(o.pipeline),
      "with --trace: what the units compute: trace (the quantizer, scan, gate and Hadamard on "
      "the trace's activations, errors against the trace) | w8a8 (every unit runs its part of "
      "Quamba's W8A8 pipeline on the trace's tokens: the figures of ssmsim eval)")(
      "scales", po::value(&o.scales),
      "--pipeline w8a8: scales from ssmsim calibrate (default: calibrated on the trace)")(
      "percentile", po::value(&o.percentile)->default_value(o.percentile, "99.99"),
      "SSM-input calibration percentile of |u| over the trace, (0, 100]")(
      "vcd", po::value(&o.vcd), "write a VCD waveform to this file (.vcd)")(
      "vcd-window", po::value(&o.vcd_window), "START_NS:END_NS: signals change only inside")(
      "out", po::value(&o.out)->default_value(o.out),
      "output folder for run.json, run.csv, run.config.json")("force", po::bool_switch(&o.force),
                                                              "overwrite existing results and VCD");
  po::variables_map vm;
  const std::string footer =
      "\nPresets: --workload " + preset_names("workload") + "\n         --arch " +
      preset_names("arch") + "\n         models " + preset_names("model") +
      "\nWrites: OUT/run.json, OUT/run.csv (per layer and unit), OUT/run.config.json (effective "
      "architecture),\n        OUT/run.workload.json (effective workload, with --workload).\n";
  if (!parse_options(args, desc, vm, footer)) return kExitOk;
  if (vm.count("help-arch")) {
    std::cout << ArchConfig::describe();
    return kExitOk;
  }

  if (o.trace.empty() == o.workload.empty()) {
    throw Error("give either --trace FILE (real data) or --workload NAME|FILE (timing only)");
  }
  ArchConfig arch;
  if (!o.arch.empty()) arch.load(o.arch);
  std::optional<Workload> workload;
  if (!o.workload.empty()) workload = Workload::load(o.workload);
  for (const auto& s : o.sets) apply_assignment(s, arch, workload ? &*workload : nullptr);
  if (!o.quantizer.empty()) arch.set("quantizer.mode=" + o.quantizer);
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

  std::unique_ptr<Trace> trace;
  ModelDims d;
  RunPlan plan;
  if (workload) {
    d = workload->dims;
    plan.prefill_tokens = workload->prefill_tokens;
    plan.decode_tokens = workload->decode_tokens;
    plan.batch = workload->batch;
  } else {
    trace = std::make_unique<Trace>(o.trace);
    d = trace->dims();
    if (o.tokens < 0 || o.tokens > trace->seq_len()) {
      throw Error(fmt::format("--tokens = {}: expected 0..{} (the trace's seq_len)", o.tokens,
                              trace->seq_len()));
    }
    const int64_t tokens = o.tokens == 0 ? trace->seq_len() : o.tokens;
    (o.mode == "decode" ? plan.decode_tokens : plan.prefill_tokens) = tokens;
  }
  int64_t hsize = arch.hadamard.size == 0 ? d.d_inner : arch.hadamard.size;
  HadamardShape hs;
  if (!hadamard_shape(hsize, &hs) || d.d_inner % hsize != 0) {
    throw Error(fmt::format(
        "hadamard.size = {}: not supported for d_inner {} (expected 2^k, 12*2^k, 20*2^k or "
        "40*2^k dividing d_inner)",
        hsize, d.d_inner));
  }

  std::unique_ptr<Checkpoint> ckpt;
  std::string model_dir;
  if (trace) {
    model_dir = o.model.empty() ? find_checkpoint(o.trace, d.name) : o.model;
  } else if (!o.model.empty()) {
    throw Error("--model is for --trace (a workload runs timing-only)");
  }
  if (!model_dir.empty()) {
    ckpt = std::make_unique<Checkpoint>(model_dir);
    const ModelDims& c = ckpt->dims();
    if (c.n_layer != d.n_layer || c.d_inner != d.d_inner || c.d_state != d.d_state ||
        c.d_model != d.d_model) {
      throw Error(model_dir + ": checkpoint dims (n_layer " + std::to_string(c.n_layer) +
                  ", d_inner " + std::to_string(c.d_inner) + ") differ from trace " + o.trace);
    }
  }
  std::vector<std::string> outputs = {"run.json", "run.csv", "run.config.json"};
  if (workload) outputs.push_back("run.workload.json");
  prepare_output_dir(o.out, outputs, o.force);
  if (!o.vcd.empty() && fs::exists(o.vcd) && !o.force) {
    throw Error(o.vcd + ": exists; pass --force to overwrite");
  }

  std::unique_ptr<Datapath> datapath;
  TraceDatapath* trace_data = nullptr;
  std::unique_ptr<MambaWeights> weights;
  std::unique_ptr<W8A8Mamba> pipe;
  std::unique_ptr<W8A8Sequence> seq;
  W8A8Result w8;
  if (w8a8) {
    if (!ckpt) {
      throw Error(o.trace +
                  ": --pipeline w8a8 needs the model's checkpoint: --model DIR (none "
                  "found beside the trace)");
    }
    if (arch.fp16()) throw Error("--pipeline w8a8 computes the W8A8 datapath: precision = fp16");
    if (hsize != d.d_inner) {
      throw Error(fmt::format(
          "hadamard.size = {}: --pipeline w8a8 folds one d_inner-wide transform into out_proj; "
          "use 0 or {}",
          hsize, d.d_inner));
    }
    weights = std::make_unique<MambaWeights>(load_weights(*ckpt));
    QuantScales qs;
    if (!o.scales.empty()) {
      qs = QuantScales::load(o.scales, d.n_layer);
      w8.scales = o.scales;
    } else {
      // As ssmsim eval: Quamba's observers over every sequence of the trace.
      ScaleCalibrator cal(*weights, o.percentile);
      const std::vector<int32_t> all = trace->tokens();
      for (int64_t b = 0; b < trace->batch(); ++b) {
        cal.observe(std::vector<int32_t>(all.begin() + b * trace->seq_len(),
                                         all.begin() + (b + 1) * trace->seq_len()));
      }
      qs = cal.scales();
      w8.scales = fmt::format("calibrated on the trace (u: p{})", num(o.percentile));
    }
    W8A8Options wo;
    wo.ssm_input = arch.quantizer.mode;
    wo.se = arch.quantizer.se();
    pipe = std::make_unique<W8A8Mamba>(*weights, qs, wo);
    const std::vector<int32_t> all = trace->tokens();  // batch row 0: one sequence
    // Decode steps store the SSM state INT8 between tokens (the prompt is
    // the prefill's tokens).
    seq = std::make_unique<W8A8Sequence>(
        *pipe,
        std::vector<int32_t>(all.begin(), all.begin() + plan.prefill_tokens + plan.decode_tokens),
        wo.ssm_input, plan.prefill_tokens);
    w8.quantizer = quant::kind_name(arch.quantizer.mode);
    datapath = std::make_unique<W8A8Datapath>(*seq);
  } else if (trace) {
    auto td = std::make_unique<TraceDatapath>(*trace, ckpt.get(), arch, o.percentile, hsize);
    trace_data = td.get();
    datapath = std::move(td);
  } else {
    datapath = std::make_unique<RatesDatapath>(workload->regions.frac);
  }
  plan.dims = d;
  plan.hadamard_size = hsize;

  TraceWindow window;
  if (!o.vcd.empty()) {
    window.enabled = true;
    if (!o.vcd_window.empty()) {
      const auto [a, b] = parse_window(o.vcd_window);
      window.start = sc_core::sc_time(a, sc_core::SC_NS);
      window.end = sc_core::sc_time(b, sc_core::SC_NS);
    }
  } else if (!o.vcd_window.empty()) {
    throw Error("--vcd-window needs --vcd FILE");
  }

  // SystemC's informational messages (tracing time unit...) would land in
  // the report; warnings and errors still show.
  sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  const auto wall0 = std::chrono::steady_clock::now();
  tlm::tlm_global_quantum::instance().set(sc_core::sc_time(1, sc_core::SC_US));
  // The controller is elaborated first: SystemC runs processes of one delta
  // cycle in creation order, and the reports' figures depend on that order.
  Controller controller("controller", arch, plan);
  Accelerator acc("accelerator", arch, *datapath, &window);
  acc.bind_driver(controller.sockets());
  if (window.enabled) {
    std::string base = o.vcd;
    if (base.size() > 4 && base.compare(base.size() - 4, 4, ".vcd") == 0)
      base.resize(base.size() - 4);
    acc.open_vcd(base);
  }
  sc_core::sc_start();
  acc.close_vcd();
  const double wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  if (!controller.finished())
    throw Error("internal: the simulation stopped before the run ended");

  if (w8a8) {
    // The fp32 reference on the same tokens, and the figures eval reports.
    MambaForward fwd(*weights);
    std::vector<LayerActivations> ref_acts;
    const std::vector<float> ref = fwd.prefill(seq->token_ids(), &ref_acts, seq->state_from());
    score(ref, seq->token_ids(), d.vocab_size, nullptr, w8.fp32);
    score(seq->logits(), seq->token_ids(), d.vocab_size, &ref, w8.quantized);
    const size_t nt = w8a8_tensor_names().size();
    w8.layer_err.assign(static_cast<size_t>(d.n_layer) * nt, {});
    merge_layer_errors(ref_acts, seq->take_activations(), nt, w8.layer_err);
  }
  RunReportInput in{o.trace, model_dir,  workload ? &*workload : nullptr,
                    plan,    arch,       controller,
                    acc,     trace_data, wall_s,
                    w8a8 ? &w8 : nullptr};
  write_run_report(in, o.out);
  if (!o.vcd.empty()) std::cout << "wrote " << o.vcd << "\n";
  return kExitOk;
}

}  // namespace ssmsim
