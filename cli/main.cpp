// ssmsim: the command-line front end. sc_main only dispatches to a command;
// commands that simulate elaborate the Accelerator themselves.
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <systemc>

#include "cli/commands.hpp"
#include "common/error.hpp"
#include "common/suggest.hpp"
#include "numeric/cpu.hpp"

namespace {

struct Command {
  const char* name;
  const char* summary;
  int (*run)(const ssmsim::Args&);
};

const Command kCommands[] = {
    {"run", "simulate the accelerator on a trace or workload: cycles, energy, error, VCD",
     ssmsim::run_command},
    {"sweep", "run the cross product of --vary values in parallel processes, resumable",
     ssmsim::sweep_command},
    {"job", "run one configuration of a sweep (the lines --emit-jobs writes)", ssmsim::job_command},
    {"merge", "collect a sweep's jobs into one CSV row per configuration", ssmsim::merge_command},
    {"quant", "quantization error of a trace tensor, layer by layer (int8, se, se-authors)",
     ssmsim::quant_command},
    {"calibrate", "static activation scales for the W8A8 pipeline (Quamba's observers)",
     ssmsim::calibrate_command},
    {"eval", "cost of quantization at the model's output (W8A8 or SSM input only): CE, perplexity",
     ssmsim::eval_command},
    {"inspect", "check and summarise a trace file or a checkpoint folder", ssmsim::inspect_command},
    {"dram-calibrate", "measure the analytic DRAM model's latency and efficiencies with DRAMSys",
     ssmsim::dram_calibrate_command},
};

void usage(std::ostream& os) {
  os << "ssmsim " << SSMSIM_VERSION
     << ": a SystemC/TLM-2.0 model of a Mamba (SSM) inference accelerator\n\n"
        "usage: ssmsim <command> [options]     (ssmsim <command> --help for its options)\n\n"
        "commands:\n";
  // The names' column is as wide as the longest name.
  size_t width = 0;
  for (const auto& c : kCommands) width = std::max(width, std::string(c.name).size());
  for (const auto& c : kCommands) os << fmt::format("  {:<{}} {}\n", c.name, width, c.summary);
  os << fmt::format("  {:<{}} {}\n", "--version", width,
                    "the version, the CPU, its vector extensions and each kernel's path");
  os << "\nexit codes: 0 ok, 1 bad input (trace, config, output folder), 2 bad command line,\n"
        "            3 internal error\n";
}

}  // namespace

int sc_main(int argc, char* argv[]) {
  if (argc < 2) {
    usage(std::cerr);
    return ssmsim::kExitUsage;
  }
  const std::string name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    usage(std::cout);
    return ssmsim::kExitOk;
  }
  if (name == "--version") {
    std::cout << "ssmsim " << SSMSIM_VERSION << " (SystemC " << sc_core::sc_release() << ")\n"
              << "cpu: " << ssmsim::cpu_model() << " (" << ssmsim::cpu_isa() << ")\n"
              << "kernels: " << ssmsim::kernel_paths() << "\n";
    return ssmsim::kExitOk;
  }
  for (const auto& c : kCommands) {
    if (name != c.name) continue;
    const ssmsim::Args args(argv + 2, argv + argc);
    try {
      return c.run(args);
    } catch (...) {
      std::string message;
      const int code = ssmsim::exit_code_of_current_exception(&message);
      if (code == ssmsim::kExitUsage) {
        std::cerr << "ssmsim " << name << ": " << message << " (see ssmsim " << name
                  << " --help)\n";
      } else if (code == ssmsim::kExitInputError) {
        std::cerr << "ssmsim " << name << ": error: " << message << "\n";
      } else {
        std::cerr << "ssmsim " << name << ": " << message << "\n";
      }
      return code;
    }
  }
  std::vector<std::string> names;
  for (const auto& c : kCommands) names.push_back(c.name);
  std::cerr << "ssmsim: unknown command '" << name << "'" << ssmsim::did_you_mean(name, names)
            << "\n\n";
  usage(std::cerr);
  return ssmsim::kExitUsage;
}

// Our own main: the SystemC banner would land in stdout reports, and the
// library reads the variable that silences it before sc_main runs.
int main(int argc, char* argv[]) {
  ::setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
  return sc_core::sc_elab_and_sim(argc, argv);
}
