// ssmsim sweep / job / merge: the cross product of --vary values, one
// `ssmsim job DIR ID` process per configuration (SystemC elaborates once per
// process), run here with -j N or handed to GNU parallel / a Slurm array via
// --emit-jobs; merge collects every job's run.json into one CSV row each.
//
// DIR/sweep.json   the manifest: base run arguments, varied keys, jobs
// DIR/jobs/NNNNN/  one job: run.json ... (done), error.json (failed), log.txt
// DIR/sweep.csv, DIR/sweep.results.json   merged results
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <systemc>

#include "config/arch_config.hpp"
#include "common/error.hpp"
#include "common/json_file.hpp"
#include "common/json_text.hpp"
#include "config/workload.hpp"
#include "cli/commands.hpp"
#include "sim/report.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace ssmsim {

namespace {

volatile std::sig_atomic_t g_interrupted = 0;
void on_interrupt(int) { g_interrupted = 1; }

std::string job_dir(const std::string& dir, int64_t id) {
  return fmt::format("{}/jobs/{:05d}", dir, id);
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t p = s.find(sep); p != std::string::npos; p = s.find(sep, start)) {
    out.push_back(s.substr(start, p - start));
    start = p + 1;
  }
  out.push_back(s.substr(start));
  return out;
}

// --vary KEY[+KEY...]=V1,V2,...: keys joined by '+' take the same value.
struct Vary {
  std::vector<std::string> keys;
  std::vector<std::string> values;
};

Vary parse_vary(const std::string& arg) {
  const size_t eq = arg.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == arg.size()) {
    throw Error("--vary " + arg + ": expected key.path=v1,v2,... (or key1+key2=v1,v2,...)");
  }
  Vary v;
  v.keys = split(arg.substr(0, eq), '+');
  v.values = split(arg.substr(eq + 1), ',');
  for (const auto& k : v.keys) {
    if (k.empty()) throw Error("--vary " + arg + ": empty key");
  }
  for (const auto& x : v.values) {
    if (x.empty()) throw Error("--vary " + arg + ": empty value in the list");
  }
  return v;
}

bool looks_like_file(const std::string& arg) {
  return arg.find('/') != std::string::npos ||
         (arg.size() > 5 && arg.compare(arg.size() - 5, 5, ".json") == 0) ||
         (arg.size() > 12 && arg.compare(arg.size() - 12, 12, ".safetensors") == 0);
}

// Files in the base arguments become absolute: jobs may run in another
// directory or on another host (a shared file system is assumed).
std::string absolute_if_file(const std::string& arg) {
  return looks_like_file(arg) ? fs::absolute(arg).lexically_normal().string() : arg;
}

struct Manifest {
  Args base;  // ssmsim run arguments shared by every job
  std::vector<Vary> vary;
  std::vector<std::vector<std::string>> jobs;  // key=value assignments per job

  ojson to_json() const {
    ojson j;
    j["version"] = 1;
    j["command"] = "sweep";
    j["base"] = base;
    ojson v = ojson::array();
    for (const auto& x : vary) v.push_back({{"keys", x.keys}, {"values", x.values}});
    j["vary"] = v;
    ojson jobs_j = ojson::array();
    for (size_t i = 0; i < jobs.size(); ++i) jobs_j.push_back({{"id", i}, {"set", jobs[i]}});
    j["jobs"] = jobs_j;
    return j;
  }

  static Manifest load(const std::string& dir) {
    const std::string path = dir + "/sweep.json";
    if (!fs::exists(path)) throw Error(path + ": no sweep manifest here (ssmsim sweep writes it)");
    const nlohmann::json j = read_json_file(path);
    Manifest m;
    try {
      if (j.at("version") != 1 || j.at("command") != "sweep")
        throw Error(path + ": expected \"version\": 1 and \"command\": \"sweep\"");
      m.base = j.at("base").get<Args>();
      for (const auto& v : j.at("vary"))
        m.vary.push_back({v.at("keys").get<std::vector<std::string>>(),
                          v.at("values").get<std::vector<std::string>>()});
      for (const auto& job : j.at("jobs")) m.jobs.push_back(job.at("set").get<Args>());
    } catch (const nlohmann::json::exception& e) {
      throw Error(path + ": not a sweep manifest: " + e.what());
    }
    return m;
  }

  // The value of every varied key group in job i (keys joined by '+').
  std::vector<std::string> values_of(size_t i) const {
    std::vector<std::string> out;
    for (size_t k = 0; k < vary.size(); ++k) {
      const std::string& a = jobs[i][offset(k)];
      out.push_back(a.substr(a.find('=') + 1));
    }
    return out;
  }
  size_t offset(size_t group) const {
    size_t o = 0;
    for (size_t k = 0; k < group; ++k) o += vary[k].keys.size();
    return o;
  }
};

// The cross product, first --vary outermost.
std::vector<std::vector<std::string>> cross(const std::vector<Vary>& vary) {
  std::vector<std::vector<std::string>> jobs = {{}};
  for (const Vary& v : vary) {
    std::vector<std::vector<std::string>> next;
    for (const auto& prefix : jobs) {
      for (const auto& value : v.values) {
        auto j = prefix;
        for (const auto& k : v.keys) j.push_back(k + "=" + value);
        next.push_back(j);
      }
    }
    jobs = next;
  }
  return jobs;
}

// One varied key=value on its own: an architecture key, or workload.KEY.
void validate_assignment(const std::string& a) {
  ArchConfig c;
  Workload w;
  w.decode_tokens = 1;  // so that prefill_tokens=0 alone is valid
  apply_assignment(a, c, &w);
}

enum class JobStatus { kDone, kFailed, kIncomplete, kPending };

JobStatus job_status(const std::string& jd) {
  if (fs::exists(jd + "/done")) return JobStatus::kDone;
  if (fs::exists(jd + "/error.json")) return JobStatus::kFailed;
  if (fs::exists(jd + "/log.txt")) return JobStatus::kIncomplete;
  return JobStatus::kPending;
}

const char* status_name(JobStatus s) {
  switch (s) {
    case JobStatus::kDone:
      return "ok";
    case JobStatus::kFailed:
      return "failed";
    case JobStatus::kIncomplete:
      return "incomplete";
    case JobStatus::kPending:
      break;
  }
  return "pending";
}

std::string self_exe() {
  std::error_code ec;
  const fs::path p = fs::read_symlink("/proc/self/exe", ec);
  if (ec) throw Error("cannot find the ssmsim executable (/proc/self/exe): " + ec.message());
  return p.string();
}

// One row of the merged results: what was varied, status, headline figures.
struct MergedRow {
  std::vector<std::string> cells;
  ojson json;
};

std::string cell(const ojson& v) {
  if (v.is_null()) return "";
  if (v.is_number_float()) return num(v.get<double>());
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

const std::vector<std::pair<const char*, std::vector<const char*>>>& result_columns() {
  static const std::vector<std::pair<const char*, std::vector<const char*>>> cols = {
      {"prefill_tokens", {"run", "prefill_tokens"}},
      {"decode_tokens", {"run", "decode_tokens"}},
      {"batch", {"run", "batch"}},
      {"total_cycles", {"total", "cycles"}},
      {"latency_ns", {"total", "latency_ns"}},
      {"prefill_latency_ns", {"phases", "prefill", "latency_ns"}},
      {"decode_latency_per_token_ns", {"phases", "decode", "latency_per_token_ns"}},
      {"tokens_per_s", {"total", "tokens_per_s"}},
      {"energy_pj", {"total", "energy_pj"}},
      {"energy_per_token_pj", {"total", "energy_per_token_pj"}},
      {"dram_read_bytes", {"total", "dram_read_bytes"}},
      {"dram_write_bytes", {"total", "dram_write_bytes"}},
      {"weight_bytes", {"total", "weight_bytes"}},
      {"ssm_in_sqnr_db", {"total", "ssm_in_sqnr_db"}},
  };
  return cols;
}

// Collects every job of DIR into DIR/sweep.csv and DIR/sweep.results.json
// (or CSV_OUT and its .json sibling); returns the number of jobs not done.
int64_t merge_dir(const std::string& dir, const std::string& csv_out, bool print_table) {
  const Manifest m = Manifest::load(dir);
  std::vector<std::string> head = {"job"};
  for (const auto& v : m.vary) {
    std::string k;
    for (const auto& x : v.keys) k += (k.empty() ? "" : "+") + x;
    head.push_back(k);
  }
  head.insert(head.end(), {"status", "error"});
  for (const auto& [name, path] : result_columns()) head.push_back(name);
  CsvWriter csv(head);
  TextTable table({"job", "varied", "status", "latency_ns", "decode_ns_per_token", "energy_pj"});
  ojson rows = ojson::array();
  int64_t not_done = 0, failed = 0;
  for (size_t i = 0; i < m.jobs.size(); ++i) {
    const std::string jd = job_dir(dir, static_cast<int64_t>(i));
    const JobStatus st = job_status(jd);
    std::vector<std::string> row = {std::to_string(i)};
    ojson rj;
    rj["job"] = i;
    const auto values = m.values_of(i);
    ojson varied;
    for (size_t k = 0; k < values.size(); ++k) {
      row.push_back(values[k]);
      varied[head[k + 1]] = values[k];
    }
    rj["varied"] = varied;
    rj["status"] = status_name(st);
    std::string err;
    nlohmann::json run;
    if (st == JobStatus::kDone) {
      run = read_json_file(jd + "/run.json");
    } else {
      ++not_done;
      if (st == JobStatus::kFailed) {
        ++failed;
        const nlohmann::json e = read_json_file(jd + "/error.json");
        err = e.value("error", std::string("failed"));
      } else if (st == JobStatus::kIncomplete) {
        err = "started but did not finish (interrupted or killed); rerun to resume";
      }
    }
    rj["error"] = err;
    row.push_back(status_name(st));
    row.push_back(err);
    ojson results;
    for (const auto& [name, path] : result_columns()) {
      ojson v = nullptr;
      if (st == JobStatus::kDone) {
        const nlohmann::json* n = &run;
        for (const char* k : path) {
          if (!n->is_object() || !n->contains(k)) {
            n = nullptr;
            break;
          }
          n = &(*n)[k];
        }
        if (n) v = *n;
      }
      results[name] = v;
      row.push_back(cell(v));
    }
    rj["results"] = results;
    csv.add(row);
    std::string vtext;
    for (size_t k = 0; k < values.size(); ++k)
      vtext += (k ? " " : "") + head[k + 1] + "=" + values[k];
    table.add({std::to_string(i), vtext, status_name(st), cell(results["latency_ns"]),
               cell(results["decode_latency_per_token_ns"]), cell(results["energy_pj"])});
    rows.push_back(rj);
  }
  ojson j;
  j["command"] = "merge";
  j["sweep"] = fs::absolute(dir).lexically_normal().string();
  j["jobs"] = m.jobs.size();
  j["done"] = static_cast<int64_t>(m.jobs.size()) - not_done;
  j["failed"] = failed;
  j["rows"] = rows;
  std::string json_out = csv_out;
  if (json_out.size() > 4 && json_out.compare(json_out.size() - 4, 4, ".csv") == 0)
    json_out.resize(json_out.size() - 4);
  json_out += ".results.json";
  if (csv_out == dir + "/sweep.csv") json_out = dir + "/sweep.results.json";
  write_file_atomic(csv_out, csv.str());
  write_file_atomic(json_out, json_text(j, 2) + "\n");
  if (print_table) std::cout << table.str() << "\n";
  std::cout << fmt::format("{} of {} configuration(s) done, {} failed; wrote {}, {}\n",
                           m.jobs.size() - static_cast<size_t>(not_done), m.jobs.size(), failed,
                           csv_out, json_out);
  return not_done;
}

// Runs one job in this process: run's output into the job folder, its
// stdout/stderr into log.txt, a failure into error.json, `done` last.
int run_job(const std::string& dir, int64_t id) {
  const Manifest m = Manifest::load(dir);
  if (id < 0 || id >= static_cast<int64_t>(m.jobs.size())) {
    throw Error(fmt::format("job {}: out of range, the sweep in {} has jobs 0..{}", id, dir,
                            m.jobs.size() - 1));
  }
  const std::string jd = job_dir(dir, id);
  if (job_status(jd) == JobStatus::kDone) {
    std::cout << fmt::format("job {}: done already, skipped\n", id);
    return kExitOk;
  }
  fs::create_directories(jd);
  fs::remove(jd + "/error.json");
  Args args = m.base;
  for (const auto& a : m.jobs[static_cast<size_t>(id)]) args.insert(args.end(), {"--set", a});
  args.insert(args.end(), {"--out", jd, "--force"});

  // The run's tables go to log.txt; this process reports one line.
  std::cout.flush();
  const int saved_out = ::dup(1), saved_err = ::dup(2);
  const int log = ::open((jd + "/log.txt").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (log < 0 || saved_out < 0 || saved_err < 0) throw Error(jd + "/log.txt: cannot open");
  ::dup2(log, 1);
  ::dup2(log, 2);
  ::close(log);
  int rc = kExitOk;
  std::string err;
  try {
    rc = run_command(args);
  } catch (const po::error& e) {
    rc = kExitUsage, err = e.what();
  } catch (const Error& e) {
    rc = kExitInputError, err = e.what();
  } catch (const sc_core::sc_report& e) {
    rc = kExitInternal, err = std::string("SystemC: ") + e.what();
  } catch (const std::exception& e) {
    rc = kExitInternal, err = std::string("internal error: ") + e.what();
  }
  if (!err.empty()) std::cerr << "ssmsim job: error: " << err << "\n";
  std::cout.flush();
  std::cerr.flush();
  ::dup2(saved_out, 1);
  ::dup2(saved_err, 2);
  ::close(saved_out);
  ::close(saved_err);
  if (rc == kExitOk) {
    write_file_atomic(jd + "/done", "");
    std::cout << fmt::format("job {}: ok\n", id);
  } else {
    ojson e;
    e["job"] = id;
    e["exit_code"] = rc;
    e["error"] = err;
    write_file_atomic(jd + "/error.json", json_text(e, 2) + "\n");
    std::cout << fmt::format("job {}: failed (exit {}): {}\n", id, rc, err);
  }
  return rc;
}

}  // namespace

int job_command(const Args& args) {
  std::string dir;
  int64_t id = -1;
  po::options_description desc(
      "ssmsim job: run configuration ID of the sweep in DIR (what --emit-jobs lines call).\n"
      "Skips a job that is done; writes DIR/jobs/NNNNN/{run.json,...,log.txt} and done,\n"
      "or error.json.\n\nOptions");
  desc.add_options()("help,h", "show this help")("dir", po::value(&dir)->required(),
                                                 "sweep folder")("id", po::value(&id)->required(),
                                                                 "job number");
  po::positional_options_description pos;
  pos.add("dir", 1).add("id", 1);
  po::variables_map vm;
  if (!parse_options(args, desc, vm, "\nusage: ssmsim job DIR ID\n", &pos)) return kExitOk;
  return run_job(dir, id);
}

int merge_command(const Args& args) {
  std::string dir, out;
  bool force = false;
  po::options_description desc(
      "ssmsim merge: collect the jobs of a sweep folder into one CSV row per configuration\n"
      "(varied keys, status, error, results) and a JSON twin.\n\nOptions");
  desc.add_options()("help,h", "show this help")("dir", po::value(&dir)->required(),
                                                 "sweep folder")(
      "out", po::value(&out), "CSV to write (default DIR/sweep.csv; JSON beside it)")(
      "force", po::bool_switch(&force), "overwrite an existing --out file");
  po::positional_options_description pos;
  pos.add("dir", 1);
  po::variables_map vm;
  if (!parse_options(args, desc, vm, "\nusage: ssmsim merge DIR [--out FILE.csv]\n", &pos)) {
    return kExitOk;
  }
  if (out.empty()) {
    out = dir + "/sweep.csv";  // derived from the jobs: always regenerated
  } else if (fs::exists(out) && !force) {
    throw Error(out + ": exists; pass --force to overwrite");
  }
  return merge_dir(dir, out, true) == 0 ? kExitOk : kExitInputError;
}

int sweep_command(const Args& args) {
  std::string workload, trace, model, arch, mode, out = "sweep", emit;
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
    std::cout << fmt::format(
        "wrote {} ({} jobs) and {}\nrun them, e.g.:  parallel -j 8 < {}\n"
        "   (across hosts: parallel --sshlogin h1,h2 < {}; Slurm: sbatch --array=1-{} with\n"
        "    sed -n \"${{SLURM_ARRAY_TASK_ID}}p\" {} | sh)\nthen:  ssmsim merge {}\n",
        emit, m.jobs.size(), manifest_path, emit, emit, m.jobs.size(), emit, out);
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

  // SIGINT/SIGTERM: stop starting jobs, pass the signal on, wait, report.
  struct sigaction sa = {}, old_int = {}, old_term = {};
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: waitpid returns EINTR
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  std::map<pid_t, int64_t> running;
  size_t next = 0;
  bool forwarded = false;
  const auto t0 = std::chrono::steady_clock::now();
  while ((next < todo.size() && !g_interrupted) || !running.empty()) {
    while (!g_interrupted && next < todo.size() && static_cast<int64_t>(running.size()) < jobs_n) {
      const int64_t id = todo[next++];
      const pid_t pid = ::fork();
      if (pid < 0) throw Error(std::string("fork failed: ") + std::strerror(errno));
      if (pid == 0) {
        const std::string ids = std::to_string(id);
        ::execl(exe.c_str(), exe.c_str(), "job", adir.c_str(), ids.c_str(),
                static_cast<char*>(nullptr));
        ::_exit(127);
      }
      running[pid] = id;
    }
    if (g_interrupted && !forwarded) {
      for (const auto& [pid, id] : running) ::kill(pid, SIGINT);
      forwarded = true;
    }
    int st = 0;
    const pid_t pid = ::waitpid(-1, &st, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      break;
    }
    const auto it = running.find(pid);
    if (it == running.end()) continue;
    const int64_t id = it->second;
    running.erase(it);
    const std::string jd = job_dir(out, id);
    if (WIFSIGNALED(st) && !g_interrupted && job_status(jd) != JobStatus::kDone &&
        job_status(jd) != JobStatus::kFailed) {
      fs::create_directories(jd);
      ojson e;
      e["job"] = id;
      e["exit_code"] = 128 + WTERMSIG(st);
      e["error"] = fmt::format("killed by signal {} ({})", WTERMSIG(st), strsignal(WTERMSIG(st)));
      write_file_atomic(jd + "/error.json", json_text(e, 2) + "\n");
      std::cout << fmt::format("job {}: failed: {}\n", id, e["error"].get<std::string>());
    }
    std::cout.flush();
  }
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (g_interrupted) {
    int64_t done = 0;
    for (size_t i = 0; i < m.jobs.size(); ++i)
      done += job_status(job_dir(out, static_cast<int64_t>(i))) == JobStatus::kDone;
    std::cout << fmt::format(
        "interrupted: {} of {} configuration(s) done; run the same command again to resume\n", done,
        m.jobs.size());
    return 130;
  }
  const int64_t not_done = merge_dir(out, out + "/sweep.csv", true);
  std::cout << fmt::format("sweep wall time {:.2f} s with -j {}\n", wall, jobs_n);
  return not_done == 0 ? kExitOk : kExitInputError;
}

}  // namespace ssmsim
