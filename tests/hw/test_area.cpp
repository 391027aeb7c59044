// The area model and the design-dependent energy (docs/area.md,
// docs/energy.md): hand-computed areas, and the relations a design-space
// sweep relies on: a bigger array, more lanes or a larger SRAM cost area
// and static power; a larger SRAM costs energy per access; the soft-edge
// stage costs more than the INT8 one; the technology rule.
#include <gtest/gtest.h>

#include "hw/area.hpp"
#include "hw/energy.hpp"

using namespace ssmsim;

namespace {
ArchConfig with(const std::string& assignment) {
  ArchConfig a;
  a.set(assignment);
  return a;
}
}  // namespace

TEST(Area, DefaultIsItsHandComputedSum) {
  const ArchConfig a;
  const AreaBreakdown b = area_of(a);
  // 32 x 32 PEs of an INT8 MAC (282 + 137 um2) and half an FP16 MAC
  // (1640 + 4184 um2); 32 se lanes, synthesized: (33270 + 2382)
  // transistors / 4 x 0.798 um2 (docs/quantizer-rtl.md); 64 scan lanes of 4
  // FP32 multiplies and 2 adds; 32 butterflies of 2 FP16 adds; the vector
  // lanes of an FP16 multiply and add; 2 MiB at 6.5 mm2/MiB.
  EXPECT_DOUBLE_EQ(b.gemm_mm2, 1024 * (419 + 0.5 * 5824) * 1e-6);
  EXPECT_NEAR(b.quant_mm2, 32 * 35652 / 4.0 * 0.798 * 1e-6, 1e-12);
  EXPECT_DOUBLE_EQ(b.scan_mm2, 64 * (4 * 7700 + 2 * 4184) * 1e-6);
  EXPECT_DOUBLE_EQ(b.hadamard_mm2, 32 * 2 * 1360 * 1e-6);
  EXPECT_DOUBLE_EQ(b.vector_mm2, static_cast<double>(a.vector.lanes) * 3000 * 1e-6);
  EXPECT_DOUBLE_EQ(b.sram_mm2, 2 * 6.5);
  // NanGate 45 nm typical: AND2_X1's 25.066 nW in 1.064 um2, to 4 digits.
  EXPECT_DOUBLE_EQ(static_power_mw(a), 23.56 * b.total_mm2());
  EXPECT_NEAR(23.56, 25.066064 / 1.064, 0.005);
}

// The DRAM's standby and refresh power: per channel (the derivation from
// the LPDDR4 datasheet's currents, tools/dram_energy.py) x channels; not
// part of the chip's static power, and not scaled by the chip's node.
TEST(Area, DramBackgroundIsPerChannel) {
  ArchConfig a;
  EXPECT_DOUBLE_EQ(dram_background_mw(a), 8 * 43.61);
  a.set("dram.channels=16");
  EXPECT_DOUBLE_EQ(dram_background_mw(a), 16 * 43.61);
  const double chip = static_power_mw(a);
  a.set("dram.channels=2");
  EXPECT_DOUBLE_EQ(static_power_mw(a), chip);
  a.set("area.tech_nm=7");
  EXPECT_DOUBLE_EQ(dram_background_mw(a), 2 * 43.61);
}

// Study 1's arrays: each size up costs area and static power.
TEST(Area, BiggerArraysCostAreaAndStaticPower) {
  double last_area = 0, last_mw = 0;
  for (int n : {16, 32, 64, 128}) {
    ArchConfig a;
    a.set("gemm.rows=" + std::to_string(n));
    a.set("gemm.cols=" + std::to_string(n));
    const double area = area_of(a).total_mm2(), mw = static_power_mw(a);
    EXPECT_GT(area, last_area) << n;
    EXPECT_GT(mw, last_mw) << n;
    last_area = area, last_mw = mw;
  }
  for (const char* key : {"quantizer.lanes", "scan.lanes", "hadamard.lanes", "vector.lanes"}) {
    EXPECT_GT(area_of(with(std::string(key) + "=128")).total_mm2(),
              area_of(with(std::string(key) + "=16")).total_mm2())
        << key;
  }
}

TEST(Area, LargerSramCostsAreaAndEnergyPerAccess) {
  double last_area = 0, last_pj = 0;
  for (int mib : {1, 2, 4, 16}) {
    const ArchConfig a = with("sram.bytes=" + std::to_string(mib << 20));
    EXPECT_GT(area_of(a).sram_mm2, last_area) << mib;
    EXPECT_GT(sram_byte_energy_pj(a), last_pj) << mib;
    last_area = area_of(a).sram_mm2, last_pj = sram_byte_energy_pj(a);
  }
  // Horowitz's two points: 32 KB at the table's figure, 1 MB at 5x (100
  // pJ against 20 per 64 bits), to the rounding of the exponent.
  EXPECT_DOUBLE_EQ(sram_byte_energy_pj(with("sram.bytes=32768")), 2.5);
  EXPECT_NEAR(sram_byte_energy_pj(with("sram.bytes=1048576")), 12.5, 0.05);
}

TEST(Area, SoftEdgeCostsMoreThanInt8AndFp16HasNoQuantizer) {
  const ArchConfig se, int8 = with("quantizer.mode=int8"), fp16 = with("precision=fp16"),
                       authors = with("quantizer.mode=se-authors");
  EXPECT_GT(area_of(se).quant_mm2, area_of(int8).quant_mm2);
  EXPECT_GT(area_of(authors).quant_mm2, area_of(se).quant_mm2);
  // The synthesis' transistor differences (2382 and 71234) in NAND2_X1s.
  EXPECT_NEAR(area_of(se).quant_mm2 - area_of(int8).quant_mm2, 32 * 2382 / 4.0 * 0.798 * 1e-6,
              1e-12);
  EXPECT_NEAR(area_of(authors).quant_mm2 - area_of(int8).quant_mm2, 32 * 71234 / 4.0 * 0.798 * 1e-6,
              1e-12);
  EXPECT_GT(op_energy_pj(Unit::kQuant, se), op_energy_pj(Unit::kQuant, int8));
  EXPECT_NEAR(op_energy_pj(Unit::kQuant, se) - op_energy_pj(Unit::kQuant, int8), 0.0859, 1e-12);
  EXPECT_NEAR(op_energy_pj(Unit::kQuant, authors) - op_energy_pj(Unit::kQuant, int8), 2.5693,
              1e-12);
  EXPECT_EQ(area_of(fp16).quant_mm2, 0.0);
  EXPECT_EQ(area_of(fp16).hadamard_mm2, 0.0);
}

TEST(Area, TechnologyScalesAreaBySquareAndEnergyLinearly) {
  const ArchConfig n45, n7 = with("area.tech_nm=7");
  const double f = 7.0 / 45.0;
  EXPECT_NEAR(area_of(n7).total_mm2(), area_of(n45).total_mm2() * f * f, 1e-12);
  EXPECT_NEAR(op_energy_pj(Unit::kGemm, n7), op_energy_pj(Unit::kGemm, n45) * f, 1e-15);
  EXPECT_NEAR(sram_byte_energy_pj(n7), sram_byte_energy_pj(n45) * f, 1e-12);
  // DRAM is off chip: its energy per byte does not follow the logic node.
  EXPECT_EQ(n7.energy.dram_byte_pj, n45.energy.dram_byte_pj);
}
