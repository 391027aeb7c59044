// Reading a JSON file with errors that name it: every config, preset,
// manifest and scales file goes through here.
#pragma once

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "common/error.hpp"

namespace ssmsim {

// Python's json module writes float('inf') and nan as the bare words
// Infinity, -Infinity and NaN (not JSON); Hugging Face configs carry them
// (Mamba2Config's time_step_limit (0.0, inf)). With python_literals they
// read as +-1e308 and null; inside strings nothing changes.
inline std::string python_json_literals(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < text.size()) {
        out += text[++i];
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') in_string = true;
    if (text.compare(i, 8, "Infinity") == 0) {
      out += "1e308";
      i += 7;
    } else if (text.compare(i, 3, "NaN") == 0) {
      out += "null";
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

inline nlohmann::json read_json_file(const std::string& path, bool python_literals = false) {
  std::ifstream in(path);
  if (!in) throw Error(path + ": cannot open");
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    return nlohmann::json::parse(python_literals ? python_json_literals(ss.str()) : ss.str());
  } catch (const nlohmann::json::exception& e) {  // parse_error, out_of_range (1e9999)
    throw Error(path + ": not valid JSON: " + e.what());
  }
}

}  // namespace ssmsim
