// Reports of ssmsim eval: the table on stdout, OUT/eval.json and
// OUT/eval.csv (per quantizer at the model's output, per layer and tensor).
#pragma once

#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "sim/evaluate.hpp"

namespace ssmsim {

// options: the command's effective options, echoed in eval.json.
// The table goes to `out`.
void write_eval_report(const EvalResult& res, const nlohmann::ordered_json& options,
                       const std::string& out_dir, std::ostream& out = std::cout);

}  // namespace ssmsim
