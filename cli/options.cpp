#include <iostream>

#include "cli/commands.hpp"

namespace ssmsim {

bool parse_options(const Args& args, const boost::program_options::options_description& desc,
                   boost::program_options::variables_map& vm, const std::string& footer,
                   const boost::program_options::positional_options_description* positional) {
  namespace po = boost::program_options;
  po::command_line_parser parser(args);
  parser.options(desc);
  if (positional) parser.positional(*positional);
  po::store(parser.run(), vm);
  if (vm.count("help")) {
    std::cout << desc << footer;
    return false;
  }
  po::notify(vm);  // required options are checked after --help
  return true;
}

}  // namespace ssmsim
