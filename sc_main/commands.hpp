// The ssmsim subcommands. Each takes its own arguments (after the command
// name), prints its table on stdout and returns the process exit code.
#pragma once

#include <string>
#include <vector>

namespace ssmsim {

// Exit codes shared by every command.
constexpr int kExitOk = 0;
constexpr int kExitInputError = 1;  // bad trace, config or output folder
constexpr int kExitUsage = 2;       // bad command line
constexpr int kExitInternal = 3;    // a SystemC report or an unexpected exception

using Args = std::vector<std::string>;

int quant_command(const Args& args);
int inspect_command(const Args& args);
int run_command(const Args& args);
int eval_command(const Args& args);
int calibrate_command(const Args& args);
int sweep_command(const Args& args);
int job_command(const Args& args);
int merge_command(const Args& args);

}  // namespace ssmsim
