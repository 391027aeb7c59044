// A workload: which model (its shape), how many tokens of prefill and decode,
// at which batch, and, for timing-only runs with no trace, the SSM-input
// region rates the soft-edge quantizer's data-dependent cost needs. Files
// and --set workload.key=value go through one table, like the architecture:
// unknown keys and out-of-range values are errors naming the key path.
#pragma once

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/model_dims.hpp"

namespace ssmsim {

// Fractions of SSM-input elements per soft-edge region, and where they were
// measured (free text). Indexed by quant::SeRegion.
struct RegionRates {
  std::array<double, 4> frac = {1.0, 0.0, 0.0, 0.0};  // normal, small, large, saturated
  std::string source;
};

struct Workload {
  std::string name = "workload";
  std::string model = "";  // preset name, file, or "" for inline dims
  ModelDims dims;
  int64_t prefill_tokens = 512;
  int64_t decode_tokens = 0;
  int64_t batch = 1;
  RegionRates regions;

  // NAME (a built-in preset) or FILE (a path: contains '/' or ends in .json).
  static Workload load(const std::string& name_or_file);
  void load_json(const nlohmann::json& j, const std::string& where, const std::string& base_dir);
  // "workload.key=value" (the prefix is optional here).
  // One "workload.key=value" (option: --set or --vary, for errors). The whole
  // workload is checked by validate() once every assignment is applied.
  void set(const std::string& assignment, const std::string& option = "--set");
  nlohmann::ordered_json to_json() const;
  void validate(const std::string& where) const;

 private:
  void set_value(const std::string& key, const nlohmann::json& v, const std::string& where);
};

struct ArchConfig;

// One --set assignment: workload.KEY=VALUE goes to the workload (an error
// without one), anything else to the architecture.
void apply_assignment(const std::string& assignment, ArchConfig& arch, Workload* workload,
                      const std::string& option = "--set");

// Mamba-1 shape from a model preset (name or file): d_model, n_layer,
// d_state, d_conv, expand, dt_rank ("auto" = ceil(d_model / 16)), vocab_size.
ModelDims load_model_preset(const std::string& name_or_file);
ModelDims model_dims_from_json(const nlohmann::json& j, const std::string& where);

// Built-in presets, compiled in from workloads/ (see workloads/README.md).
struct Preset {
  const char* kind;  // "model", "workload", "arch"
  const char* name;  // file stem
  const char* text;  // JSON
};
const std::vector<Preset>& builtin_presets();
// The preset's text, or nullptr; `is_file` says whether the argument names a file.
const Preset* find_preset(const std::string& kind, const std::string& name);
bool names_a_file(const std::string& arg);
std::string preset_names(const std::string& kind);

}  // namespace ssmsim
