// A GTKWave view for a run's VCD: a save file (.gtkw) beside the waveform
// that shows each unit's busy flag, the operation it holds and why it
// stalls, by name (translate filter files of the Op codes and the stall
// reasons, also written beside it), its layer and tile, the queue, the
// quantizer's region counters, the scan's token, and the DRAM's and SRAM's
// bandwidth per window. `gtkwave run.gtkw` opens the run ready to read.
#pragma once

#include <string>
#include <vector>

#include "sim/run_aggregate.hpp"

namespace ssmsim {

// The files written beside VCD (path.vcd): path.gtkw, path.ops.txt and
// path.stall.txt.
std::vector<std::string> vcd_view_files(const std::string& vcd);
// The view opens at start_ns on [start_ns, end_ns] (the run, or its
// --vcd-window), zoomed in further where that is needed for the GEMM's
// median operation in it (gemm_ops, cycles of period_ns) to show its name
// in full; `quantizer` names the SSM-input quantizer's group (e.g. "int8").
void write_vcd_view(const std::string& vcd, double start_ns, double end_ns,
                    const std::string& quantizer, const std::vector<GemmOpRecord>& gemm_ops,
                    double period_ns);
// The span [start_ns, start_ns + span] the view opens on (see above).
double vcd_view_span_ns(double start_ns, double end_ns, const std::vector<GemmOpRecord>& gemm_ops,
                        double period_ns);
// GTKWave's wave pane in the view's window ([size] 1600 800, signals_width
// 420), in pixels, and the width of one
// character of its value text (measured, DejaVu Sans Mono at its default).
constexpr double kVcdWavePanePx = 880, kVcdCharPx = 7.6;

}  // namespace ssmsim
