#include "sim/vcd_view.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <sstream>

#include "common/ops.hpp"
#include "hw/command.hpp"
#include "hw/unit_stats.hpp"
#include "sim/report.hpp"

namespace ssmsim {

namespace fs = std::filesystem;

namespace {

std::string base_of(const std::string& vcd) {
  if (vcd.size() > 4 && vcd.compare(vcd.size() - 4, 4, ".vcd") == 0) {
    return vcd.substr(0, vcd.size() - 4);
  }
  return vcd;
}

}  // namespace

double vcd_view_span_ns(double start_ns, double end_ns, const std::vector<GemmOpRecord>& gemm_ops,
                        double period_ns) {
  const double span = std::max(1.0, end_ns - start_ns);
  std::vector<double> durations;
  size_t name_chars = 0;
  for (const GemmOpRecord& g : gemm_ops) {
    const double a = static_cast<double>(g.start_cycle) * period_ns;
    const double b = static_cast<double>(g.end_cycle) * period_ns;
    if (b <= start_ns || a >= end_ns || b <= a) continue;
    durations.push_back(b - a);
    name_chars = std::max(name_chars, std::string(op_name(g.op)).size());
  }
  if (durations.empty()) return span;
  std::nth_element(durations.begin(), durations.begin() + durations.size() / 2, durations.end());
  const double median = durations[durations.size() / 2];
  // Its name and a margin of two characters across the median operation.
  const double readable = median / (kVcdCharPx * static_cast<double>(name_chars + 2));
  return std::min(span, readable * kVcdWavePanePx);
}

std::vector<std::string> vcd_view_files(const std::string& vcd) {
  const std::string b = base_of(vcd);
  return {b + ".gtkw", b + ".ops.txt", b + ".stall.txt"};
}

void write_vcd_view(const std::string& vcd, double start_ns, double end_ns,
                    const std::string& quantizer, const std::vector<GemmOpRecord>& gemm_ops,
                    double period_ns) {
  const std::vector<std::string> files = vcd_view_files(vcd);
  // The filter: GTKWave replaces a value shown in decimal by its name; an
  // idle unit's -1 shows as 4294967295 unsigned.
  std::ostringstream ops;
  ops << "# ssmsim operation codes (common/ops.hpp), for *.op in decimal\n";
  ops << "-1 idle\n4294967295 idle\n";
  for (int o = 0; o < kOpCount; ++o) ops << o << " " << op_name(static_cast<Op>(o)) << "\n";
  write_file_atomic(files[1], ops.str());
  std::ostringstream stalls;
  stalls << "# ssmsim stall reasons (hw/unit_stats.hpp), for *.stall_reason in decimal\n";
  for (int r = 0; r < kStallReasonCount; ++r)
    stalls << r << " " << stall_reason_name(static_cast<StallReason>(r)) << "\n";
  write_file_atomic(files[2], stalls.str());

  // Flags (gtkwave's TR_* bits): 0x28 binary, 0x424 signed decimal, 0x2024
  // decimal through a translate filter, 0x200 a comment line (group title),
  // 0x8024 an analog step plot, 0x40000 a real.
  std::ostringstream g;
  g << "[*] GTKWave save file written by ssmsim run --vcd\n";
  // GTKWave resolves the paths from its working directory: absolute. With
  // [savefile], where this file was written, it finds the VCD and the
  // filters relative to where this file is now: a moved or copied-off
  // results folder still opens (issue 39).
  g << "[dumpfile] \"" << fs::absolute(vcd).lexically_normal().string() << "\"\n";
  g << "[savefile] \"" << fs::absolute(files[0]).lexically_normal().string() << "\"\n";
  // Zoom so that the span fills the wave pane (kVcdWavePanePx at this
  // size): GTKWave's zoom z shows 2^(-z - 7.6) ns per pixel, measured. The
  // signal pane is wide enough for the longest name and its value.
  const double span = vcd_view_span_ns(start_ns, end_ns, gemm_ops, period_ns);
  g << fmt::format("[timestart] {:.0f}\n[size] 1600 800\n", start_ns);
  g << fmt::format("*{:.6f} {:.0f}", -(std::log2(span / kVcdWavePanePx) + 7.6), start_ns);
  for (int i = 0; i < 19; ++i) g << " -1";
  g << "\n[treeopen] SystemC.\n[signals_width] 420\n";
  // A translated trace names its filter on the line before it (^N file).
  const std::string op_filter = "^1 " + fs::absolute(files[1]).lexically_normal().string() + "\n";
  const std::string stall_filter =
      "^2 " + fs::absolute(files[2]).lexically_normal().string() + "\n";
  const std::string quant_title = "SSM-input quantizer (" + quantizer + ")";
  const std::string titles[kUnitCount] = {"gemm (systolic array)", quant_title,
                                          "scan (selective scan / SSD recurrence)", "hadamard",
                                          "vector unit"};
  for (int u = 0; u < kUnitCount; ++u) {
    const std::string n = std::string("SystemC.") + unit_name(static_cast<Unit>(u));
    g << "@200\n-" << titles[u] << "\n";
    g << "@28\n" << n << ".busy\n" << n << ".decode\n";
    g << "@2024\n" << op_filter << n << ".op[31:0]\n";
    g << stall_filter << n << ".stall_reason[31:0]\n";
    g << "@424\n" << n << ".layer[31:0]\n" << n << ".tile[31:0]\n" << n << ".queued_ops[31:0]\n";
    if (static_cast<Unit>(u) == Unit::kQuant) {
      // Every region: int8's cost is in normal and saturated (clipped).
      g << n << ".normal_count[63:0]\n"
        << n << ".saturated_count[63:0]\n"
        << n << ".small_count[63:0]\n"
        << n << ".large_count[63:0]\n";
    }
    if (static_cast<Unit>(u) == Unit::kScan) g << n << ".token_index[31:0]\n";
  }
  // Memories as levels (analog step, 0x8024; real signals 0x48020; three
  // rows high: 0x20000 rows).
  const auto level = [&](const std::string& sig, bool real) {
    g << (real ? "@48020\n" : "@8024\n") << sig << "\n@20000\n-\n-\n";
  };
  g << "@200\n-dram\n";
  level("SystemC.dram.transactions_in_flight[31:0]", false);
  level("SystemC.dram.read_gbps", true);
  level("SystemC.dram.write_gbps", true);
  level("SystemC.dram.bytes_done[63:0]", false);
  g << "@200\n-sram\n";
  level("SystemC.sram.read_gbps", true);
  level("SystemC.sram.write_gbps", true);
  level("SystemC.sram.bytes_moved[63:0]", false);
  write_file_atomic(files[0], g.str());
}

}  // namespace ssmsim
