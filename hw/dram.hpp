// DRAM: one channel of `bandwidth_gbps` with a fixed access latency; a
// stream of reads (writes) gets dram.read_efficiency (write_efficiency) of
// it, the share DRAMSys measures (ssmsim dram-calibrate, docs/dram.md).
// Transfers are rounded up to whole bursts and serialised on the channel
// (earliest free gap at or after the request), so concurrent requesters
// share the bandwidth and a decode step whose weights exceed what compute
// hides becomes memory-bound. While several operations run, requests come
// at their own time and those of one time are placed in a fixed order
// (hw/arbiter.hpp): first come, first served, independent of process order.
#pragma once

#include <tlm_utils/simple_target_socket.h>

#include <array>
#include <queue>
#include <systemc>
#include <tlm>
#include <utility>
#include <vector>

#include "config/arch_config.hpp"
#include "hw/arbiter.hpp"
#include "hw/bandwidth_probe.hpp"
#include "hw/channel_schedule.hpp"
#include "hw/memory_map.hpp"
#include "hw/trace_window.hpp"

namespace ssmsim {

// Time with at least one request outstanding: the union of the requests'
// [issue, completion) intervals, merged as they come. DRAMSys requests come
// in time order (exact); the analytic channel's come almost in order.
class ActiveSpan {
 public:
  void add(const sc_core::sc_time& start, const sc_core::sc_time& end) {
    if (open_ && start <= end_) {
      if (end > end_) end_ = end;
      return;
    }
    if (open_) closed_ += end_ - start_;
    start_ = start;
    end_ = end;
    open_ = true;
  }
  sc_core::sc_time total() const { return open_ ? closed_ + (end_ - start_) : closed_; }

 private:
  sc_core::sc_time start_, end_, closed_;
  bool open_ = false;
};

// The DRAM's traced signals, one definition for both models: transfers in
// flight and the bytes whose transfer has completed (cumulative: its slope
// is the bandwidth). The model changes the counters; its one signal-writing
// method publishes them (a signal has one driver).
struct DramWaveform {
  int in_flight = 0;
  uint64_t bytes_done = 0;
  sc_core::sc_signal<uint64_t> bytes_done_sig{"dram_bytes_done", 0};
  sc_core::sc_signal<int> in_flight_sig{"dram_in_flight", 0};
  void publish() {
    in_flight_sig.write(in_flight);
    bytes_done_sig.write(bytes_done);
  }
  void trace(sc_core::sc_trace_file* tf) const {
    sc_core::sc_trace(tf, in_flight_sig, "dram.transactions_in_flight");
    sc_core::sc_trace(tf, bytes_done_sig, "dram.bytes_done");
  }
};

struct DramStats {
  uint64_t read_bytes = 0, write_bytes = 0, accesses = 0, bursts = 0;
  // Bytes by what they were (weights, logits, spilled activations, state).
  std::array<uint64_t, kDramWindows> window_read_bytes{}, window_write_bytes{};
  sc_core::sc_time busy_time = sc_core::SC_ZERO_TIME;  // data bus at peak rate
  ActiveSpan active;  // busy_time / active: the channel's efficiency while in use
};

class Dram : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<Dram> noc2dram;

  SC_HAS_PROCESS(Dram);
  Dram(sc_core::sc_module_name name, const DramConfig& cfg, const TraceWindow* window);
  const DramStats& stats() const { return stats_; }
  void trace(sc_core::sc_trace_file* tf) const;
  // Transfer time of `bytes` (burst-rounded), without the latency.
  sc_core::sc_time transfer_time(uint64_t bytes, bool read);

 private:
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  // Reserves the channel for a request at `request` (`now`: the kernel's
  // time); returns when its data has arrived (read) or landed (write).
  // Inlined into a stream's loop: it runs once per weight strip.
  [[gnu::always_inline]] sc_core::sc_time place(tlm::tlm_generic_payload& trans,
                                                const sc_core::sc_time& request,
                                                const sc_core::sc_time& now);
  void arbitrate();
  void on_change();
  // on_change also runs as the VCD window opens (TraceWindow::opens_late):
  // the waveform then shows the current values.
  void start_of_simulation() override;
  sc_core::sc_event window_open_ev_;

  DramConfig cfg_;
  const TraceWindow* window_;
  sc_core::sc_time latency_;
  DramStats stats_;
  ChannelSchedule channel_;
  SameTimeArbiter arbiter_;
  DramWaveform wave_;
  BandwidthProbe bandwidth_;
  std::priority_queue<std::pair<uint64_t, uint64_t>, std::vector<std::pair<uint64_t, uint64_t>>,
                      std::greater<>>
      ending_;  // (completion time value, bytes), inside the VCD window
  sc_core::sc_event_queue start_q_, end_q_;
  struct TimeCache {
    uint64_t bytes = 0;
    sc_core::sc_time time;
    uint64_t bursts = 0;  // of bytes
    bool valid = false;
  };
  const TimeCache& transfer(uint64_t bytes, bool read);
  std::array<TimeCache, 2> transfer_cache_;  // write, read
};

}  // namespace ssmsim
