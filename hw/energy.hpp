// Energy of executed operations: per-unit operation counts and memory bytes
// times the per-access energies of ArchConfig::energy (pJ), as the design
// sets them: on-chip energies scaled to area.tech_nm, the SRAM's per-byte
// energy by its capacity, the quantizer's by its mode, and static power
// from the area's leakage (docs/energy.md).
#pragma once

#include <array>

#include "config/arch_config.hpp"
#include "hw/unit_stats.hpp"

namespace ssmsim {

struct Energy {
  double compute_pj = 0;  // arithmetic of the unit (MACs, quantizer ops, ...)
  double sram_pj = 0;     // SRAM bytes read and written
  double dram_pj = 0;     // DRAM bytes read and written
  double static_pj = 0;   // static power x latency (whole run only)
  // The DRAM devices' standby and refresh power x latency (whole run only).
  double dram_background_pj = 0;
  double total_pj() const {
    return compute_pj + sram_pj + dram_pj + static_pj + dram_background_pj;
  }
  void add(const Energy& e) {
    static_pj += e.static_pj;
    dram_background_pj += e.dram_background_pj;
    compute_pj += e.compute_pj;
    sram_pj += e.sram_pj;
    dram_pj += e.dram_pj;
  }
};

// pJ per arithmetic operation of a unit (fp16_gemm: a GEMM on FP16
// operands in a w8a8 run, the SSD's).
double op_energy_pj(Unit unit, const ArchConfig& a, bool fp16_gemm = false);
// pJ per SRAM byte read or written: the 32 KiB figure grown to sram.bytes.
double sram_byte_energy_pj(const ArchConfig& a);
// Static power: the area's leakage plus energy.static_mw.
double static_power_mw(const ArchConfig& a);
// The DRAM's background power: energy.dram_channel_mw x dram.channels.
double dram_background_mw(const ArchConfig& a);

// The per-access energies of a design, computed once (a run charges
// millions of operations).
struct EnergyTable {
  EnergyTable() = default;
  explicit EnergyTable(const ArchConfig& a);
  std::array<double, kUnitCount> op_pj{};
  double fp16_gemm_pj = 0, sram_byte_pj = 0, dram_byte_pj = 0;
};

inline Energy op_energy(const OpRecord& r, const EnergyTable& t) {
  Energy e;
  const double op =
      r.unit == Unit::kGemm && r.fp16 ? t.fp16_gemm_pj : t.op_pj[static_cast<size_t>(r.unit)];
  e.compute_pj = static_cast<double>(r.arith_ops) * op;
  e.sram_pj = static_cast<double>(r.sram_read_bytes + r.sram_write_bytes) * t.sram_byte_pj;
  e.dram_pj = static_cast<double>(r.dram_read_bytes + r.dram_write_bytes) * t.dram_byte_pj;
  return e;
}

}  // namespace ssmsim
