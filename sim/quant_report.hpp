// Reports of ssmsim quant: the table on stdout, OUT/quant.json and
// OUT/quant.csv (per layer and quantizer, error by soft-edge region).
#pragma once

#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "sim/quantify.hpp"

namespace ssmsim {

// options: the command's effective options, echoed in quant.json.
// The table goes to `out`.
void write_quant_report(const QuantifyResult& res, const nlohmann::ordered_json& options,
                        const std::string& out_dir, std::ostream& out = std::cout);

}  // namespace ssmsim
