#include "hw/interconnect.hpp"

#include "hw/memory_map.hpp"

namespace ssmsim {

Interconnect::Interconnect(sc_core::sc_module_name name)
    : sc_module(name), units2noc("units2noc"), noc2dram("noc2dram"), noc2sram("noc2sram") {
  units2noc.register_b_transport(this, &Interconnect::b_transport);
}

void Interconnect::b_transport(int, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  if (trans.get_address() >= kSramBase) {
    noc2sram->b_transport(trans, delay);
  } else {
    noc2dram->b_transport(trans, delay);
  }
}

}  // namespace ssmsim
