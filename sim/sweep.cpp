#include "sim/sweep.hpp"

#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>

#include "common/error.hpp"
#include "common/json_file.hpp"
#include "common/json_text.hpp"
#include "config/arch_config.hpp"
#include "config/workload.hpp"
#include "sim/report.hpp"

namespace fs = std::filesystem;

namespace ssmsim {

std::string job_dir(const std::string& dir, int64_t id) {
  return fmt::format("{}/jobs/{:05d}", dir, id);
}

namespace {

volatile std::sig_atomic_t g_interrupted = 0;
void on_interrupt(int) { g_interrupted = 1; }

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

bool looks_like_file(const std::string& arg) {
  return arg.find('/') != std::string::npos ||
         (arg.size() > 5 && arg.compare(arg.size() - 5, 5, ".json") == 0) ||
         (arg.size() > 12 && arg.compare(arg.size() - 12, 12, ".safetensors") == 0);
}

std::string cell(const ojson& v) {
  if (v.is_null()) return "";
  if (v.is_number_float()) return num(v.get<double>());
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

}  // namespace

void check_distinct_keys(const std::vector<Vary>& vary) {
  std::map<std::string, std::string> seen;  // key -> its --vary argument
  for (const Vary& v : vary) {
    std::string arg;
    for (const auto& k : v.keys) arg += (arg.empty() ? "" : "+") + k;
    for (const auto& k : v.keys) {
      const auto it = seen.find(k);
      if (it != seen.end()) {
        throw Error("--vary " + it->second + " and --vary " + arg + " both vary " + k +
                    ": a key takes one value per configuration (tie keys with KEY1+KEY2=...)");
      }
      seen[k] = arg;
    }
  }
}

void check_fixed_not_varied(const std::vector<std::string>& sets, const std::vector<Vary>& vary) {
  for (const std::string& s : sets) {
    const std::string key = s.substr(0, s.find('='));
    for (const Vary& v : vary) {
      if (std::find(v.keys.begin(), v.keys.end(), key) == v.keys.end()) continue;
      std::string arg;
      for (const auto& k : v.keys) arg += (arg.empty() ? "" : "+") + k;
      throw Error("--set " + s + " and --vary " + arg + " both set " + key +
                  ": a key is either fixed (--set) or varied (--vary), not both");
    }
  }
}

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

std::string absolute_if_file(const std::string& arg) {
  return looks_like_file(arg) ? fs::absolute(arg).lexically_normal().string() : arg;
}

ojson Manifest::to_json() const {
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

Manifest Manifest::load(const std::string& dir) {
  const std::string path = dir + "/sweep.json";
  if (!fs::exists(path)) throw Error(path + ": no sweep manifest here (ssmsim sweep writes it)");
  const nlohmann::json j = read_json_file(path);
  Manifest m;
  try {
    if (j.at("version") != 1 || j.at("command") != "sweep")
      throw Error(path + ": expected \"version\": 1 and \"command\": \"sweep\"");
    m.base = j.at("base").get<std::vector<std::string>>();
    for (const auto& v : j.at("vary"))
      m.vary.push_back({v.at("keys").get<std::vector<std::string>>(),
                        v.at("values").get<std::vector<std::string>>()});
    for (const auto& job : j.at("jobs"))
      m.jobs.push_back(job.at("set").get<std::vector<std::string>>());
  } catch (const nlohmann::json::exception& e) {
    throw Error(path + ": not a sweep manifest: " + e.what());
  }
  return m;
}

std::vector<std::string> Manifest::values_of(size_t i) const {
  std::vector<std::string> out;
  for (size_t k = 0; k < vary.size(); ++k) {
    const std::string& a = jobs[i][offset(k)];
    out.push_back(a.substr(a.find('=') + 1));
  }
  return out;
}

size_t Manifest::offset(size_t group) const {
  size_t o = 0;
  for (size_t k = 0; k < group; ++k) o += vary[k].keys.size();
  return o;
}

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

void validate_assignment(const std::string& a) {
  ArchConfig c;
  Workload w;
  apply_assignment(a, c, &w, "--vary");  // its type and range (the sum of rates: per row)
}

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

namespace {

const std::vector<std::pair<const char*, std::vector<const char*>>>& result_columns() {
  static const std::vector<std::pair<const char*, std::vector<const char*>>> cols = {
      {"prefill_tokens", {"run", "prefill_tokens"}},
      {"decode_tokens", {"run", "decode_tokens"}},
      {"batch", {"run", "batch"}},
      {"total_cycles", {"total", "cycles"}},
      {"latency_ns", {"total", "latency_ns"}},
      {"prefill_latency_ns", {"phases", "prefill", "latency_ns"}},
      {"decode_latency_per_token_ns", {"phases", "decode", "latency_per_token_ns"}},
      {"decode_latency_per_step_ns", {"phases", "decode", "latency_per_step_ns"}},
      {"tokens_per_s", {"total", "tokens_per_s"}},
      {"prefill_tokens_per_s", {"phases", "prefill", "tokens_per_s"}},
      {"decode_tokens_per_s", {"phases", "decode", "tokens_per_s"}},
      {"energy_pj", {"total", "energy_pj"}},
      {"energy_per_token_pj", {"total", "energy_per_token_pj"}},
      {"area_mm2", {"total", "area_mm2"}},
      {"edp_j_s", {"total", "edp_j_s"}},
      {"dram_read_bytes", {"total", "dram_read_bytes"}},
      {"dram_write_bytes", {"total", "dram_write_bytes"}},
      {"weight_bytes", {"total", "weight_bytes"}},
      {"ssm_in_sqnr_db", {"total", "ssm_in_sqnr_db"}},
      {"gemm_busy_pct", {"units", "gemm", "busy_pct"}},
      {"quant_busy_pct", {"units", "quant", "busy_pct"}},
      {"scan_busy_pct", {"units", "scan", "busy_pct"}},
      {"had_busy_pct", {"units", "had", "busy_pct"}},
      {"vec_busy_pct", {"units", "vec", "busy_pct"}},
      {"dram_busy_pct", {"units", "dram", "busy_pct"}},
      {"gemm_stall_cycles", {"units", "gemm", "stall_cycles"}},
      {"quant_stall_cycles", {"units", "quant", "stall_cycles"}},
      {"scan_stall_cycles", {"units", "scan", "stall_cycles"}},
      {"had_stall_cycles", {"units", "had", "stall_cycles"}},
      {"vec_stall_cycles", {"units", "vec", "stall_cycles"}},
      // What each unit costs, for a search to trade (issue 37): busy cycles,
      // energy and area per unit (fp16 has no quantizer or Hadamard: empty).
      {"gemm_busy_cycles", {"units", "gemm", "busy_cycles"}},
      {"quant_busy_cycles", {"units", "quant", "busy_cycles"}},
      {"scan_busy_cycles", {"units", "scan", "busy_cycles"}},
      {"had_busy_cycles", {"units", "had", "busy_cycles"}},
      {"vec_busy_cycles", {"units", "vec", "busy_cycles"}},
      {"gemm_energy_pj", {"energy", "units", "gemm", "total_pj"}},
      {"quant_energy_pj", {"energy", "units", "quant", "total_pj"}},
      {"scan_energy_pj", {"energy", "units", "scan", "total_pj"}},
      {"had_energy_pj", {"energy", "units", "had", "total_pj"}},
      {"vec_energy_pj", {"energy", "units", "vec", "total_pj"}},
      {"gemm_area_mm2", {"area", "units_mm2", "gemm"}},
      {"quant_area_mm2", {"area", "units_mm2", "quant"}},
      {"scan_area_mm2", {"area", "units_mm2", "scan"}},
      {"had_area_mm2", {"area", "units_mm2", "had"}},
      {"vec_area_mm2", {"area", "units_mm2", "vec"}},
      {"sram_area_mm2", {"area", "units_mm2", "sram"}},
  };
  return cols;
}

}  // namespace

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
  TextTable table({"job", "varied", "status", "latency_ns", "decode_ns_per_step", "energy_uj",
                   "ssm_in_sqnr_db"});
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
    // The table rounds for reading (the CSV keeps every digit).
    const auto fixed = [&](const char* key, double scale, int digits) {
      const ojson& v = results[key];
      return v.is_number() ? fmt::format("{:.{}f}", v.get<double>() * scale, digits)
                           : std::string(v.is_null() ? "" : cell(v));
    };
    table.add({std::to_string(i), vtext, status_name(st), fixed("latency_ns", 1, 1),
               fixed("decode_latency_per_step_ns", 1, 1), fixed("energy_pj", 1e-6, 3),
               fixed("ssm_in_sqnr_db", 1, 2)});
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

bool run_jobs(const std::string& out, const std::vector<int64_t>& todo, int64_t jobs_n) {
  const std::string exe = self_exe();
  const std::string adir = fs::absolute(out).lexically_normal().string();
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
  return g_interrupted != 0;
}

}  // namespace ssmsim
