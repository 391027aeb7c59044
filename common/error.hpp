// Errors of ssmsim: one exception type whose message already names the file,
// tensor or key path and what was expected, so the CLI only prints it.
#pragma once

#include <stdexcept>
#include <string>

namespace ssmsim {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace ssmsim
