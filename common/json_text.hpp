// JSON to text that never throws: strings from the command line (--set
// values, paths) may hold invalid UTF-8, which nlohmann's dump() rejects;
// those bytes are replaced (U+FFFD) instead.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace ssmsim {

template <typename Json>
std::string json_text(const Json& j, int indent = -1) {
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace ssmsim
