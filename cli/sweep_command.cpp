// ssmsim sweep: the options, the manifest, --emit-jobs; the jobs run through
// sim/sweep.hpp (-j N processes) and are merged into one CSV row each.
#include <fmt/format.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <thread>

#include "cli/commands.hpp"
#include "common/error.hpp"
#include "common/json_file.hpp"
#include "common/json_text.hpp"
#include "sim/report.hpp"
#include "sim/sweep.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace ssmsim {

int sweep_command(const Args& args) {
  std::string workload, trace, model, arch, mode, out = "out/sweep", emit;
  std::vector<std::string> sets, varies;
  int64_t tokens = 0, jobs_n = 1;
  bool force = false;
  po::options_description desc(
      "ssmsim sweep: run the cross product of --vary values, one process per configuration,\n"
      "-j at a time; resumable (done configurations are skipped when the same command runs\n"
      "again); a failing configuration is recorded in its row and the sweep goes on.\n\n"
      "Options");
  desc.add_options()("help,h", "show this help")("workload", po::value(&workload),
                                                 "workload preset or file (timing only)")(
      "trace", po::value(&trace), "or a trace (real data)")(
      "model", po::value(&model), "checkpoint folder for --trace")("arch", po::value(&arch),
                                                                   "architecture preset or file")(
      "set", po::value(&sets)->composing(), "fixed override key=value (repeatable)")(
      "mode", po::value(&mode), "with --trace: prefill | decode")(
      "tokens", po::value(&tokens)->default_value(0), "with --trace: tokens to run")(
      "vary", po::value(&varies)->composing()->required(),
      "KEY=V1,V2,... (KEY: an architecture key or workload.KEY; KEY1+KEY2=... ties keys to "
      "one value); repeatable: the cross product runs")(
      "jobs,j", po::value(&jobs_n)->default_value(1), "configurations run at the same time")(
      "out", po::value(&out)->default_value(out), "sweep folder")(
      "emit-jobs", po::value(&emit),
      "write one `ssmsim job DIR ID` command per line to this file and run nothing "
      "(GNU parallel, Slurm arrays); then `ssmsim merge DIR`")(
      "force", po::bool_switch(&force), "replace a different sweep in --out, or --emit-jobs FILE");
  po::variables_map vm;
  if (!parse_options(
          args, desc, vm,
          "\nWrites: OUT/sweep.json (manifest), OUT/jobs/NNNNN/ (one run each), OUT/sweep.csv "
          "and\nOUT/sweep.results.json (one row per configuration).\nExample: ssmsim sweep "
          "--workload mamba-130m --vary gemm.rows+gemm.cols=32,64,128 \\\n           --vary "
          "dram.bandwidth_gbps=34,68,136 -j 4 --out out/sweep\n")) {
    return kExitOk;
  }
  if (workload.empty() == trace.empty())
    throw Error("give either --workload NAME|FILE or --trace FILE");
  if (jobs_n < 1 || jobs_n > 1024) throw Error(fmt::format("-j {}: expected 1..1024", jobs_n));

  Manifest m;
  auto add = [&](const char* opt, const std::string& v, bool file) {
    if (!v.empty()) m.base.insert(m.base.end(), {opt, file ? absolute_if_file(v) : v});
  };
  add("--workload", workload, true);
  add("--trace", trace, true);
  add("--model", model, true);
  add("--arch", arch, true);
  add("--mode", mode, false);
  if (tokens != 0) add("--tokens", std::to_string(tokens), false);
  for (const auto& s : sets) add("--set", s, false);
  for (const auto& v : varies) m.vary.push_back(parse_vary(v));
  check_distinct_keys(m.vary);
  check_fixed_not_varied(sets, m.vary);
  m.jobs = cross(m.vary);
  if (m.jobs.size() > 1000000) throw Error("--vary: more than a million configurations");
  // Every varied key=value must be valid on its own (typos fail here, not
  // in every row); combinations that fail only together fail in their row.
  for (const auto& v : m.vary) {
    for (const auto& k : v.keys) {
      for (const auto& x : v.values) validate_assignment(k + "=" + x);
    }
  }

  const std::string manifest_path = out + "/sweep.json";
  const ojson mj = m.to_json();
  if (fs::exists(manifest_path)) {
    const nlohmann::json old = read_json_file(manifest_path);
    if (nlohmann::json::parse(json_text(mj, 0)) != old) {
      if (!force) {
        throw Error(manifest_path +
                    ": a different sweep lives here; pass --force to replace it, or another --out");
      }
      fs::remove_all(out + "/jobs");
      fs::remove(out + "/sweep.csv");
      fs::remove(out + "/sweep.results.json");
    }
  }
  fs::create_directories(out);
  write_file_atomic(manifest_path, json_text(mj, 2) + "\n");

  const std::string exe = self_exe();
  const std::string adir = fs::absolute(out).lexically_normal().string();
  if (!emit.empty()) {
    if (fs::exists(emit) && !force) throw Error(emit + ": exists; pass --force to overwrite");
    std::string lines;
    for (size_t i = 0; i < m.jobs.size(); ++i) lines += fmt::format("{} job {} {}\n", exe, adir, i);
    write_file_atomic(emit, lines);
    // The hint runs as many jobs as this machine has cores, and names this
    // binary (not an ssmsim on the PATH, which there may not be).
    std::cout << fmt::format(
        "wrote {} ({} jobs) and {}\nrun them, e.g.:  parallel -j {} < {}\n"
        "   (across hosts: parallel --sshlogin h1,h2 < {}; Slurm: sbatch --array=1-{} with\n"
        "    sed -n \"${{SLURM_ARRAY_TASK_ID}}p\" {} | sh)\nthen:  {} merge {}\n",
        emit, m.jobs.size(), manifest_path, std::max(1u, std::thread::hardware_concurrency()), emit,
        emit, m.jobs.size(), emit, exe, out);
    return kExitOk;
  }

  std::vector<int64_t> todo;
  for (size_t i = 0; i < m.jobs.size(); ++i) {
    if (job_status(job_dir(out, static_cast<int64_t>(i))) != JobStatus::kDone)
      todo.push_back(static_cast<int64_t>(i));
  }
  std::cout << fmt::format("sweep: {} configuration(s), {} done already, running {} with -j {}\n",
                           m.jobs.size(), m.jobs.size() - todo.size(), todo.size(), jobs_n);
  std::cout.flush();

  const auto t0 = std::chrono::steady_clock::now();
  const bool interrupted = run_jobs(out, todo, jobs_n);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (interrupted) {
    int64_t done = 0;
    for (size_t i = 0; i < m.jobs.size(); ++i)
      done += job_status(job_dir(out, static_cast<int64_t>(i))) == JobStatus::kDone;
    std::cout << fmt::format(
        "interrupted: {} of {} configuration(s) done; run the same command again to resume\n", done,
        m.jobs.size());
    return 130;
  }
  const auto t1 = std::chrono::steady_clock::now();
  const int64_t not_done = merge_dir(out, out + "/sweep.csv", true);
  const double merge_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  std::cout << fmt::format("sweep wall time {:.2f} s with -j {} (jobs {:.2f} s, merge {:.2f} s)\n",
                           wall + merge_s, jobs_n, wall, merge_s);
  return not_done == 0 ? kExitOk : kExitInputError;
}

}  // namespace ssmsim
