// A GTKWave view for a run's VCD: a save file (.gtkw) beside the waveform
// that shows each unit's busy flag, the operation it holds and why it
// stalls, by name (translate filter files of the Op codes and the stall
// reasons, also written beside it), its layer and tile, the queue, the
// quantizer's region counters, the scan's token, and the DRAM's and SRAM's
// bandwidth per window. `gtkwave run.gtkw` opens the run ready to read.
#pragma once

#include <string>
#include <vector>

namespace ssmsim {

// The files written beside VCD (path.vcd): path.gtkw, path.ops.txt and
// path.stall.txt.
std::vector<std::string> vcd_view_files(const std::string& vcd);
// The view opens on [start_ns, end_ns] (the run, or its --vcd-window);
// `quantizer` names the SSM-input quantizer's group (e.g. "int8").
void write_vcd_view(const std::string& vcd, double start_ns, double end_ns,
                    const std::string& quantizer);

}  // namespace ssmsim
