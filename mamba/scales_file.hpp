// What every scales.json shares, Mamba-1's and Mamba-2's: the format tag,
// the architecture and where the scales came from; the per-layer entries
// are each pipeline's own (w8a8.hpp, w8a8_mamba2.hpp).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace ssmsim {

struct ScalesHeader {
  std::string model;  // the checkpoint calibrated on
  double percentile = 99.99;
  int64_t samples = 0;
};

// format, version, arch (Mamba-2 only: a Mamba-1 file has none), model,
// percentile, samples, and an empty "layers" array.
nlohmann::ordered_json scales_header_json(const ScalesHeader& h, bool mamba2);

// Checks the format, the architecture and that "layers" holds n_layer
// entries; errors name `where`, the key and both models.
ScalesHeader read_scales_header(const nlohmann::json& j, const std::string& where, bool mamba2,
                                int64_t n_layer);

}  // namespace ssmsim
