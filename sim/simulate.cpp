#include "sim/simulate.hpp"

#include <fmt/format.h>
#include <sysc/tracing/sc_tracing_ids.h>

#include <chrono>
#include <cstdlib>

#include "common/error.hpp"
#include "datapath/rates_datapath.hpp"
#include "datapath/w8a8_datapath.hpp"
#include "hw/accelerator.hpp"
#include "hw/switch_count.hpp"
#include "hw/time_limit.hpp"
#include "io/trace.hpp"
#include "lower/memory_plan.hpp"
#include "mamba/checkpoint_match.hpp"
#include "mamba/mamba2_forward.hpp"
#include "mamba/mamba_forward.hpp"
#include "mamba/w8a8.hpp"
#include "mamba/w8a8_mamba2.hpp"
#include "numeric/hadamard.hpp"
#include "sim/report.hpp"
#include "sim/timeline.hpp"

namespace ssmsim {

std::pair<double, double> parse_vcd_window(const std::string& w) {
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

RunResult simulate(const RunRequest& r) {
  const ArchConfig& arch = r.arch;
  const std::optional<Workload>& workload = r.workload;
  const bool w8a8 = r.w8a8;
  std::unique_ptr<Trace> trace;
  ModelDims d;
  RunPlan plan;
  if (workload) {
    d = workload->dims;
    plan.prefill_tokens = workload->prefill_tokens;
    plan.decode_tokens = workload->decode_tokens;
    plan.batch = workload->batch;
  } else {
    trace = std::make_unique<Trace>(r.trace);
    d = trace->dims();
    if (r.tokens < 0 || r.tokens > trace->seq_len()) {
      throw Error(fmt::format("--tokens = {}: expected 0..{} (the trace's seq_len)", r.tokens,
                              trace->seq_len()));
    }
    const int64_t tokens = r.tokens == 0 ? trace->seq_len() : r.tokens;
    (r.decode ? plan.decode_tokens : plan.prefill_tokens) = tokens;
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
  std::unique_ptr<MambaWeights> weights;
  std::unique_ptr<Mamba2Weights> weights2;
  std::string model_dir;
  if (trace) {
    model_dir = r.model.empty() ? find_checkpoint(r.trace, d.name) : r.model;
  } else if (!r.model.empty()) {
    throw Error("--model is for --trace (a workload runs timing-only)");
  }
  if (!model_dir.empty()) {
    ckpt = std::make_unique<Checkpoint>(model_dir);
    const ModelDims& c = ckpt->dims();
    if (c.n_layer != d.n_layer || c.d_inner != d.d_inner || c.d_state != d.d_state ||
        c.d_model != d.d_model) {
      throw Error(model_dir + ": checkpoint dims (n_layer " + std::to_string(c.n_layer) +
                  ", d_inner " + std::to_string(c.d_inner) + ") differ from trace " + r.trace);
    }
    if (c.mamba2() != d.mamba2() || c.n_heads != d.n_heads || c.n_groups != d.n_groups) {
      throw Error(model_dir + ": checkpoint (" + model_arch_name(c.arch) + ", " +
                  std::to_string(c.n_heads) + " heads, " + std::to_string(c.n_groups) +
                  " groups) differs from trace " + r.trace);
    }
    if (d.mamba2()) {
      weights2 = std::make_unique<Mamba2Weights>(load_mamba2_weights(*ckpt));
      check_checkpoint_matches(*weights2, model_dir, *trace, r.allow_mismatch);
    } else {
      weights = std::make_unique<MambaWeights>(load_weights(*ckpt));
      check_checkpoint_matches(*weights, model_dir, *trace, r.allow_mismatch);
    }
  }
  if (r.scheme_set && !d.mamba2()) {
    throw Error("--scheme is for Mamba-2 traces; " + r.trace + " is Mamba-1 (per-tensor scales)");
  }
  // What the units compute: the W8A8 pipeline, the trace's data, or (timing
  // only) nothing but the workload's region rates.
  std::unique_ptr<Datapath> datapath;
  std::unique_ptr<TraceDatapath> trace_data;
  std::unique_ptr<W8A8Mamba> pipe;
  std::unique_ptr<W8A8Sequence> seq;
  std::unique_ptr<W8A8Mamba2> pipe2;
  std::unique_ptr<W8A8Mamba2Sequence> seq2;
  W8A8Result w8;
  if (w8a8) {
    if (!ckpt) {
      throw Error(r.trace +
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
  }
  if (w8a8 && d.mamba2()) {
    Mamba2Scales qs;
    if (!r.scales.empty()) {
      qs = Mamba2Scales::load(r.scales, d);
      w8.scales = r.scales;
    } else {
      // As ssmsim eval: both schemes' observers over the fp32 forward of
      // every sequence of the trace.
      Mamba2ScaleCalibrator cal(*weights2, r.percentile);
      const Mamba2Forward fwd(*weights2);
      const std::vector<int32_t> all = trace->tokens();
      for (int64_t b = 0; b < trace->batch(); ++b) {
        const std::vector<int32_t> row(all.begin() + b * trace->seq_len(),
                                       all.begin() + (b + 1) * trace->seq_len());
        std::vector<Mamba2Activations> acts;
        fwd.prefill(row, &acts);
        cal.fold(cal.measure(acts, static_cast<int64_t>(row.size())));
      }
      qs = cal.scales();
      w8.scales = fmt::format("calibrated on the trace (x: p{})", num(r.percentile));
    }
    Mamba2W8A8Options wo;
    wo.se = arch.quantizer.se();
    pipe2 = std::make_unique<W8A8Mamba2>(*weights2, qs, wo);
    const std::vector<int32_t> all = trace->tokens();  // batch row 0: one sequence
    seq2 = std::make_unique<W8A8Mamba2Sequence>(
        *pipe2,
        std::vector<int32_t>(all.begin(), all.begin() + plan.prefill_tokens + plan.decode_tokens),
        arch.quantizer.mode, r.scheme, plan.prefill_tokens);
    w8.quantizer = std::string(quant::kind_name(arch.quantizer.mode)) + "/" + scheme_name(r.scheme);
    datapath = std::make_unique<W8A8Mamba2Datapath>(*seq2);
  } else if (w8a8) {
    QuantScales qs;
    if (!r.scales.empty()) {
      qs = QuantScales::load(r.scales, d.n_layer);
      w8.scales = r.scales;
    } else {
      // As ssmsim eval: Quamba's observers over every sequence of the trace.
      ScaleCalibrator cal(*weights, r.percentile);
      const std::vector<int32_t> all = trace->tokens();
      for (int64_t b = 0; b < trace->batch(); ++b) {
        cal.observe(std::vector<int32_t>(all.begin() + b * trace->seq_len(),
                                         all.begin() + (b + 1) * trace->seq_len()));
      }
      qs = cal.scales();
      w8.scales = fmt::format("calibrated on the trace (u: p{})", num(r.percentile));
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
    trace_data = std::make_unique<TraceDatapath>(*trace, ckpt.get(), arch, r.percentile, hsize);
  } else {
    datapath = std::make_unique<RatesDatapath>(workload->regions.frac);
  }
  // The model as run: Mamba-2 in the mapping's chunks.
  ModelDims dims = d;
  if (d.mamba2() && arch.mapping.ssd_chunk_tokens > 0) {
    dims.chunk_size = arch.mapping.ssd_chunk_tokens;
  }
  plan.hadamard_size = hsize;
  // A test hook (cli.run_spawn_reverse): the first tiles' processes are
  // created in reverse order, and the results must not change.
  plan.spawn_tiles_reversed = std::getenv("SSMSIM_TEST_REVERSE_SPAWN") != nullptr;
  plan.scores_every_token = w8a8;
  // The model lowered to layer programs, and the mapping's memory plan.
  const ModelLowering lowering(dims);
  const MemoryPlan memory =
      plan_memory(lowering, arch, plan.prefill_tokens, plan.decode_tokens, plan.batch);
  if (seq2 && plan.prefill_tokens > 0) {
    // The data runs the model's chunks: every tile but the last must hold
    // whole ones.
    const MemoryPlan& mp = memory;
    if (mp.tile_tokens < plan.prefill_tokens && mp.tile_tokens % d.chunk_size != 0) {
      throw Error(fmt::format(
          "controller.tile_tokens = {}{}: --pipeline w8a8 on a Mamba-2 model computes the SSD "
          "in the model's chunks of {} tokens, so a prefill tile must hold whole chunks: set "
          "controller.tile_tokens to a multiple of {}",
          mp.tile_tokens, mp.tile_chosen ? " (auto)" : "", d.chunk_size, d.chunk_size));
    }
  }

  TraceWindow window;
  if (!r.vcd.empty()) {
    window.enabled = true;
    if (r.vcd_bandwidth_cycles < 1 || r.vcd_bandwidth_cycles > 1000000000) {
      throw Error(fmt::format("--vcd-bandwidth-window = {}: expected 1 to 1e9 cycles",
                              r.vcd_bandwidth_cycles));
    }
    window.bandwidth_window = check_time(
        sc_core::sc_time(arch.clock_period_ns() * static_cast<double>(r.vcd_bandwidth_cycles),
                         sc_core::SC_NS),
        "--vcd-bandwidth-window");
    if (!r.vcd_window.empty()) {
      const auto [a, b] = parse_vcd_window(r.vcd_window);
      window.start = sc_core::sc_time(a, sc_core::SC_NS);
      window.end = sc_core::sc_time(b, sc_core::SC_NS);
    }
  } else if (!r.vcd_window.empty()) {
    throw Error("--vcd-window needs --vcd FILE");
  }

  // SystemC's informational messages (tracing time unit...) would land in
  // the report; warnings and errors still show.
  sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  // Memory times need not be whole ns (a derated or DRAMSys channel): the
  // VCD (1 ns unit) shows such a change at its ns, which is what a reader
  // wants; SystemC would warn once per such time step (thousands a run).
  sc_core::sc_report_handler::set_actions(sc_core::SC_ID_TRACING_VCD_TIME_RESOLUTION_,
                                          sc_core::SC_DO_NOTHING);
  const auto wall0 = std::chrono::steady_clock::now();
  // The controller is elaborated first: SystemC runs processes of one delta
  // cycle in creation order, and the reports' figures depend on that order.
  Controller controller("controller", arch, plan, lowering, memory);
  RunAggregate ops(arch, d.n_layer);
  const auto [expected_ops, expected_gemms] = controller.expected_ops();
  ops.reserve(expected_ops, expected_gemms);
  std::unique_ptr<TimelineWriter> timeline;
  if (!r.timeline.empty())
    timeline = std::make_unique<TimelineWriter>(r.timeline, ops, arch, d.n_layer);
  Accelerator acc("accelerator", arch, trace_data ? *trace_data : *datapath, &window,
                  timeline ? static_cast<OpSink*>(timeline.get()) : &ops);
  acc.bind_driver(controller.sockets());
  if (window.enabled) {
    std::string base = r.vcd;
    if (base.size() > 4 && base.compare(base.size() - 4, 4, ".vcd") == 0)
      base.resize(base.size() - 4);
    acc.open_vcd(base);
  }
  // The DRAM's figures at the prefill's end split them by phase.
  DramStats dram_prefill;
  sc_core::sc_spawn([&] {
    sc_core::wait(controller.prefill_done());
    dram_prefill = acc.dram_stats();
  });
  sc_core::sc_start();
  acc.close_vcd();
  const double wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  if (!controller.error().empty()) throw Error(controller.error());
  if (!controller.finished()) throw Error("internal: the simulation stopped before the run ended");
  if (timeline) {
    timeline->finish(static_cast<uint64_t>(
        controller.finish_time() / sc_core::sc_time(arch.clock_period_ns(), sc_core::SC_NS)));
  }

  if (seq2) {
    // The fp32 reference on the same tokens, and the figures eval reports:
    // the pipeline's tensors, and the quantizer against its own input.
    const Mamba2Forward fwd(*weights2);
    std::vector<Mamba2Activations> ref_acts;
    const std::vector<float> ref = fwd.prefill(seq2->token_ids(), &ref_acts);
    score(ref, seq2->token_ids(), d.vocab_size, nullptr, w8.fp32);
    score(seq2->logits(), seq2->token_ids(), d.vocab_size, &ref, w8.quantized);
    w8.tensors = mamba2_tensor_names();
    const size_t npipe = w8.tensors.size();
    w8.tensors.push_back("ssm.x@quantizer");
    const size_t nt = w8.tensors.size();
    w8.layer_err.assign(static_cast<size_t>(d.n_layer) * nt, {});
    const std::vector<Mamba2Activations> acts = seq2->take_activations();
    for (size_t l = 0; l < acts.size(); ++l) {
      for (size_t ti = 0; ti < npipe; ++ti) {
        const std::vector<float>& a = mamba2_activation(acts[l], ti);
        const std::vector<float>& b = mamba2_activation(ref_acts[l], ti);
        w8.layer_err[l * nt + ti].merge(quant::compare(b.data(), a.data(), a.size()));
      }
      w8.layer_err[l * nt + npipe].merge(seq2->ssm_in_error_whole(static_cast<int64_t>(l)));
    }
  } else if (w8a8) {
    // The fp32 reference on the same tokens, and the figures eval reports.
    MambaForward fwd(*weights);
    std::vector<LayerActivations> ref_acts;
    const std::vector<float> ref = fwd.prefill(seq->token_ids(), &ref_acts, seq->state_from());
    score(ref, seq->token_ids(), d.vocab_size, nullptr, w8.fp32);
    score(seq->logits(), seq->token_ids(), d.vocab_size, &ref, w8.quantized);
    w8.tensors = w8a8_tensor_names();
    const size_t nt = w8.tensors.size();
    w8.layer_err.assign(static_cast<size_t>(d.n_layer) * nt, {});
    merge_layer_errors(ref_acts, seq->take_activations(), nt, w8.layer_err);
  }

  RunResult res;
  res.trace = r.trace;
  res.model_dir = model_dir;
  res.workload = r.workload;
  res.plan = plan;
  res.dims = dims;
  res.arch = arch;
  res.ops = std::move(ops);
  res.quant_regions = acc.quant.region_counts();
  res.dram = acc.dram_stats();
  res.dram_prefill = dram_prefill;
  if (acc.dramsys) {
    res.dram_text = acc.dramsys->setup().text;
    res.dram_peak_gbps = acc.dramsys->setup().peak_gbps;
#ifdef SSMSIM_HAVE_DRAMSYS  // built without DRAMSys, acc.dramsys is never set
    res.drampower_pj = acc.dramsys->drampower_energy_pj();
#endif
  } else {
    res.dram_text = fmt::format(
        "analytic: {} GB/s peak, streams at {}% (reads) / {}% (writes) of it, {} ns latency, "
        "{}-byte bursts",
        num(arch.dram.bandwidth_gbps), num(100 * arch.dram.read_efficiency),
        num(100 * arch.dram.write_efficiency), num(arch.dram.latency_ns), arch.dram.burst_bytes);
    res.dram_peak_gbps = arch.dram.bandwidth_gbps;
  }
  res.sram = acc.sram.stats();
  res.memory = controller.memory_plan();
  res.head_on_every_token = controller.head_on_every_token();
  res.clock_period_ns = sc_core::sc_time(arch.clock_period_ns(), sc_core::SC_NS) /
                        sc_core::sc_time(1, sc_core::SC_NS);
  res.finish = controller.finish_time();
  res.prefill_end = controller.prefill_end_time();
  res.wall_s = wall_s;
  res.process_switches = switch_count();
  if (w8a8) res.w8a8 = std::move(w8);
  res.trace_data = std::move(trace_data);
  return res;
}

}  // namespace ssmsim
