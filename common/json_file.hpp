// Reading a JSON file with errors that name it: every config, preset,
// manifest and scales file goes through here.
#pragma once

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "common/error.hpp"

namespace ssmsim {

inline nlohmann::json read_json_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(path + ": cannot open");
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    return nlohmann::json::parse(ss.str());
  } catch (const nlohmann::json::exception& e) {  // parse_error, out_of_range (1e9999)
    throw Error(path + ": not valid JSON: " + e.what());
  }
}

}  // namespace ssmsim
