// ssmsim job DIR ID: one configuration of a sweep (what --emit-jobs lines
// call): run's request from the sweep's arguments, simulated in this
// process, its tables in the job's log.txt.
#include <fmt/format.h>

#include <boost/program_options.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>

#include "cli/commands.hpp"
#include "common/error.hpp"
#include "common/json_text.hpp"
#include "sim/report.hpp"
#include "sim/sweep.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace ssmsim {

namespace {

// Sends a stream's output to another stream's buffer until the scope ends.
class StreamRedirect {
 public:
  StreamRedirect(std::ostream& from, std::ostream& to) : from_(from), saved_(from.rdbuf()) {
    from_.flush();
    from_.rdbuf(to.rdbuf());
  }
  ~StreamRedirect() { from_.rdbuf(saved_); }
  StreamRedirect(const StreamRedirect&) = delete;
  StreamRedirect& operator=(const StreamRedirect&) = delete;

 private:
  std::ostream& from_;
  std::streambuf* saved_;
};

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
  std::ofstream log(jd + "/log.txt", std::ios::trunc);
  if (!log) throw Error(jd + "/log.txt: cannot open");
  int rc = kExitOk;
  std::string err;
  {
    // What the lower layers print on the standard streams (SystemC's
    // reports, a checkpoint warning) belongs to this job's log too.
    const StreamRedirect to_log_out(std::cout, log), to_log_err(std::cerr, log);
    try {
      const std::optional<RunInvocation> inv = parse_run_args(args);
      if (inv) execute_run(*inv, log);
    } catch (...) {
      rc = exit_code_of_current_exception(&err);
    }
    if (!err.empty()) log << "ssmsim job: error: " << err << "\n";
  }
  log.close();
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
  if (!parse_options(args, desc, vm,
                     "\nusage: ssmsim job DIR ID\nExample: ssmsim job out/sweep 0 (a line of "
                     "sweep --emit-jobs)\n",
                     &pos)) {
    return kExitOk;
  }
  return run_job(dir, id);
}

}  // namespace ssmsim
