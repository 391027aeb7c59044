#include "sim/run_report.hpp"

#include <fmt/compile.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <map>

#include "common/json_text.hpp"
#include "hw/area.hpp"
#include "hw/energy.hpp"
#include "hw/gemm_unit.hpp"
#include "sim/report.hpp"

namespace ssmsim {

namespace {

// Bytes over the time with a request outstanding, GB/s = bytes per ns.
double dram_effective_gbps(const DramStats& d) {
  const double ns = d.active.total().to_seconds() * 1e9;
  return ns > 0 ? static_cast<double>(d.read_bytes + d.write_bytes) / ns : 0.0;
}

// A phase's DRAM figures: bytes, bandwidth over the phase's latency, and
// over the time a request was outstanding (`before`: the DRAM's figures at
// the phase's start).
ojson phase_dram(const DramStats& end, const DramStats& before, double latency_ns,
                 double peak_gbps) {
  const uint64_t bytes = end.read_bytes + end.write_bytes - before.read_bytes - before.write_bytes;
  const double active_ns = (end.active.total() - before.active.total()).to_seconds() * 1e9;
  const double effective = active_ns > 0 ? static_cast<double>(bytes) / active_ns : 0.0;
  return {{"dram_bytes", bytes},
          {"dram_gbps", latency_ns > 0 ? static_cast<double>(bytes) / latency_ns : 0.0},
          {"dram_active_ns", active_ns},
          {"dram_effective_gbps", effective},
          {"dram_efficiency_pct", peak_gbps > 0 ? 100.0 * effective / peak_gbps : 0.0}};
}

const char* const kUnits[kUnitCount] = {unit_name(Unit::kGemm), unit_name(Unit::kQuant),
                                        unit_name(Unit::kScan), unit_name(Unit::kHad),
                                        unit_name(Unit::kVec)};

// Units in alphabetical order: how per-layer unit objects were always listed.
constexpr Unit kUnitsByName[kUnitCount] = {Unit::kGemm, Unit::kHad, Unit::kQuant, Unit::kScan,
                                           Unit::kVec};

ojson agg_json(const Agg& a, uint64_t total_cycles) {
  ojson j;
  j["ops"] = a.ops;
  j["busy_cycles"] = a.busy;
  j["busy_pct"] = total_cycles ? 100.0 * static_cast<double>(a.busy) / total_cycles : 0.0;
  j["stall_cycles"] = a.stall;
  j["queue_cycles"] = a.queue;
  j["dram_read_bytes"] = a.dram_r;
  j["dram_write_bytes"] = a.dram_w;
  j["sram_read_bytes"] = a.sram_r;
  j["sram_write_bytes"] = a.sram_w;
  j["arith_ops"] = a.arith;
  j["energy_pj"] = a.energy.total_pj();
  return j;
}

// One gemm_ops entry, as nlohmann's dump(2) writes it inside run.json's
// array (8 spaces before a key); written directly, so run.json streams
// without a JSON tree of every GEMM. The format is compiled (FMT_COMPILE):
// 18,500 records of Mamba-2.8B's 576 tokens spent a third of their time
// parsing the format string.
void write_gemm_op(fmt::memory_buffer& out, const GemmOpRecord& g, int64_t n_layer,
                   const ArchConfig& a, double period_ns) {
  const auto macs = static_cast<double>(g.count) * static_cast<double>(g.M) *
                    static_cast<double>(g.N) * static_cast<double>(g.K);
  const auto took = static_cast<double>(g.end_cycle - g.start_cycle);
  const GemmBound b = gemm_bound(g, a, period_ns);
  auto it = std::back_inserter(out);
  it = fmt::format_to(it, FMT_COMPILE("    {{\n      \"name\": \"{}\",\n      \"layer\": "),
                      op_name(g.op));
  if (g.layer < n_layer) {
    it = fmt::format_to(it, FMT_COMPILE("{}"), g.layer);
  } else {
    it = fmt::format_to(it, FMT_COMPILE("\"head\""));
  }
  it = fmt::format_to(it,
                      FMT_COMPILE(",\n"
                                  "      \"tile\": {},\n"
                                  "      \"M\": {},\n"
                                  "      \"N\": {},\n"
                                  "      \"K\": {},\n"
                                  "      \"count\": {},\n"
                                  "      \"operands\": \"{}\",\n"
                                  "      \"dataflow\": \"{}\",\n"
                                  "      \"mapping\": \"{}\",\n"
                                  "      \"array\": [\n"
                                  "        {},\n"
                                  "        {}\n"
                                  "      ],\n"
                                  "      \"compute_cycles\": {},\n"
                                  "      \"busy_cycles\": {},\n"
                                  "      \"stall_cycles\": {},\n"
                                  "      \"queue_cycles\": {},\n"
                                  "      \"start_cycle\": {},\n"
                                  "      \"end_cycle\": {},\n"
                                  "      \"dram_bytes\": {},\n"
                                  "      \"sram_bytes\": {},\n"
                                  "      \"macs_per_dram_byte\": "),
                      g.tile, g.M, g.N, g.K, g.count, g.fp16 ? "fp16" : "int8",
                      dataflow_name(a.gemm.dataflow),
                      gemm_mapping_name(static_cast<GemmMapping>(g.mapping)), a.gemm.rows,
                      a.gemm.cols, g.compute_cycles, g.busy_cycles, g.stall_cycles, g.queue_cycles,
                      g.start_cycle, g.end_cycle, g.dram_bytes, g.sram_bytes);
  // MACs per DRAM byte; null when nothing came from DRAM (resident weights).
  if (g.dram_bytes > 0) {
    append_num(out, macs / static_cast<double>(g.dram_bytes));
  } else {
    out.append(std::string_view("null"));
  }
  out.append(std::string_view(",\n      \"dram_gbps\": "));
  append_num(out, took > 0 ? static_cast<double>(g.dram_bytes) / (took * period_ns) : 0.0);
  out.append(std::string_view(",\n      \"mac_utilization_pct\": "));
  append_num(
      out, took > 0 ? 100.0 * macs / (static_cast<double>(a.gemm.rows * a.gemm.cols) * took) : 0.0);
  fmt::format_to(std::back_inserter(out), FMT_COMPILE(",\n      \"bound\": \"{}\"\n    }}"),
                 b.bound);
}

ojson energy_json(const Energy& e) {
  return {{"compute_pj", e.compute_pj},
          {"sram_pj", e.sram_pj},
          {"dram_pj", e.dram_pj},
          {"static_pj", e.static_pj},
          {"dram_background_pj", e.dram_background_pj},
          {"total_pj", e.total_pj()}};
}

ojson err_json(const quant::ErrorStats& s, bool regions) {
  ojson j;
  j["elements"] = s.count;
  j["mse"] = s.mse();
  j["sqnr_db"] = json_number_or_null(s.sqnr_db());
  j["max_abs_err"] = s.max_abs_error;
  if (regions) {
    j["clipped_frac"] = s.clipped_frac();
    j["small_frac"] = s.region_frac(quant::SeRegion::kSmall);
    j["normal_frac"] = s.region_frac(quant::SeRegion::kNormal);
    j["large_frac"] = s.region_frac(quant::SeRegion::kLarge);
    j["saturated_frac"] = s.region_frac(quant::SeRegion::kSaturated);
  }
  return j;
}

std::string db(const quant::ErrorStats& s) {
  return s.count ? fmt::format("{:.2f}", s.sqnr_db()) : std::string("-");
}

}  // namespace

std::vector<std::string> run_report_files(bool workload) {
  std::vector<std::string> files = {"run.json", "run.csv", "run.kernels.csv", "run.config.json"};
  if (workload) files.push_back("run.workload.json");
  return files;
}

RunMetrics run_metrics(const RunResult& in) {
  const ArchConfig& arch = in.arch;
  const RunPlan& plan = in.plan;
  RunMetrics m;
  // The simulated period (the units count cycles of it), not 1000 / clock_mhz.
  m.period_ns = in.clock_period_ns;
  auto to_cycles = [&](sc_core::sc_time t) {
    return static_cast<uint64_t>(std::llround(t.to_seconds() * 1e9 / m.period_ns));
  };
  m.total_cycles = to_cycles(in.finish);
  m.prefill_cycles = to_cycles(in.prefill_end);
  m.decode_cycles = m.total_cycles - m.prefill_cycles;
  m.latency_ns = static_cast<double>(m.total_cycles) * m.period_ns;
  m.prefill_ns = static_cast<double>(m.prefill_cycles) * m.period_ns;
  m.tokens = (plan.prefill_tokens + plan.decode_tokens) * plan.batch;
  m.tokens_per_s = m.latency_ns > 0 ? m.tokens / (m.latency_ns * 1e-9) : 0.0;
  m.source = in.workload ? "workload " + in.workload->name : in.trace;
  m.energy = in.ops.energy();
  m.static_mw = static_power_mw(arch);
  m.energy.static_pj = m.static_mw * m.latency_ns;  // mW x ns = pJ
  m.dram_background_mw = dram_background_mw(arch);
  m.energy.dram_background_pj = m.dram_background_mw * m.latency_ns;
  m.area = area_of(arch);
  // Energy-delay product: J x s.
  m.edp_j_s = m.energy.total_pj() * 1e-12 * m.latency_ns * 1e-9;
  m.weight_bound_ns = static_cast<double>(in.memory.weight_bytes) / arch.dram.bandwidth_gbps;
  m.attr = in.ops.attribute(m.total_cycles);
  m.hybrid = in.dims.hybrid();
  if (plan.prefill_tokens > 0) {
    m.prefill_dram = phase_dram(in.dram_prefill, DramStats(), m.prefill_ns, in.dram_peak_gbps);
  }
  if (plan.decode_tokens > 0) {
    m.decode_dram =
        phase_dram(in.dram, in.dram_prefill, m.decode_cycles * m.period_ns, in.dram_peak_gbps);
  }
  for (int phase = 0; phase < 2; ++phase) {
    for (int o = 0; o < kOpCount; ++o) {
      const Op op = static_cast<Op>(o);
      const Agg& a = in.ops.kernel(op, phase == 1);
      if (a.ops == 0) continue;
      m.kernels.push_back({op, phase == 1, &a, kernel_bound(a, arch, m.period_ns)});
    }
  }
  for (const GemmOpRecord& g : in.ops.gemm_ops()) {
    auto& e = m.gemm_bounds[gemm_bound(g, arch, m.period_ns).bound];
    e.first += 1;
    e.second += g.end_cycle - g.start_cycle;
  }
  if (in.w8a8) {
    // The SSM input: Mamba-1's u, Mamba-2's x.
    const auto& names = in.w8a8->tensors;
    const auto it = std::find_if(names.begin(), names.end(),
                                 [](const std::string& n) { return n == "ssm.u" || n == "ssm.x"; });
    const auto ssm_in_tensor = static_cast<size_t>(it - names.begin());
    quant::ErrorStats all;
    for (int64_t l = 0; l < in.dims.n_layer; ++l)
      all.merge(in.w8a8->layer_err[static_cast<size_t>(l) * names.size() + ssm_in_tensor]);
    m.ssm_in_error = all;
  } else if (in.trace_data) {
    quant::ErrorStats all;
    for (const LayerData& L : in.trace_data->layers()) all.merge(L.u_err);
    m.ssm_in_error = all;
  }
  return m;
}

namespace {

std::string pct_of(uint64_t c, uint64_t total) {
  return fmt::format("{:.1f}", total ? 100.0 * static_cast<double>(c) / total : 0.0);
}

// A report row's layer: its number, or "head"; a hybrid's kind.
std::string layer_label(const RunResult& in, int64_t layer) {
  return layer < in.dims.n_layer ? std::to_string(layer) : "head";
}
const char* layer_kind_label(const RunResult& in, int64_t layer) {
  return layer < in.dims.n_layer ? layer_kind_name(in.dims.layer_kind(layer)) : "head";
}

// Why the prefill tile is what it is, for the mapping line.
std::string tile_reason(const MemoryPlan& mp) {
  if (!mp.tile_chosen) return "";
  if (mp.tile_trials.empty()) return " (auto: the only candidate)";
  size_t simulated = 0;
  for (const TileTrial& t : mp.tile_trials) simulated += t.simulated_ns >= 0 ? 1 : 0;
  return fmt::format(" (auto: the fastest of {} simulated; {} more bound to be slower)", simulated,
                     mp.tile_trials.size() - simulated);
}

// The weights' placement, and why when the mapper chose it.
std::string weights_text(const MemoryPlan& mp) {
  std::string t =
      mp.weights_in_sram ? "resident in SRAM (read from DRAM once)" : "streamed from DRAM";
  if (mp.weights_chosen) {
    t += mp.weights_in_sram ? " (auto: faster than streaming them, simulated)"
                            : " (auto: faster than keeping them resident, simulated)";
  }
  return t;
}

// Where a decode step's buffers are: all in SRAM, all in DRAM, or the
// most of their bytes that fit beside the state in SRAM.
std::string decode_placement_text(const MemoryPlan& mp) {
  if (mp.decode_activations_in_sram) return "SRAM";
  if (mp.decode_sram_bytes == 0) return "DRAM";
  return fmt::format("SRAM for {} of its {} bytes, the rest in DRAM", mp.decode_sram_bytes,
                     mp.decode_footprint_bytes);
}

void print_run_header(const RunResult& in, const RunMetrics& m, std::ostream& out) {
  const ArchConfig& arch = in.arch;
  const RunPlan& plan = in.plan;
  const MemoryPlan& mp = in.memory;
  std::string what;
  if (in.workload) {
    what = fmt::format("{} (model {}, batch {}): timing only, SSM-input regions from the workload",
                       m.source, in.dims.name, plan.batch);
  } else {
    what = fmt::format(
        "{} ({})", m.source,
        in.model_dir.empty() ? "no checkpoint: scan/gate/Hadamard timing-only" : in.model_dir);
  }
  out << fmt::format(
      "ssmsim run: {}; prefill {} + decode {} token(s); arch '{}' {} at {} MHz, GEMM {}x{} {}, "
      "quantizer {}{}\n",
      what, plan.prefill_tokens, plan.decode_tokens, arch.name, precision_name(arch.precision),
      num(arch.clock_mhz), arch.gemm.rows, arch.gemm.cols, dataflow_name(arch.gemm.dataflow),
      arch.fp16() ? "none (fp16)" : quant::kind_name(arch.quantizer.mode),
      arch.quantizer.multicycle && !arch.fp16() ? " (multicycle)" : "");
  out << fmt::format(
      "mapping: prefill tiles of {} token(s){}; weights {}; activations in {} ({} slot(s) of {} "
      "bytes), a decode step's in {}; decode state in {}; lm_head on {} prompt token\n",
      mp.tile_tokens, tile_reason(mp), weights_text(mp),
      mp.activations_in_sram ? "SRAM" : "DRAM (they do not fit in sram.bytes)", mp.activation_slots,
      mp.tile_footprint_bytes, decode_placement_text(mp), mp.state_in_sram ? "SRAM" : "DRAM",
      in.head_on_every_token ? "every" : "the last");
  out << "\n";
}

void print_layer_table(const RunResult& in, const RunMetrics& m, std::ostream& out) {
  const RunAggregate& agg = in.ops;
  const TraceDatapath* data = in.trace_data.get();
  std::vector<std::string> head = {"layer", "attributed_cycles", "attributed_%"};
  // A hybrid's layers say what they are (ssm, attention, mlp, moe).
  if (m.hybrid) head.insert(head.begin() + 1, "kind");
  for (const char* u : kUnits) head.push_back(std::string(u) + "_busy_cycles");
  head.insert(head.end(), {"stall_cycles", "dram_read_bytes", "energy_nj"});
  if (data) head.insert(head.end(), {"ssm_in_sqnr_db", "y_sqnr_db", "out_proj_in_sqnr_db"});
  TextTable lt(head);
  for (int64_t layer = 0; layer < agg.layers(); ++layer) {
    const Agg& la = agg.layer(layer);
    if (la.ops == 0) continue;
    const uint64_t mine = m.attr.layer_cycles[static_cast<size_t>(layer)];
    std::vector<std::string> row = {layer_label(in, layer), std::to_string(mine),
                                    pct_of(mine, m.total_cycles)};
    if (m.hybrid) row.insert(row.begin() + 1, layer_kind_label(in, layer));
    for (int u = 0; u < kUnitCount; ++u) {
      row.push_back(std::to_string(agg.at(layer, static_cast<Unit>(u)).busy));
    }
    row.push_back(std::to_string(la.stall));
    row.push_back(std::to_string(la.dram_r));
    row.push_back(fmt::format("{:.1f}", la.energy.total_pj() * 1e-3));
    if (data && layer < in.dims.n_layer) {
      const LayerData& L = data->layers()[static_cast<size_t>(layer)];
      row.insert(row.end(), {db(L.u_err), db(L.y_err), db(L.had_err)});
    } else if (data) {
      row.insert(row.end(), {"", "", ""});
    }
    lt.add(row);
  }
  out << lt.str() << "\n";
}

void print_unit_table(const RunResult& in, const RunMetrics& m, std::ostream& out) {
  TextTable ut({"unit", "ops", "attributed_cycles", "busy_cycles", "busy_%", "stall_cycles",
                "queue_cycles", "dram_read_bytes", "dram_write_bytes", "sram_read_bytes",
                "sram_write_bytes", "energy_nj"});
  for (int u = 0; u < kUnitCount; ++u) {
    const Agg& a = in.ops.unit(static_cast<Unit>(u));
    ut.add({kUnits[u], std::to_string(a.ops),
            std::to_string(m.attr.unit_cycles[static_cast<size_t>(u)]), std::to_string(a.busy),
            fmt::format("{:.1f}", m.total_cycles ? 100.0 * a.busy / m.total_cycles : 0.0),
            std::to_string(a.stall), std::to_string(a.queue), std::to_string(a.dram_r),
            std::to_string(a.dram_w), std::to_string(a.sram_r), std::to_string(a.sram_w),
            fmt::format("{:.1f}", a.energy.total_pj() * 1e-3)});
  }
  out << ut.str() << "\n";
}

// By kernel: what each operation kind did in each phase, summed over
// layers and tiles (arith_ops: MACs on the GEMM unit, element operations
// elsewhere, as the energy table charges them). `energy` formats its
// energy (pJ in the CSV, nJ in the table).
const std::vector<std::string> kKernelHead = {
    "kernel",       "phase",      "unit",       "ops",       "arith_ops", "busy_cycles",
    "stall_cycles", "dram_bytes", "sram_bytes", "energy_pj", "bound"};
template <typename Energy>
std::vector<std::string> kernel_row(const RunAggregate& agg, const KernelFigures& k,
                                    Energy energy) {
  const Agg& a = *k.agg;
  return {op_name(k.op),
          k.decode ? "decode" : "prefill",
          unit_name(agg.kernel_unit(k.op)),
          std::to_string(a.ops),
          std::to_string(a.arith),
          std::to_string(a.busy),
          std::to_string(a.stall),
          std::to_string(a.dram_r + a.dram_w),
          std::to_string(a.sram_r + a.sram_w),
          energy(a.energy.total_pj()),
          k.bound};
}

void print_kernel_tables(const RunResult& in, const RunMetrics& m, std::ostream& out) {
  std::vector<std::string> head = kKernelHead;
  head[9] = "energy_nj";
  TextTable kt(head);
  for (const KernelFigures& k : m.kernels) {
    // The CSV's pJ through num(), read back as the table always did.
    kt.add(kernel_row(in.ops, k,
                      [](double pj) { return fmt::format("{:.1f}", std::stod(num(pj)) * 1e-3); }));
  }
  out << kt.str() << "\n";
  // What bounds the GEMMs (per operation in run.json's gemm_ops).
  if (!m.gemm_bounds.empty()) {
    TextTable bt({"gemm_bound", "ops", "op_cycles"});
    for (const char* b : {"compute", "dram", "sram", "latency"}) {
      const auto it = m.gemm_bounds.find(b);
      if (it != m.gemm_bounds.end()) {
        bt.add({b, std::to_string(it->second.first), std::to_string(it->second.second)});
      }
    }
    out << bt.str() << "\n";
  }
}

void print_dram_lines(const RunResult& in, const RunMetrics& m, std::ostream& out) {
  const DramStats& dram = in.dram;
  std::string kinds;
  for (int w = 0; w < kDramWindows; ++w) {
    const auto i = static_cast<size_t>(w);
    if (dram.window_read_bytes[i] + dram.window_write_bytes[i] == 0) continue;
    kinds += fmt::format("{}{} {} read, {} written", kinds.empty() ? "" : "; ",
                         dram_window_name(static_cast<DramWindow>(w)), dram.window_read_bytes[i],
                         dram.window_write_bytes[i]);
  }
  if (!kinds.empty()) out << "DRAM bytes by kind: " << kinds << "\n";
  const double active_ns = dram.active.total().to_seconds() * 1e9;
  out << fmt::format(
      "DRAM: {}; {:.2f} GB/s while a request is outstanding ({:.1f}% of peak), for {:.1f} ns "
      "({:.1f}% of the run)\n",
      in.dram_text, dram_effective_gbps(dram),
      100.0 * dram_effective_gbps(dram) / in.dram_peak_gbps, active_ns,
      m.latency_ns > 0 ? 100.0 * active_ns / m.latency_ns : 0.0);
  if (in.plan.prefill_tokens > 0 && in.plan.decode_tokens > 0) {
    std::string by_phase;
    for (const auto& [name, pd] : {std::pair<const char*, const ojson&>{"prefill", m.prefill_dram},
                                   {"decode", m.decode_dram}}) {
      by_phase += fmt::format(
          "{}{} {:.2f} GB/s over its latency ({:.2f} GB/s while a request "
          "is outstanding, {:.1f}% of peak)",
          by_phase.empty() ? "" : "; ", name, pd["dram_gbps"].get<double>(),
          pd["dram_effective_gbps"].get<double>(), pd["dram_efficiency_pct"].get<double>());
    }
    out << "DRAM by phase: " << by_phase << "\n";
  }
}

void print_run_totals(const RunResult& in, const RunMetrics& m, std::ostream& out) {
  const ArchConfig& arch = in.arch;
  const RunPlan& plan = in.plan;
  const double period_ns = m.period_ns;
  if (plan.prefill_tokens > 0 && plan.decode_tokens > 0) {
    out << fmt::format(
        "prefill: {} cycles = {:.1f} ns for {} token(s); decode: {} cycles = {:.1f} ns for {} "
        "token(s), {:.1f} ns per token\n",
        m.prefill_cycles, m.prefill_cycles * period_ns, plan.prefill_tokens, m.decode_cycles,
        m.decode_cycles * period_ns, plan.decode_tokens,
        m.decode_cycles * period_ns / static_cast<double>(plan.decode_tokens));
  }
  out << fmt::format(
      "total: {} cycles = {:.1f} ns at {} MHz{}; {:.1f} tokens/s; DRAM {} bytes read, {} written "
      "(weights {} bytes: >= {:.1f} ns at {} GB/s)\n",
      m.total_cycles, m.latency_ns, num(arch.clock_mhz),
      period_ns == arch.clock_period_ns()
          ? ""
          : fmt::format(" (simulated period {} ns, the 1 ps time resolution)", num(period_ns)),
      m.tokens_per_s, in.dram.read_bytes, in.dram.write_bytes, in.memory.weight_bytes,
      m.weight_bound_ns, num(arch.dram.bandwidth_gbps));
  print_dram_lines(in, m, out);
  const Energy& energy = m.energy;
  out << fmt::format(
      "energy: {:.3f} uJ (compute {:.3f}, SRAM {:.3f}, DRAM {:.3f} + background {:.3f}, static "
      "{:.3f}); {:.1f} nJ per token\n",
      energy.total_pj() * 1e-6, energy.compute_pj * 1e-6, energy.sram_pj * 1e-6,
      energy.dram_pj * 1e-6, energy.dram_background_pj * 1e-6, energy.static_pj * 1e-6,
      m.tokens ? energy.total_pj() * 1e-3 / static_cast<double>(m.tokens) : 0.0);
  const AreaBreakdown& area = m.area;
  out << fmt::format(
      "area: {:.3f} mm2 at {:g} nm (GEMM {:.3f}, quantizer {:.4f}, scan {:.3f}, Hadamard {:.4f}, "
      "vector {:.4f}, SRAM {:.3f}); static {:.2f} mW; energy-delay {:.4g} J*s\n",
      area.total_mm2(), arch.area.tech_nm, area.gemm_mm2, area.quant_mm2, area.scan_mm2,
      area.hadamard_mm2, area.vector_mm2, area.sram_mm2, m.static_mw, m.edp_j_s);
  if (in.drampower_pj >= 0) {
    out << fmt::format(
        "DRAMPower (DRAMSys, DDR4 devices): {:.3f} uJ of DRAM energy, beside the table's {:.3f}\n",
        in.drampower_pj * 1e-6, (energy.dram_pj + energy.dram_background_pj) * 1e-6);
  }
  out << fmt::format("simulated in {:.3f} s wall ({:.3g} simulated cycles per wall second)",
                     in.wall_s, in.wall_s > 0 ? m.total_cycles / in.wall_s : 0.0);
  if (!in.memory.tile_trials.empty()) {
    out << fmt::format("; the tile search before it: {:.3f} s wall", in.tile_search_wall_s);
  }
  out << "\n";
}

// --pipeline w8a8: the model-output figures of ssmsim eval.
void print_eval_table(const W8A8Result& w, std::ostream& out) {
  TextTable et({"quantizer", "cross_entropy_nats", "bits_per_token", "perplexity", "delta_ce_nats",
                "top1_agreement_%"});
  const OutputFigures f = output_figures(w.fp32), q = output_figures(w.quantized, w.fp32);
  et.add({"fp32", fmt::format("{:.5f}", f.ce_nats), fmt::format("{:.5f}", f.bits_per_token),
          fmt::format("{:.4f}", f.perplexity), "0", "100"});
  et.add({w.quantizer + " (W8A8, computed by the units)", fmt::format("{:.5f}", q.ce_nats),
          fmt::format("{:.5f}", q.bits_per_token), fmt::format("{:.4f}", q.perplexity),
          fmt::format("{:+.5f}", q.delta_ce_nats), fmt::format("{:.2f}", q.top1_agreement_pct)});
  out << "\nat the model's output (" << w.fp32.predictions << " predictions; scales " << w.scales
      << "):\n"
      << et.str();
}

ojson run_json_totals(const RunResult& in, const RunMetrics& m) {
  ojson total;
  total["cycles"] = m.total_cycles;
  total["latency_ns"] = m.latency_ns;
  total["clock_mhz"] = in.arch.clock_mhz;
  total["clock_period_ns"] = m.period_ns;
  // Layers' and units' attributed cycles + idle_cycles = cycles.
  total["idle_cycles"] = m.attr.idle_cycles;
  total["tokens"] = m.tokens;
  total["tokens_per_s"] = m.tokens_per_s;
  total["latency_per_token_ns"] = m.latency_ns / static_cast<double>(m.tokens);
  total["dram_read_bytes"] = in.dram.read_bytes;
  total["dram_write_bytes"] = in.dram.write_bytes;
  total["sram_read_bytes"] = in.sram.read_bytes;
  total["sram_write_bytes"] = in.sram.write_bytes;
  total["weight_bytes"] = in.memory.weight_bytes;
  total["weight_dram_bound_ns"] = m.weight_bound_ns;
  // Every layer's SSM-input error together (sweeps plot it).
  if (m.ssm_in_error) total["ssm_in_sqnr_db"] = json_number_or_null(m.ssm_in_error->sqnr_db());
  total["energy_pj"] = m.energy.total_pj();
  total["energy_per_token_pj"] = m.energy.total_pj() / static_cast<double>(m.tokens);
  total["area_mm2"] = m.area.total_mm2();
  total["edp_j_s"] = m.edp_j_s;
  return total;
}

ojson run_json_phases(const RunResult& in, const RunMetrics& m) {
  const RunPlan& plan = in.plan;
  ojson phases;
  if (plan.prefill_tokens > 0) {
    phases["prefill"] = {
        {"tokens", plan.prefill_tokens},
        {"cycles", m.prefill_cycles},
        {"latency_ns", m.prefill_ns},
        {"tokens_per_s", m.prefill_ns > 0 ? static_cast<double>(plan.prefill_tokens * plan.batch) /
                                                (m.prefill_ns * 1e-9)
                                          : 0.0}};
    phases["prefill"].update(m.prefill_dram);
  }
  if (plan.decode_tokens > 0) {
    // A step produces one token of each of the batch's sequences: per step
    // is the latency a sequence sees, per token the time each token costs.
    const double per =
        static_cast<double>(m.decode_cycles) / static_cast<double>(plan.decode_tokens);
    const auto B = static_cast<double>(plan.batch);
    phases["decode"] = {{"tokens", plan.decode_tokens},
                        {"cycles", m.decode_cycles},
                        {"latency_ns", m.decode_cycles * m.period_ns},
                        {"cycles_per_step", per},
                        {"latency_per_step_ns", per * m.period_ns},
                        {"cycles_per_token", per / B},
                        {"latency_per_token_ns", per * m.period_ns / B},
                        {"tokens_per_s", per > 0 ? B / (per * m.period_ns * 1e-9) : 0.0}};
    phases["decode"].update(m.decode_dram);
  }
  return phases;
}

ojson run_json_energy(const RunResult& in, const RunMetrics& m) {
  ojson ej = energy_json(m.energy);
  for (int u = 0; u < kUnitCount; ++u) {
    ej["units"][kUnits[u]] = energy_json(in.ops.unit(static_cast<Unit>(u)).energy);
  }
  ojson table;
  for (int u = 0; u < kUnitCount; ++u) {
    table[std::string(kUnits[u]) + "_op_pj"] = op_energy_pj(static_cast<Unit>(u), in.arch);
  }
  table["sram_byte_pj"] = sram_byte_energy_pj(in.arch);
  table["dram_byte_pj"] = in.arch.energy.dram_byte_pj;
  table["static_mw"] = m.static_mw;
  table["dram_background_mw"] = m.dram_background_mw;
  ej["per_access_pj"] = table;
  return ej;
}

// A layer's quantization error along the data path (--pipeline trace).
ojson layer_quantization_json(const RunResult& in, const LayerData& L) {
  ojson q;
  ojson in_q = err_json(L.u_err, true);
  in_q["quantizer"] = quant::kind_name(in.arch.quantizer.mode);
  in_q["scale"] = L.u_scale;
  q["ssm_in"] = in_q;
  if (in.trace_data->have_weights()) {
    q["y"] = err_json(L.y_err, false);
    ojson had = err_json(L.had_err, false);
    had["quantizer"] = "int8 after Hadamard";
    had["scale"] = L.y_scale;
    q["out_proj_in"] = had;
  }
  return q;
}

ojson run_json_layers(const RunResult& in, const RunMetrics& m) {
  const RunAggregate& agg = in.ops;
  ojson layers = ojson::array();
  for (int64_t layer = 0; layer < agg.layers(); ++layer) {
    const Agg& la = agg.layer(layer);
    if (la.ops == 0) continue;
    ojson lj;
    lj["layer"] = layer < in.dims.n_layer ? ojson(layer) : ojson("head");
    if (m.hybrid) lj["kind"] = layer_kind_label(in, layer);
    lj["start_cycle"] = la.start;
    lj["end_cycle"] = la.end;
    lj["span_cycles"] = la.end - la.start;  // overlaps other layers' spans in prefill
    lj["attributed_cycles"] = m.attr.layer_cycles[static_cast<size_t>(layer)];
    lj["stall_cycles"] = la.stall;
    lj["dram_read_bytes"] = la.dram_r;
    lj["dram_write_bytes"] = la.dram_w;
    lj["energy"] = energy_json(la.energy);
    ojson uj;
    for (Unit u : kUnitsByName) {
      const Agg& a = agg.at(layer, u);
      if (a.ops > 0) uj[unit_name(u)] = agg_json(a, m.total_cycles);
    }
    lj["units"] = uj;
    if (in.trace_data && layer < in.dims.n_layer) {
      lj["quantization"] =
          layer_quantization_json(in, in.trace_data->layers()[static_cast<size_t>(layer)]);
    }
    layers.push_back(lj);
  }
  return layers;
}

ojson dram_json(const RunResult& in, const RunMetrics& m) {
  const DramStats& dram = in.dram;
  ojson by_kind;
  for (int w = 0; w < kDramWindows; ++w) {
    const auto i = static_cast<size_t>(w);
    by_kind[dram_window_name(static_cast<DramWindow>(w))] = {
        {"read_bytes", dram.window_read_bytes[i]}, {"write_bytes", dram.window_write_bytes[i]}};
  }
  return {{"read_bytes", dram.read_bytes},
          {"write_bytes", dram.write_bytes},
          {"accesses", dram.accesses},
          {"by_kind", by_kind},
          {"busy_pct",
           m.latency_ns > 0 ? 100.0 * dram.busy_time.to_seconds() * 1e9 / m.latency_ns : 0.0},
          {"model", in.arch.dram.model == DramModel::kDramsys ? "dramsys" : "analytic"},
          {"model_text", in.dram_text},
          {"peak_gbps", in.dram_peak_gbps},
          {"active_ns", dram.active.total().to_seconds() * 1e9},
          {"effective_gbps", dram_effective_gbps(dram)},
          {"efficiency_pct", 100.0 * dram_effective_gbps(dram) / in.dram_peak_gbps},
          // DRAMPower's device energy (DRAMSys with DDR4); the energy table's
          // DRAM terms stay bytes x energy.dram_byte_pj + background for every model.
          {"drampower_energy_pj", in.drampower_pj >= 0 ? ojson(in.drampower_pj) : ojson(nullptr)}};
}

ojson run_json_units(const RunResult& in, const RunMetrics& m) {
  ojson units;
  for (int u = 0; u < kUnitCount; ++u) {
    units[kUnits[u]] = agg_json(in.ops.unit(static_cast<Unit>(u)), m.total_cycles);
    units[kUnits[u]]["attributed_cycles"] = m.attr.unit_cycles[static_cast<size_t>(u)];
  }
  units["quant"]["region_counts"] = {
      {"small", in.quant_regions[static_cast<int>(quant::SeRegion::kSmall)]},
      {"normal", in.quant_regions[static_cast<int>(quant::SeRegion::kNormal)]},
      {"large", in.quant_regions[static_cast<int>(quant::SeRegion::kLarge)]},
      {"saturated", in.quant_regions[static_cast<int>(quant::SeRegion::kSaturated)]}};
  units["dram"] = dram_json(in, m);
  units["sram"] = {{"read_bytes", in.sram.read_bytes},
                   {"write_bytes", in.sram.write_bytes},
                   {"accesses", in.sram.accesses}};
  return units;
}

ojson memory_plan_json(const RunResult& in) {
  const MemoryPlan& mp = in.memory;
  ojson trials = ojson::array();
  for (const TileTrial& t : mp.tile_trials) {
    trials.push_back({{"tile_tokens", t.tile_tokens},
                      {"weights_in", t.weights_in_sram ? "sram" : "dram"},
                      {"bound_ns", t.bound_ns},
                      {"simulated_ns", t.simulated_ns >= 0 ? ojson(t.simulated_ns) : ojson()}});
  }
  return {{"tile_tokens", mp.tile_tokens},
          {"tile_chosen", mp.tile_chosen},
          {"weights_chosen", mp.weights_chosen},
          {"candidates", trials},
          {"weights_in", mp.weights_in_sram ? "sram" : "dram"},
          {"activations_in", mp.activations_in_sram ? "sram" : "dram"},
          {"decode_activations_in", mp.decode_activations_in_sram ? "sram"
                                    : mp.decode_sram_bytes > 0    ? "split"
                                                                  : "dram"},
          {"decode_footprint_bytes", mp.decode_footprint_bytes},
          {"decode_activation_sram_bytes", mp.decode_sram_bytes},
          {"activation_slots", mp.activation_slots},
          {"tile_footprint_bytes", mp.tile_footprint_bytes},
          {"state_in", mp.state_in_sram ? "sram" : "dram"},
          {"state_bytes", mp.state_bytes},
          {"weight_bytes", mp.weight_bytes},
          {"sram_used_bytes", mp.sram_used_bytes},
          {"lm_head_tokens", in.head_on_every_token ? "all" : "last"}};
}

// run.json before its gemm_ops.
ojson run_json_head(const RunResult& in, const RunMetrics& m) {
  const ArchConfig& arch = in.arch;
  ojson j;
  j["command"] = "run";
  ojson run;
  if (in.workload) {
    run["workload"] = in.workload->to_json();
  } else {
    run["trace"] = in.trace;
    run["model"] = in.model_dir;
  }
  run["prefill_tokens"] = in.plan.prefill_tokens;
  run["decode_tokens"] = in.plan.decode_tokens;
  run["batch"] = in.plan.batch;
  run["precision"] = precision_name(arch.precision);
  run["functional_quantizer"] = in.trace_data != nullptr;
  run["functional_scan"] = in.trace_data && in.trace_data->have_weights();
  j["run"] = run;
  j["total"] = run_json_totals(in, m);
  const AreaBreakdown& area = m.area;
  j["area"] = {{"tech_nm", arch.area.tech_nm},
               {"total_mm2", area.total_mm2()},
               {"units_mm2",
                {{"gemm", area.gemm_mm2},
                 {"quant", area.quant_mm2},
                 {"scan", area.scan_mm2},
                 {"had", area.hadamard_mm2},
                 {"vec", area.vector_mm2},
                 {"sram", area.sram_mm2}}}};
  j["phases"] = run_json_phases(in, m);
  j["energy"] = run_json_energy(in, m);
  j["layers"] = run_json_layers(in, m);
  j["units"] = run_json_units(in, m);
  ojson kernels = ojson::array();
  for (const KernelFigures& k : m.kernels) {
    const Agg& a = *k.agg;
    kernels.push_back({{"kernel", op_name(k.op)},
                       {"phase", k.decode ? "decode" : "prefill"},
                       {"unit", unit_name(in.ops.kernel_unit(k.op))},
                       {"ops", a.ops},
                       {"arith_ops", a.arith},
                       {"busy_cycles", a.busy},
                       {"stall_cycles", a.stall},
                       {"dram_read_bytes", a.dram_r},
                       {"dram_write_bytes", a.dram_w},
                       {"sram_read_bytes", a.sram_r},
                       {"sram_write_bytes", a.sram_w},
                       {"energy_pj", a.energy.total_pj()},
                       {"bound", k.bound}});
  }
  j["kernels"] = kernels;
  j["memory_plan"] = memory_plan_json(in);
  return j;
}

// --pipeline w8a8: the same fields as eval.json, for this run's quantizer.
ojson eval_json(const W8A8Result& w, int64_t n_layer) {
  ojson ev;
  ev["pipeline"] = "w8a8";
  ev["quantizer"] = w.quantizer;
  ev["scales"] = w.scales;
  ev["quantizers"] = {{"fp32", score_json(w.fp32, false)},
                      {w.quantizer, score_json(w.quantized, true)}};
  ojson ls = ojson::array();
  const auto& names = w.tensors;
  for (int64_t l = 0; l < n_layer; ++l) {
    for (size_t ti = 0; ti < names.size(); ++ti) {
      const quant::ErrorStats& e = w.layer_err[static_cast<size_t>(l) * names.size() + ti];
      ojson q;
      q[w.quantizer] = {{"sqnr_db", json_number_or_null(e.sqnr_db())},
                        {"mse", e.mse()},
                        {"max_abs_err", e.max_abs_error}};
      ls.push_back({{"layer", l}, {"tensor", names[ti]}, {"quantizers", q}});
    }
  }
  ev["layers"] = ls;
  return ev;
}

// run.json after its gemm_ops.
ojson run_json_tail(const RunResult& in) {
  ojson tail;
  if (in.w8a8) tail["eval"] = eval_json(*in.w8a8, in.dims.n_layer);
  tail["config"] = in.arch.to_json();
  // How the simulation ran, not what it simulated: wall time (the one
  // non-deterministic field) and the simulator's cost per operation.
  const uint64_t ops = in.ops.ops();
  tail["host"] = {
      {"wall_s", in.wall_s},
      {"tile_search_wall_s", in.tile_search_wall_s},
      {"process_switches", in.process_switches},
      {"switches_per_op",
       ops == 0 ? 0.0 : static_cast<double>(in.process_switches) / static_cast<double>(ops)}};
  return tail;
}

// run.json: the keys before gemm_ops, the GEMMs one by one, the rest.
void write_run_json(const RunResult& in, const RunMetrics& m, const std::string& path) {
  AtomicFile f(path);
  std::string head = json_text(run_json_head(in, m), 2);
  head.resize(head.size() - 2);  // "\n}"
  f.out() << head << ",\n  \"gemm_ops\": [";
  const auto& gemms = in.ops.gemm_ops();
  fmt::memory_buffer buf;  // records in blocks of about 64 KiB
  for (size_t i = 0; i < gemms.size(); ++i) {
    buf.append(std::string_view(i ? ",\n" : "\n"));
    write_gemm_op(buf, gemms[i], in.dims.n_layer, in.arch, m.period_ns);
    if (buf.size() >= 65536 || i + 1 == gemms.size()) {
      f.out().write(buf.data(), static_cast<std::streamsize>(buf.size()));
      buf.clear();
    }
  }
  f.out() << (gemms.empty() ? "]" : "\n  ]");
  const std::string rest = json_text(run_json_tail(in), 2);  // "{\n  ...\n}"
  f.out() << ",\n" << rest.substr(2) << "\n";
  f.commit();
}

std::string run_csv(const RunResult& in, const RunMetrics& m) {
  const RunAggregate& agg = in.ops;
  CsvWriter csv({"layer", "unit", "ops", "busy_cycles", "busy_pct", "stall_cycles",
                 "dram_read_bytes", "dram_write_bytes", "sram_read_bytes", "sram_write_bytes",
                 "arith_ops", "energy_pj", "layer_span_cycles", "layer_attributed_cycles",
                 "total_cycles", "latency_ns"});
  for (int64_t layer = 0; layer < agg.layers(); ++layer) {
    for (Unit u : kUnitsByName) {
      const Agg& a = agg.at(layer, u);
      if (a.ops == 0) continue;
      csv.add({layer_label(in, layer), unit_name(u), std::to_string(a.ops), std::to_string(a.busy),
               num(m.total_cycles ? 100.0 * static_cast<double>(a.busy) / m.total_cycles : 0.0),
               std::to_string(a.stall), std::to_string(a.dram_r), std::to_string(a.dram_w),
               std::to_string(a.sram_r), std::to_string(a.sram_w), std::to_string(a.arith),
               num(a.energy.total_pj()),
               std::to_string(agg.layer(layer).end - agg.layer(layer).start),
               std::to_string(m.attr.layer_cycles[static_cast<size_t>(layer)]),
               std::to_string(m.total_cycles), num(m.latency_ns)});
    }
  }
  return csv.str();
}

std::string kernels_csv(const RunResult& in, const RunMetrics& m) {
  CsvWriter kcsv(kKernelHead);
  for (const KernelFigures& k : m.kernels)
    kcsv.add(kernel_row(in.ops, k, [](double pj) { return num(pj); }));
  return kcsv.str();
}

}  // namespace

void write_run_report(const RunResult& in, const std::string& out_dir, std::ostream& out) {
  const RunMetrics m = run_metrics(in);
  print_run_header(in, m, out);
  print_layer_table(in, m, out);
  print_unit_table(in, m, out);
  print_kernel_tables(in, m, out);
  print_run_totals(in, m, out);
  if (in.w8a8) print_eval_table(*in.w8a8, out);
  write_run_json(in, m, out_dir + "/run.json");
  write_file_atomic(out_dir + "/run.csv", run_csv(in, m));
  write_file_atomic(out_dir + "/run.kernels.csv", kernels_csv(in, m));
  write_file_atomic(out_dir + "/run.config.json", json_text(in.arch.to_json(), 2) + "\n");
  if (in.workload) {
    write_file_atomic(out_dir + "/run.workload.json", json_text(in.workload->to_json(), 2) + "\n");
  }
  out << fmt::format(
      "\nwrote {0}/run.json, {0}/run.csv, {0}/run.kernels.csv, {0}/run.config.json{1}\n", out_dir,
      in.workload ? fmt::format(", {}/run.workload.json", out_dir) : "");
}

}  // namespace ssmsim
