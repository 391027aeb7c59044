// Reports of ssmsim quant: the table on stdout, OUT/quant.json and
// OUT/quant.csv (per layer and quantizer, error by soft-edge region).
#pragma once

#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "sim/quantify.hpp"

namespace ssmsim {

// quant.json echoes the effective options: the request's, `quantizer` as
// the user named it ("all" or one kind) and the output folder. The table
// goes to `out`.
void write_quant_report(const QuantifyResult& res, const std::string& quantizer,
                        const std::string& out_dir, std::ostream& out = std::cout);

}  // namespace ssmsim
