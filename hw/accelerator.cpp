#include "hw/accelerator.hpp"

#include "common/error.hpp"

namespace ssmsim {

Accelerator::Accelerator(sc_core::sc_module_name name, const ArchConfig& cfg, Datapath& datapath,
                         const TraceWindow* window, OpSink* sink)
    : sc_module(name),
      // The analytic DRAM and the SRAM serve stream transactions; the
      // DRAMSys bridge takes one request at a time, in kernel time.
      unit_ctx_{cfg.clock_period_ns(), sink ? sink : &log_, window, &datapath,
                cfg.dram.model == DramModel::kAnalytic},
      // Each unit takes its own part of the configuration.
      gemm("gemm", cfg.gemm, cfg.fp16(), unit_ctx_),
      quant("quant", cfg.quantizer, unit_ctx_),
      scan("scan", cfg.scan, unit_ctx_),
      had("hadamard", cfg.hadamard, unit_ctx_),
      vec("vector", cfg.vector, unit_ctx_),
      noc("noc"),
      sram("sram", cfg.sram, cfg.clock_period_ns(), window) {
  quant.quant2scan.bind(scan.quant2scan);
  quant.quant2gemm.bind(gemm.quant2gemm);
  for (UnitBase* u : units()) {
    u->mem_initiator.bind(noc.units2noc);
  }
  if (cfg.dram.model == DramModel::kDramsys) {
#ifdef SSMSIM_HAVE_DRAMSYS
    dramsys = std::make_unique<DramsysMemory>("dram", cfg.dram, window);
    noc.noc2dram.bind(dramsys->noc2dram);
#else
    throw Error(std::string("dram.model = dramsys: this build has no DRAMSys: ") +
                no_dramsys_reason());
#endif
  } else {
    dram = std::make_unique<Dram>("dram", cfg.dram, window);
    noc.noc2dram.bind(dram->noc2dram);
  }
  noc.noc2sram.bind(sram.noc2sram);
}

Accelerator::~Accelerator() { close_vcd(); }

void Accelerator::bind_driver(const std::array<tlm::tlm_initiator_socket<>*, kUnitCount>& s) {
  const auto targets = units();  // Unit order, as the sockets
  for (size_t u = 0; u < targets.size(); ++u) s[u]->bind(targets[u]->ctrl_target);
}

void Accelerator::open_vcd(const std::string& path_without_ext) {
  vcd_ = sc_core::sc_create_vcd_trace_file(path_without_ext.c_str());
  // 1 ns resolution in the file (set before SystemC reports its default).
  vcd_->set_time_unit(1, sc_core::SC_NS);
  gemm.trace(vcd_);
  quant.trace_signals(vcd_);
  scan.trace_signals(vcd_);
  had.trace(vcd_);
  vec.trace(vcd_);
  if (dram) dram->trace(vcd_);
  if (dramsys) dramsys->trace(vcd_);
  sram.trace(vcd_);
}

void Accelerator::close_vcd() {
  if (vcd_ != nullptr) {
    sc_core::sc_close_vcd_trace_file(vcd_);
    vcd_ = nullptr;
  }
}

}  // namespace ssmsim
