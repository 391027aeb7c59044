#include "sim/simulate.hpp"

#include <fmt/format.h>
#include <sysc/tracing/sc_tracing_ids.h>

#include <chrono>
#include <cstdlib>

#include "common/error.hpp"
#include "datapath/make_datapath.hpp"
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
#include "sim/child_process.hpp"
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

namespace {

// What a run reads: the trace (none for a workload), the model's
// dimensions and tokens, the checkpoint and its weights.
struct RunInputs {
  std::unique_ptr<Trace> trace;
  ModelDims dims;
  RunPlan plan;
  int64_t hadamard_size = 0;
  std::string model_dir;
  std::unique_ptr<Checkpoint> ckpt;
  std::unique_ptr<MambaWeights> weights;
  std::unique_ptr<Mamba2Weights> weights2;
};

// The checkpoint beside the trace (or --model) and its weights, checked
// against the trace.
void load_checkpoint(const RunRequest& r, RunInputs& in) {
  const ModelDims& d = in.dims;
  in.ckpt = std::make_unique<Checkpoint>(in.model_dir);
  check_trace_shape(d, r.trace, in.ckpt->dims(), in.model_dir);
  if (d.mamba2()) {
    in.weights2 = std::make_unique<Mamba2Weights>(load_mamba2_weights(*in.ckpt));
    check_checkpoint_matches(*in.weights2, in.model_dir, *in.trace, r.allow_mismatch);
  } else {
    in.weights = std::make_unique<MambaWeights>(load_weights(*in.ckpt));
    check_checkpoint_matches(*in.weights, in.model_dir, *in.trace, r.allow_mismatch);
  }
}

RunInputs load_run_inputs(const RunRequest& r) {
  RunInputs in;
  if (r.workload) {
    in.dims = r.workload->dims;
    in.plan.prefill_tokens = r.workload->prefill_tokens;
    in.plan.decode_tokens = r.workload->decode_tokens;
    in.plan.batch = r.workload->batch;
  } else {
    in.trace = std::make_unique<Trace>(r.trace);
    in.dims = in.trace->dims();
    if (r.tokens < 0 || r.tokens > in.trace->seq_len()) {
      throw Error(fmt::format("--tokens = {}: expected 0..{} (the trace's seq_len)", r.tokens,
                              in.trace->seq_len()));
    }
    const int64_t tokens = r.tokens == 0 ? in.trace->seq_len() : r.tokens;
    (r.decode ? in.plan.decode_tokens : in.plan.prefill_tokens) = tokens;
  }
  const ModelDims& d = in.dims;
  const int64_t hsize = r.arch.hadamard.size == 0 ? d.d_inner : r.arch.hadamard.size;
  HadamardShape hs;
  if (!hadamard_shape(hsize, &hs) || d.d_inner % hsize != 0) {
    throw Error(fmt::format(
        "hadamard.size = {}: not supported for d_inner {} (expected 2^k, 12*2^k, 20*2^k or "
        "40*2^k dividing d_inner)",
        hsize, d.d_inner));
  }
  in.hadamard_size = hsize;
  if (in.trace) {
    in.model_dir = r.model.empty() ? find_checkpoint(r.trace, d.name) : r.model;
  } else if (!r.model.empty()) {
    throw Error("--model is for --trace (a workload runs timing-only)");
  }
  if (!in.model_dir.empty()) load_checkpoint(r, in);
  if (r.scheme_set && !d.mamba2()) {
    throw Error("--scheme is for Mamba-2 traces; " + r.trace + " is Mamba-1 (per-tensor scales)");
  }
  return in;
}

// --vcd's window and bandwidth signals.
TraceWindow vcd_window(const RunRequest& r, const ArchConfig& arch) {
  TraceWindow window;
  if (r.vcd.empty()) {
    if (!r.vcd_window.empty()) throw Error("--vcd-window needs --vcd FILE");
    return window;
  }
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
  return window;
}

// --pipeline w8a8: the fp32 reference on the same tokens, and the figures
// eval reports (the pipeline's tensors; Mamba-2: also the quantizer against
// its own input).
W8A8Result w8a8_figures(const RunInputs& in, RunDatapath& dp) {
  W8A8Result w8;
  w8.quantizer = dp.quantizer;
  w8.scales = dp.scales;
  const ModelDims& d = in.dims;
  if (dp.seq2) {
    const W8A8Mamba2Sequence& seq2 = *dp.seq2;
    const Mamba2Forward fwd(*in.weights2);
    std::vector<Mamba2Activations> ref_acts;
    const std::vector<float> ref = fwd.prefill(seq2.token_ids(), &ref_acts);
    score(ref, seq2.token_ids(), d.vocab_size, nullptr, w8.fp32);
    score(seq2.logits(), seq2.token_ids(), d.vocab_size, &ref, w8.quantized);
    w8.tensors = mamba2_tensor_names();
    const size_t npipe = w8.tensors.size();
    w8.tensors.push_back("ssm.x@quantizer");
    const size_t nt = w8.tensors.size();
    w8.layer_err.assign(static_cast<size_t>(d.n_layer) * nt, {});
    const std::vector<Mamba2Activations> acts = dp.seq2->take_activations();
    for (size_t l = 0; l < acts.size(); ++l) {
      for (size_t ti = 0; ti < npipe; ++ti) {
        const std::vector<float>& a = mamba2_activation(acts[l], ti);
        const std::vector<float>& b = mamba2_activation(ref_acts[l], ti);
        w8.layer_err[l * nt + ti].merge(quant::compare(b.data(), a.data(), a.size()));
      }
      w8.layer_err[l * nt + npipe].merge(seq2.ssm_in_error_whole(static_cast<int64_t>(l)));
    }
    return w8;
  }
  const W8A8Sequence& seq = *dp.seq;
  MambaForward fwd(*in.weights);
  std::vector<LayerActivations> ref_acts;
  const std::vector<float> ref = fwd.prefill(seq.token_ids(), &ref_acts, seq.state_from());
  score(ref, seq.token_ids(), d.vocab_size, nullptr, w8.fp32);
  score(seq.logits(), seq.token_ids(), d.vocab_size, &ref, w8.quantized);
  w8.tensors = w8a8_tensor_names();
  const size_t nt = w8.tensors.size();
  w8.layer_err.assign(static_cast<size_t>(d.n_layer) * nt, {});
  merge_layer_errors(ref_acts, dp.seq->take_activations(), nt, w8.layer_err);
  return w8;
}

// The platform elaborated for one plan and run to its end. SystemC
// elaborates once per process: the tile search runs other plans in forks.
RunResult run_platform(const RunRequest& r, const RunInputs& in, RunDatapath& dp,
                       const RunPlan& plan, const ModelDims& dims, const ModelLowering& lowering,
                       const MemoryPlan& memory, TraceWindow window) {
  const ArchConfig& arch = r.arch;
  const ModelDims& d = in.dims;
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
  Accelerator acc("accelerator", arch, dp.datapath(), &window,
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

  RunResult res;
  res.trace = r.trace;
  res.model_dir = in.model_dir;
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
  res.first_step_end = controller.first_step_end_time();
  res.wall_s = wall_s;
  res.process_switches = switch_count();
  return res;
}

// Mamba-2's W8A8 data runs the model's chunks: every prefill tile but the
// last holds whole ones.
bool holds_whole_chunks(int64_t tile, int64_t prefill_tokens, int64_t chunk) {
  return tile >= prefill_tokens || tile % chunk == 0;
}

// The mapper's choices (lower/memory_plan's plan_candidates: the prefill
// tile when controller.tile_tokens = 0, weights resident or streamed when
// mapping.weights = auto and they fit), each simulated in a fork of this
// process on the run's prefill and at most two decode steps (the first may
// fill resident weights; the second is what the rest repeat), in the order
// of their lower bounds until the next bound is above the fastest so far.
// The fastest wins. `fallback` (the fewest DRAM bytes) when no candidate
// ran.
MemoryPlan fastest_plan(const RunRequest& r, const RunInputs& in, RunDatapath& dp,
                        const RunPlan& plan, const ModelDims& dims, const ModelLowering& lowering,
                        const MemoryPlan& fallback) {
  const auto keep = [&](int64_t t) {
    return !dp.seq2 || holds_whole_chunks(t, plan.prefill_tokens, in.dims.chunk_size);
  };
  const std::vector<TileCandidate> cands =
      plan_candidates(lowering, r.arch, plan.prefill_tokens, plan.decode_tokens, plan.batch, keep);
  if (cands.size() == 1) return cands[0].plan;
  if (cands.empty()) return fallback;
  RunPlan trial_plan = plan;
  // Two decode steps: the first may fill resident weights, the second is
  // what the others repeat.
  trial_plan.decode_tokens = std::min<int64_t>(plan.decode_tokens, 2);
  RunRequest trial_req = r;
  trial_req.vcd.clear();
  trial_req.timeline.clear();
  // Two candidates at a time, whatever the machine: which ones are
  // simulated (run.json lists them) must not depend on its cores.
  constexpr size_t kAtOnce = 2;
  std::vector<TileTrial> trials(cands.size());
  double best = -1;
  size_t best_i = 0;
  for (size_t i = 0; i < cands.size();) {
    std::vector<std::pair<size_t, ChildTask>> running;
    for (; i < cands.size() && running.size() < kAtOnce; ++i) {
      trials[i].tile_tokens = cands[i].plan.tile_tokens;
      trials[i].weights_in_sram = cands[i].plan.weights_in_sram;
      trials[i].bound_ns = cands[i].bound_ns;
      if (best >= 0 && cands[i].bound_ns >= best) continue;  // bound to be slower
      const MemoryPlan& m = cands[i].plan;
      running.emplace_back(i, start_child([&] {
                             const RunResult rr =
                                 run_platform(trial_req, in, dp, trial_plan, dims, lowering, m, {});
                             return std::vector<double>{rr.first_step_end.to_seconds() * 1e9,
                                                        rr.finish.to_seconds() * 1e9};
                           }));
    }
    for (auto& [c, task] : running) {
      const auto got = finish_child(task);
      if (!got || got->size() != 2) continue;
      const double first_ns = (*got)[0], finish_ns = (*got)[1];
      TileTrial& t = trials[c];
      t.simulated_ns = finish_ns;
      if (plan.decode_tokens > 2) {
        t.simulated_ns += static_cast<double>(plan.decode_tokens - 2) * (finish_ns - first_ns);
      }
      if (best < 0 || t.simulated_ns < best) best = t.simulated_ns, best_i = c;
    }
  }
  if (best < 0) return fallback;
  MemoryPlan chosen = cands[best_i].plan;
  chosen.tile_trials = std::move(trials);
  return chosen;
}

}  // namespace

RunResult simulate(const RunRequest& r) {
  const ArchConfig& arch = r.arch;
  RunInputs in = load_run_inputs(r);
  const ModelDims& d = in.dims;
  RunPlan& plan = in.plan;
  // What the units compute: the W8A8 pipeline, the trace's data, or (timing
  // only) nothing but the workload's region rates.
  DatapathRequest dr;
  dr.arch = &arch;
  dr.trace = in.trace.get();
  dr.checkpoint = in.ckpt.get();
  dr.weights = in.weights.get();
  dr.weights2 = in.weights2.get();
  dr.pipeline = r.pipeline;
  dr.prefill_tokens = plan.prefill_tokens;
  dr.decode_tokens = plan.decode_tokens;
  dr.hadamard_size = in.hadamard_size;
  if (r.workload) dr.region_rates = r.workload->regions.frac;
  RunDatapath dp = make_datapath(dr);
  // The model as run: Mamba-2 in the mapping's chunks.
  ModelDims dims = d;
  if (d.mamba2() && arch.mapping.ssd_chunk_tokens > 0) {
    dims.chunk_size = arch.mapping.ssd_chunk_tokens;
  }
  plan.hadamard_size = in.hadamard_size;
  // A test hook (cli.run_spawn_reverse): the first tiles' processes are
  // created in reverse order, and the results must not change.
  plan.spawn_tiles_reversed = std::getenv("SSMSIM_TEST_REVERSE_SPAWN") != nullptr;
  plan.scores_every_token = r.pipeline.w8a8;
  // The model lowered to layer programs, and the mapping's memory plan.
  const ModelLowering lowering(dims);
  TraceWindow window = vcd_window(r, arch);
  MemoryPlan memory =
      plan_memory(lowering, arch, plan.prefill_tokens, plan.decode_tokens, plan.batch);
  const auto search0 = std::chrono::steady_clock::now();
  memory = fastest_plan(r, in, dp, plan, dims, lowering, memory);
  const double search_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - search0).count();
  if (dp.seq2 && plan.prefill_tokens > 0) {
    const MemoryPlan& mp = memory;
    if (!holds_whole_chunks(mp.tile_tokens, plan.prefill_tokens, d.chunk_size)) {
      throw Error(fmt::format(
          "controller.tile_tokens = {}{}: --pipeline w8a8 on a Mamba-2 model computes the SSD "
          "in the model's chunks of {} tokens, so a prefill tile must hold whole chunks: set "
          "controller.tile_tokens to a multiple of {}",
          mp.tile_tokens, mp.tile_chosen ? " (auto)" : "", d.chunk_size, d.chunk_size));
    }
  }

  RunResult res = run_platform(r, in, dp, plan, dims, lowering, memory, window);
  res.tile_search_wall_s = search_s;
  if (r.pipeline.w8a8) res.w8a8 = w8a8_figures(in, dp);
  res.trace_data = std::move(dp.trace_data);
  return res;
}

}  // namespace ssmsim
