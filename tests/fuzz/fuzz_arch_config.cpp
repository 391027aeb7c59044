// libFuzzer target: the architecture-config parser (JSON files and
// --set key.path=value). Inputs end in success or ssmsim::Error.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "common/error.hpp"
#include "config/arch_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    ssmsim::ArchConfig c;
    c.load_json(nlohmann::json::parse(text), "fuzz.json");
    (void)c.to_json().dump();
  } catch (const ssmsim::Error&) {
  } catch (const nlohmann::json::exception&) {  // not JSON: load_file reports it
  }
  try {
    ssmsim::ArchConfig c;
    c.set(text);
  } catch (const ssmsim::Error&) {
  }
  return 0;
}
