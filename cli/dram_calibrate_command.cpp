// ssmsim dram-calibrate: the analytic DRAM model's latency and efficiencies,
// measured with DRAMSys on an architecture's dram.* keys (sim/
// dram_calibration.hpp); table on stdout, dram_calibration.json and .csv,
// and the effective configuration, in --out.
#include <fmt/format.h>

#include <boost/program_options.hpp>
#include <iostream>

#include "cli/commands.hpp"
#include "common/error.hpp"
#include "common/json_text.hpp"
#include "config/workload.hpp"
#include "sim/dram_calibration.hpp"
#include "sim/report.hpp"

namespace po = boost::program_options;

namespace ssmsim {

int dram_calibrate_command(const Args& args) {
  std::string arch_name = "default", out = "out/dram";
  std::vector<std::string> sets;
  bool force = false;
  po::options_description desc(
      "ssmsim dram-calibrate: drive the DRAMSys memory of an architecture (dram.standard,\n"
      "dram.channels, dram.bandwidth_gbps) with isolated reads, read and write streams, a\n"
      "read/write mix and random reads; report the latency and the share of the peak each\n"
      "gets, and the values of the analytic keys dram.latency_ns, dram.read_efficiency and\n"
      "dram.write_efficiency (docs/dram.md).\n\nOptions");
  desc.add_options()("help,h", "show this help")("arch",
                                                 po::value(&arch_name)->default_value(arch_name),
                                                 "architecture preset NAME or FILE.json")(
      "set", po::value(&sets)->multitoken(), "override an architecture key: key.path=value")(
      "out", po::value(&out)->default_value(out),
      "folder for dram_calibration.json, dram_calibration.csv, dram_calibration.config.json")(
      "force", po::bool_switch(&force), "overwrite existing results");
  po::variables_map vm;
  if (!parse_options(args, desc, vm,
                     "\nExample: ssmsim dram-calibrate --arch edge --out out/dram\n")) {
    return kExitOk;
  }
  ArchConfig arch;
  arch.load(arch_name);
  for (const auto& s : sets) apply_assignment(s, arch, nullptr);
  prepare_output_dir(
      out, {"dram_calibration.json", "dram_calibration.csv", "dram_calibration.config.json"},
      force);
  const DramCalibration c = calibrate_dram(arch.dram);

  std::cout << fmt::format("dram-calibrate: arch '{}': {}\n\n", arch_name, c.dram_text);
  TextTable t({"pattern", "transfers", "bytes", "in_flight", "time_ns", "mean_latency_ns",
               "effective_gbps", "efficiency_pct"});
  CsvWriter csv({"pattern", "what", "transfers", "bytes", "in_flight", "time_ns", "mean_latency_ns",
                 "effective_gbps", "efficiency_pct"});
  ojson pats = ojson::array();
  for (const auto& p : c.patterns) {
    const bool lat = p.name == "latency";
    t.add({p.name, std::to_string(p.transfers), std::to_string(p.bytes),
           std::to_string(p.outstanding), fmt::format("{:.1f}", p.time_ns),
           fmt::format("{:.1f}", p.mean_latency_ns),
           lat ? "-" : fmt::format("{:.2f}", p.effective_gbps),
           lat ? "-" : fmt::format("{:.1f}", 100 * p.efficiency)});
    csv.add({p.name, p.what, std::to_string(p.transfers), std::to_string(p.bytes),
             std::to_string(p.outstanding), num(p.time_ns), num(p.mean_latency_ns),
             lat ? "" : num(p.effective_gbps), lat ? "" : num(100 * p.efficiency)});
    ojson o = {{"pattern", p.name},
               {"what", p.what},
               {"transfers", p.transfers},
               {"bytes", p.bytes},
               {"in_flight", p.outstanding},
               {"time_ns", p.time_ns},
               {"mean_latency_ns", p.mean_latency_ns}};
    if (!lat) {
      o["effective_gbps"] = p.effective_gbps;
      o["efficiency_pct"] = 100 * p.efficiency;
    }
    pats.push_back(o);
  }
  std::cout << t.str();
  const std::string keys = fmt::format(
      "--set dram.latency_ns={:.1f} --set dram.read_efficiency={:.3f} "
      "--set dram.write_efficiency={:.3f}",
      c.latency_ns, c.read_efficiency, c.write_efficiency);
  std::cout << fmt::format(
      "\nidle read latency {:.1f} ns beyond one 64-byte transfer; streams: reads {:.1f}%, writes "
      "{:.1f}% of the {:.2f} GB/s peak\nanalytic model calibrated: {}\n(DRAMSys simulated in "
      "{:.1f} s wall)\n",
      c.latency_ns, 100 * c.read_efficiency, 100 * c.write_efficiency, c.peak_gbps, keys, c.wall_s);
  ojson j;
  j["command"] = "dram-calibrate";
  j["arch"] = arch_name;
  j["dram"] = c.dram_text;
  j["peak_gbps"] = c.peak_gbps;
  j["latency_ns"] = c.latency_ns;
  j["read_efficiency"] = c.read_efficiency;
  j["write_efficiency"] = c.write_efficiency;
  j["analytic_keys"] = {
      {"dram.latency_ns", std::stod(fmt::format("{:.1f}", c.latency_ns))},
      {"dram.read_efficiency", std::stod(fmt::format("{:.3f}", c.read_efficiency))},
      {"dram.write_efficiency", std::stod(fmt::format("{:.3f}", c.write_efficiency))}};
  j["patterns"] = pats;
  j["wall_s"] = c.wall_s;
  write_file_atomic(out + "/dram_calibration.json", json_text(j, 2) + "\n");
  write_file_atomic(out + "/dram_calibration.csv", csv.str());
  write_file_atomic(out + "/dram_calibration.config.json", json_text(arch.to_json(), 2) + "\n");
  std::cout << fmt::format(
      "\nwrote {0}/dram_calibration.json, {0}/dram_calibration.csv, "
      "{0}/dram_calibration.config.json\n",
      out);
  return kExitOk;
}

}  // namespace ssmsim
