#include "mamba/scales_file.hpp"

#include "common/error.hpp"

namespace ssmsim {

nlohmann::ordered_json scales_header_json(const ScalesHeader& h, bool mamba2) {
  nlohmann::ordered_json j;
  j["format"] = "ssmsim-scales";
  j["version"] = 1;
  if (mamba2) j["arch"] = "mamba2";
  j["model"] = h.model;
  j["percentile"] = h.percentile;
  j["samples"] = h.samples;
  j["layers"] = nlohmann::ordered_json::array();
  return j;
}

ScalesHeader read_scales_header(const nlohmann::json& j, const std::string& where, bool mamba2,
                                int64_t n_layer) {
  if (!j.is_object() || j.value("format", "") != "ssmsim-scales" || j.value("version", 0) != 1) {
    throw Error(where + ": expected \"format\": \"ssmsim-scales\", \"version\": 1");
  }
  ScalesHeader h;
  h.model = j.value("model", "");
  h.percentile = j.value("percentile", 0.0);
  h.samples = j.value("samples", 0);
  const bool file_mamba2 = j.value("arch", "mamba1") == "mamba2";
  if (file_mamba2 != mamba2) {
    const char* file_arch = file_mamba2 ? "Mamba-2" : "Mamba-1";
    const char* model_arch = mamba2 ? "Mamba-2" : "Mamba-1";
    throw Error(where + ": arch: scales for a " + file_arch + " model" +
                (h.model.empty() ? std::string() : " ('" + h.model + "')") + " given to a " +
                model_arch + " model (re-run ssmsim calibrate on the " + model_arch +
                " checkpoint)");
  }
  if (!j.contains("layers") || !j["layers"].is_array() ||
      static_cast<int64_t>(j["layers"].size()) != n_layer) {
    throw Error(where + ": layers: expected an array of " + std::to_string(n_layer) + " entries");
  }
  return h;
}

}  // namespace ssmsim
