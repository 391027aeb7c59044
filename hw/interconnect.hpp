// The on-chip interconnect: every unit's memory socket binds here; requests
// are routed by address to DRAM (below kSramBase) or SRAM.
#pragma once

#include <tlm_utils/multi_passthrough_target_socket.h>
#include <tlm_utils/simple_initiator_socket.h>

#include <systemc>
#include <tlm>

namespace ssmsim {

class Interconnect : public sc_core::sc_module {
 public:
  tlm_utils::multi_passthrough_target_socket<Interconnect> units2noc;
  tlm_utils::simple_initiator_socket<Interconnect> noc2dram;
  tlm_utils::simple_initiator_socket<Interconnect> noc2sram;

  explicit Interconnect(sc_core::sc_module_name name);

 private:
  void b_transport(int id, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
};

}  // namespace ssmsim
