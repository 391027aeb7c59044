// DRAM simulated by DRAMSys 5.1 (dram.model = dramsys): JEDEC devices with
// banks, rows, refresh and FR-FCFS controllers behind the same noc2dram
// socket as the analytic Dram. Each transfer is split into 64-byte
// transactions, naturally aligned, sent to DRAMSys through one AT initiator
// socket per channel (port2ch<i>) with as many outstanding as its
// controllers accept; the transfer completes when its last byte has
// arrived. DRAMSys runs in kernel time, so b_transport waits: the caller's
// annotated delay first, then the transfer (docs/dram.md).
//
// The memory is derived, not tuned: dram.standard picks a JEDEC spec from
// DRAMSys's configs; dram.channels of it share dram.bandwidth_gbps, which
// sets the data rate; timings defined in ns keep their ns at that rate
// (cycles rounded up), burst-shaped ones keep their cycles.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <deque>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <systemc>
#include <tlm>
#include <vector>

#include "config/arch_config.hpp"
#include "hw/dram.hpp"
#include "hw/trace_window.hpp"

namespace DRAMSys {
class DRAMSys;
}

namespace ssmsim {

// Why this build has no DRAMSys, and the way out (dram.model=dramsys and
// dram-calibrate say it).
inline const char* no_dramsys_reason() {
#ifdef SSMSIM_DRAMSYS_UNREACHABLE
  return "DRAMSys was unreachable when it was configured; reconfigure with network access, or "
         "with -DSSMSIM_DRAMSYS_SOURCE=DIR (an offline copy; docs/dram.md)";
#else
  return "it was configured with -DSSMSIM_DRAMSYS=OFF; reconfigure with -DSSMSIM_DRAMSYS=ON "
         "(docs/dram.md)";
#endif
}

// A DRAMSys memory specification compiled in (cmake/embed_memspecs.cmake).
struct DramsysSpecText {
  const char* standard;  // dram.standard value
  const char* file;      // its file in DRAMSys's configs/memspec
  const char* json;
};
const std::vector<DramsysSpecText>& dramsys_spec_texts();

// The DRAMSys configuration a DramConfig stands for, and what it means.
struct DramsysSetup {
  nlohmann::json config;        // DRAMSys "simulation" object
  std::string memspec_file;     // the spec it starts from
  double base_rate_mtps = 0;    // that spec's data rate, MT/s per pin
  double rate_mtps = 0;         // the rate used (from dram.bandwidth_gbps)
  uint32_t tck_ps = 0;          // its clock period, whole ps
  double peak_gbps = 0;         // channels x bytes per beat x rate
  double refresh_share = 0;     // all-bank refresh: tRFC / tREFI of the spec at that rate
  uint64_t channel_bytes = 0;   // bytes per beat of one channel
  uint64_t capacity_bytes = 0;  // all channels
  uint64_t txn_bytes = 0;       // transaction size and channel interleave
  unsigned channel_shift = 0;   // address bit of the lowest channel bit
  std::string text;             // one line for reports
};

// Throws Error naming the key when the configuration cannot be built
// (channels not a power of two, a rate the spec cannot be scaled to).
DramsysSetup dramsys_setup(const DramConfig& cfg);

// Where a ssmsim DRAM address lands in the simulated devices: each window
// (weights, logits, activations, state) gets a quarter of the capacity and
// wraps inside it.
uint64_t dramsys_address(uint64_t addr, uint64_t capacity_bytes);

class DramsysMemory : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<DramsysMemory> noc2dram;

  SC_HAS_PROCESS(DramsysMemory);
  DramsysMemory(sc_core::sc_module_name name, const DramConfig& cfg, const TraceWindow* window);
  ~DramsysMemory() override;

  const DramStats& stats() const { return stats_; }
  const DramsysSetup& setup() const { return setup_; }
  // DRAMPower's energy of all channels, pJ, after the simulation has ended
  // (sc_stop); negative when DRAMPower does not cover the standard (it
  // covers DDR3/DDR4/Wide I/O: dram.standard = ddr4 here).
  double drampower_energy_pj() const;
  void trace(sc_core::sc_trace_file* tf) const;

 private:
  struct Transfer {
    uint64_t left = 0;
    sc_core::sc_event done;
  };
  class Pool;
  struct Channel;

  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  tlm::tlm_sync_enum nb_transport_bw(int ch, tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                     sc_core::sc_time& delay);
  void issue(int ch);
  void on_change();
  // on_change also runs as the VCD window opens (TraceWindow::opens_late):
  // the waveform then shows the current values.
  void start_of_simulation() override;
  sc_core::sc_event window_open_ev_;

  DramsysSetup setup_;
  const TraceWindow* window_;
  DramStats stats_;
  // DRAMSys prints a banner and its configuration on stdout while it is
  // built and its statistics when the simulation ends: they go here, so the
  // run's table stays the only thing on stdout.
  std::stringstream banner_;
  std::streambuf* cout_buf_ = nullptr;
  std::unique_ptr<Pool> pool_;
  std::vector<std::unique_ptr<Channel>> channels_;
  std::unique_ptr<::DRAMSys::DRAMSys> dramsys_;
  DramWaveform wave_;  // in flight: 64-byte transactions
  sc_core::sc_event changed_;
  BandwidthProbe bandwidth_;
};

}  // namespace ssmsim
