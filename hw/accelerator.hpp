// The accelerator platform: owns every unit and the memories as members and
// binds them in its constructor. What drives it (the Controller running the
// layer program, or a test's script) binds its command sockets from outside
// through bind_driver; what the units compute comes through the Datapath.
//
//   driver --ctrl2{gemm,quant,scan,had,vec}--> units
//   quant --quant2scan--> scan, quant --quant2gemm--> gemm
//   units --{unit}2mem--> interconnect --noc2dram--> dram (analytic, or
//                                      --noc2sram--> sram   DRAMSys: dram.model)
#pragma once

#include <array>
#include <memory>
#include <string>
#include <systemc>
#include <vector>

#include "config/arch_config.hpp"
#include "hw/datapath.hpp"
#include "hw/dram.hpp"
#include "hw/dramsys_memory.hpp"
#include "hw/gemm_unit.hpp"
#include "hw/hadamard_unit.hpp"
#include "hw/interconnect.hpp"
#include "hw/scan_unit.hpp"
#include "hw/soft_edge_quantizer.hpp"
#include "hw/sram.hpp"
#include "hw/trace_window.hpp"
#include "hw/vector_unit.hpp"

namespace ssmsim {

class Accelerator : public sc_core::sc_module {
 public:
  // datapath: what the units compute (a plain Datapath: timing only);
  // sink: where executed operations go (nullptr: kept in op_log()).
  Accelerator(sc_core::sc_module_name name, const ArchConfig& cfg, Datapath& datapath,
              const TraceWindow* window, OpSink* sink = nullptr);
  ~Accelerator() override;

  // Binds a driver's command sockets, one per Unit in Unit order.
  void bind_driver(const std::array<tlm::tlm_initiator_socket<>*, kUnitCount>& sockets);

  // Opens a VCD (path without ".vcd" is what SystemC takes) and traces the
  // documented signals; call before sc_start.
  void open_vcd(const std::string& path_without_ext);
  void close_vcd();

  // Every executed operation, in completion order (without an OpSink).
  const std::vector<OpRecord>& op_log() const { return log_.ops; }
  // The DRAM's statistics, whichever model runs it.
  const DramStats& dram_stats() const { return dram ? dram->stats() : dramsys->stats(); }
  // The compute units in Unit order (the one list of them).
  std::array<UnitBase*, kUnitCount> units() { return {&gemm, &quant, &scan, &had, &vec}; }

 private:
  OpLog log_;             // declared before the units: they may hold a pointer to it
  UnitContext unit_ctx_;  // what every unit is built with

 public:
  GemmUnit gemm;
  SoftEdgeQuantizer quant;
  ScanUnit scan;
  HadamardUnit had;
  VectorUnit vec;
  Interconnect noc;
  std::unique_ptr<Dram> dram;              // dram.model = analytic
  std::unique_ptr<DramsysMemory> dramsys;  // dram.model = dramsys
  Sram sram;

 private:
  sc_core::sc_trace_file* vcd_ = nullptr;
};

}  // namespace ssmsim
