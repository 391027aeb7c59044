// The accelerator platform: owns every unit and the memories as members and
// binds them in its constructor.
//
//   controller --ctrl2{gemm,quant,scan,had,vec}--> units
//   quant --quant2scan--> scan, quant --quant2gemm--> gemm
//   units --{unit}2mem--> interconnect --noc2dram--> dram
//                                      --noc2sram--> sram
#pragma once

#include <memory>
#include <string>
#include <systemc>
#include <vector>

#include "config/arch_config.hpp"
#include "hw/controller.hpp"
#include "hw/dram.hpp"
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
  Accelerator(sc_core::sc_module_name name, const ArchConfig& cfg, const RunPlan& plan,
              const TraceWindow* window);
  ~Accelerator() override;

  // Opens a VCD (path without ".vcd" is what SystemC takes) and traces the
  // documented signals; call before sc_start.
  void open_vcd(const std::string& path_without_ext);
  void close_vcd();

  const std::vector<OpRecord>& op_log() const { return log_; }
  std::vector<const UnitBase*> units() const { return {&gemm, &quant, &scan, &had, &vec}; }

  std::vector<OpRecord> log_;  // declared first: units hold a pointer to it
  Controller controller;
  GemmUnit gemm;
  SoftEdgeQuantizer quant;
  ScanUnit scan;
  HadamardUnit had;
  VectorUnit vec;
  Interconnect noc;
  Dram dram;
  Sram sram;

 private:
  sc_core::sc_trace_file* vcd_ = nullptr;
};

}  // namespace ssmsim
