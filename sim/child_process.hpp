// Runs a function in a child process and brings back a few numbers. SystemC
// elaborates once per process, so a second simulation of another mapping
// (the tile search of sim/simulate.cpp) runs in a fork of the process,
// which shares what is loaded (trace, checkpoint, datapath) copy-on-write.
#pragma once

#include <functional>
#include <optional>
#include <vector>

namespace ssmsim {

// A child started by start_child(); finish_child() waits for it.
struct ChildTask {
  int pid = -1;  // -1: the fork failed
  int fd = -1;   // the pipe it answers on
};

// Calls `work` in a forked child with its stdout and stderr discarded.
ChildTask start_child(const std::function<std::vector<double>()>& work);
// What the child's `work` returned; nothing when it failed (an exception, a
// signal or no fork).
std::optional<std::vector<double>> finish_child(ChildTask& task);

}  // namespace ssmsim
