// On-chip SRAM: `ports` ports of `port_bytes` per cycle, a fixed latency and
// a capacity. Accesses past the capacity answer TLM_ADDRESS_ERROR_RESPONSE.
#pragma once

#include <tlm_utils/simple_target_socket.h>

#include <systemc>
#include <tlm>

#include "config/arch_config.hpp"
#include "hw/arbiter.hpp"
#include "hw/bandwidth_probe.hpp"
#include "hw/channel_schedule.hpp"

namespace ssmsim {

struct SramStats {
  uint64_t read_bytes = 0, write_bytes = 0, accesses = 0;
  uint64_t peak_bytes_allocated = 0;
};

class Sram : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<Sram> noc2sram;

  SC_HAS_PROCESS(Sram);
  Sram(sc_core::sc_module_name name, const SramConfig& cfg, double clock_period_ns,
       const TraceWindow* window = nullptr);
  const SramStats& stats() const { return stats_; }
  // Cycles to move `bytes` through all ports, without the latency.
  uint64_t transfer_cycles(uint64_t bytes) const;
  void trace(sc_core::sc_trace_file* tf) const { bandwidth_.trace(tf, "sram", true); }

 private:
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  sc_core::sc_time place(tlm::tlm_generic_payload& trans, const sc_core::sc_time& request);
  void arbitrate();

  SramConfig cfg_;
  sc_core::sc_time period_;
  SramStats stats_;
  ChannelSchedule ports_;  // all ports together, one transfer at a time
  SameTimeArbiter arbiter_;
  BandwidthProbe bandwidth_;
};

}  // namespace ssmsim
