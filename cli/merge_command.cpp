// ssmsim merge DIR: a sweep folder's jobs as one CSV row per configuration.
#include <boost/program_options.hpp>
#include <filesystem>
#include <iostream>

#include "cli/commands.hpp"
#include "common/error.hpp"
#include "sim/sweep.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace ssmsim {

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
  if (!parse_options(args, desc, vm,
                     "\nusage: ssmsim merge DIR [--out FILE.csv]\nExample: ssmsim merge "
                     "out/sweep (after the jobs of sweep --emit-jobs ran)\n",
                     &pos)) {
    return kExitOk;
  }
  if (out.empty()) out = dir + "/sweep.csv";
  // Nothing is overwritten without being asked, the default CSV included.
  if (fs::exists(out) && !force) throw Error(out + ": exists; pass --force to overwrite");
  return merge_dir(dir, out, true) == 0 ? kExitOk : kExitInputError;
}

}  // namespace ssmsim
