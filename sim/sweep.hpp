// Sweeps as library functions: the cross product of --vary values as a
// manifest, one `ssmsim job DIR ID` process per configuration (SystemC
// elaborates once per process), job folders with their status, and the merge
// of every job's run.json into one CSV row each.
//
// DIR/sweep.json   the manifest: base run arguments, varied keys, jobs
// DIR/jobs/NNNNN/  one job: run.json ... (done), error.json (failed), log.txt
// DIR/sweep.csv, DIR/sweep.results.json   merged results
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace ssmsim {

// --vary KEY[+KEY...]=V1,V2,...: keys joined by '+' take the same value.
struct Vary {
  std::vector<std::string> keys;
  std::vector<std::string> values;
};
Vary parse_vary(const std::string& arg);
// Throws Error naming both --vary arguments when a key is varied twice, and
// both arguments when a key is fixed by --set and also varied (the row's
// --set would otherwise lose silently to the varied value).
void check_distinct_keys(const std::vector<Vary>& vary);
void check_fixed_not_varied(const std::vector<std::string>& sets, const std::vector<Vary>& vary);

struct Manifest {
  std::vector<std::string> base;  // ssmsim run arguments shared by every job
  std::vector<Vary> vary;
  std::vector<std::vector<std::string>> jobs;  // key=value assignments per job

  nlohmann::ordered_json to_json() const;
  static Manifest load(const std::string& dir);
  // The value of every varied key group in job i (keys joined by '+').
  std::vector<std::string> values_of(size_t i) const;
  size_t offset(size_t group) const;
};

// The cross product, first --vary outermost.
std::vector<std::vector<std::string>> cross(const std::vector<Vary>& vary);
// One varied key=value on its own: an architecture key, or workload.KEY.
void validate_assignment(const std::string& a);
// Files in the base arguments become absolute: jobs may run in another
// directory or on another host (a shared file system is assumed).
std::string absolute_if_file(const std::string& arg);

std::string job_dir(const std::string& dir, int64_t id);
enum class JobStatus { kDone, kFailed, kIncomplete, kPending };
JobStatus job_status(const std::string& job_dir);
// The ssmsim executable running now (jobs run it again).
std::string self_exe();

// Runs the jobs `todo` of the sweep in `out`, `jobs_n` processes at a time;
// SIGINT/SIGTERM stop starting jobs and are passed on. Returns true when
// interrupted.
bool run_jobs(const std::string& out, const std::vector<int64_t>& todo, int64_t jobs_n);

// Collects every job of DIR into CSV_OUT (and its .results.json sibling;
// DIR/sweep.results.json for DIR/sweep.csv); returns the number of jobs not
// done.
int64_t merge_dir(const std::string& dir, const std::string& csv_out, bool print_table);

}  // namespace ssmsim
