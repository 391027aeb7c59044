// The ssmsim subcommands. Each takes its own arguments (after the command
// name), prints its table on stdout and returns the process exit code.
#pragma once

#include <boost/program_options.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "sim/simulate.hpp"

namespace ssmsim {

// Exit codes shared by every command.
constexpr int kExitOk = 0;
constexpr int kExitInputError = 1;  // bad trace, config or output folder
constexpr int kExitUsage = 2;       // bad command line
constexpr int kExitInternal = 3;    // a SystemC report or an unexpected exception

using Args = std::vector<std::string>;

// Parses a command's arguments into vm. On --help prints the options and
// `footer` and returns false (the command exits 0); otherwise checks the
// required options (after --help, so that --help needs none) and returns true.
bool parse_options(
    const Args& args, const boost::program_options::options_description& desc,
    boost::program_options::variables_map& vm, const std::string& footer = "",
    const boost::program_options::positional_options_description* positional = nullptr);

// The exit code for the exception being handled (call inside a catch
// block): kExitUsage for a bad command line, kExitInputError for bad input,
// kExitInternal otherwise (its text then starts with "SystemC: " or
// "internal error: "); *message gets the text.
int exit_code_of_current_exception(std::string* message);

// run, in two steps so that a sweep's job runs it in its own process
// without a command line: the arguments checked into a request (nothing
// when --help or --help-arch printed), then the simulation with its report
// (tables and "wrote" lines to `out`, files into the output folder).
struct RunInvocation {
  RunRequest request;
  std::string out;  // the output folder
  bool force = false;
};
std::optional<RunInvocation> parse_run_args(const Args& args);
void execute_run(const RunInvocation& inv, std::ostream& out);

int quant_command(const Args& args);
int inspect_command(const Args& args);
int run_command(const Args& args);
int eval_command(const Args& args);
int calibrate_command(const Args& args);
int sweep_command(const Args& args);
int job_command(const Args& args);
int merge_command(const Args& args);
int dram_calibrate_command(const Args& args);

}  // namespace ssmsim
