#include <iostream>
#include <systemc>

#include "cli/commands.hpp"
#include "common/error.hpp"
#include "common/suggest.hpp"

namespace ssmsim {

bool parse_options(const Args& args, const boost::program_options::options_description& desc,
                   boost::program_options::variables_map& vm, const std::string& footer,
                   const boost::program_options::positional_options_description* positional) {
  namespace po = boost::program_options;
  po::command_line_parser parser(args);
  parser.options(desc);
  if (positional) parser.positional(*positional);
  try {
    po::store(parser.run(), vm);
  } catch (const po::unknown_option& e) {
    std::vector<std::string> names;
    for (const auto& o : desc.options()) names.push_back("--" + o->long_name());
    throw po::error(std::string(e.what()) + did_you_mean(e.get_option_name(), names));
  }
  if (vm.count("help")) {
    std::cout << desc << footer;
    return false;
  }
  po::notify(vm);  // required options are checked after --help
  return true;
}

int exit_code_of_current_exception(std::string* message) {
  try {
    throw;
  } catch (const boost::program_options::error& e) {
    *message = e.what();
    return kExitUsage;
  } catch (const Error& e) {
    *message = e.what();
    return kExitInputError;
  } catch (const sc_core::sc_report& e) {
    *message = std::string("SystemC: ") + e.what();
  } catch (const std::exception& e) {
    *message = std::string("internal error: ") + e.what();
  }
  return kExitInternal;
}

}  // namespace ssmsim
