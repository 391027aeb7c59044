// Preparing a run: the checkpoint beside a trace, and the real data the
// accelerator's units compute on (shared by ssmsim run and the tests).
#pragma once

#include <string>

#include "config/arch_config.hpp"
#include "hw/functional_state.hpp"
#include "io/checkpoint.hpp"
#include "io/trace.hpp"

namespace ssmsim {

// DIR/<model> or DIR/../models/<model> beside the trace, or "" if none.
std::string find_checkpoint(const std::string& trace, const std::string& model);

// Loads batch row 0 of the trace's activations, calibrates the SSM-input
// scale (percentile) and the out_proj-input scale (max of the Hadamard-
// rotated trace y); with a checkpoint, also A and D.
void setup_functional(FunctionalState& fn, const Trace& trace, const Checkpoint* ckpt,
                      const ArchConfig& arch, double percentile, int64_t hadamard_size);

}  // namespace ssmsim
