#include "hw/accelerator.hpp"

namespace ssmsim {

Accelerator::Accelerator(sc_core::sc_module_name name, const ArchConfig& cfg, const RunPlan& plan,
                         const TraceWindow* window)
    : sc_module(name),
      controller("controller", cfg, plan),
      gemm("gemm", cfg, &log_, window),
      quant("quant", cfg, &log_, window),
      scan("scan", cfg, &log_, window),
      had("hadamard", cfg, &log_, window),
      vec("vector", cfg, &log_, window),
      noc("noc"),
      dram("dram", cfg.dram, window),
      sram("sram", cfg.sram, cfg.clock_period_ns()) {
  controller.ctrl2gemm.bind(gemm.ctrl_target);
  controller.ctrl2quant.bind(quant.ctrl_target);
  controller.ctrl2scan.bind(scan.ctrl_target);
  controller.ctrl2had.bind(had.ctrl_target);
  controller.ctrl2vec.bind(vec.ctrl_target);
  quant.quant2scan.bind(scan.quant2scan);
  quant.quant2gemm.bind(gemm.quant2gemm);
  for (UnitBase* u : std::vector<UnitBase*>{&gemm, &quant, &scan, &had, &vec}) {
    u->mem_initiator.bind(noc.units2noc);
  }
  noc.noc2dram.bind(dram.noc2dram);
  noc.noc2sram.bind(sram.noc2sram);
}

Accelerator::~Accelerator() { close_vcd(); }

void Accelerator::open_vcd(const std::string& path_without_ext) {
  vcd_ = sc_core::sc_create_vcd_trace_file(path_without_ext.c_str());
  // 1 ns resolution in the file (set before SystemC reports its default).
  vcd_->set_time_unit(1, sc_core::SC_NS);
  gemm.trace(vcd_);
  quant.trace_signals(vcd_);
  scan.trace_signals(vcd_);
  had.trace(vcd_);
  vec.trace(vcd_);
  dram.trace(vcd_);
}

void Accelerator::close_vcd() {
  if (vcd_ != nullptr) {
    sc_core::sc_close_vcd_trace_file(vcd_);
    vcd_ = nullptr;
  }
}

}  // namespace ssmsim
