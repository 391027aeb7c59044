// DRAMSys under the probe (one elaboration): the default architecture's
// LPDDR4 at 4000 MT/s. Bounds derived by hand from the spec's timings at
// tCK = 500 ps (JEDEC_1Gbx16_LPDDR4-4266's cycles x 469 / 500, rounded up):
// RCD 37, RL 34, RPPB 37, RFCAB 762, REFI 7825 cycles; a 64-byte read is
// one BL32 burst of 16 cycles on a x16 channel.
#include <gtest/gtest.h>

#include "sim/dram_calibration.hpp"

using namespace ssmsim;

namespace {

TEST(DramCalibration, DefaultLpddr4WithinTheSpecsBounds) {
  const ArchConfig arch;
  const DramCalibration c = calibrate_dram(arch.dram);
  const double tck = 0.5;  // ns
  // An isolated read of a closed row: ACT, RCD, RD, RL, the burst; a row
  // conflict adds a precharge; the controller and arbiter add cycles.
  const double row_miss = (37 + 34 + 16) * tck;
  const double row_conflict = row_miss + 37 * tck;
  const double transfer = 64 / c.peak_gbps;
  EXPECT_GE(c.latency_ns + transfer, row_miss);
  EXPECT_LE(c.latency_ns + transfer, row_conflict + 20 * tck);
  // A stream never beats the peak less the all-bank refresh's share of time
  // (RFCAB / REFI), and the bank-interleaved mapping keeps it near that.
  const double refresh_bound = 1.0 - 762.0 / 7825.0;
  for (double e : {c.read_efficiency, c.write_efficiency}) {
    EXPECT_LE(e, refresh_bound);
    EXPECT_GE(e, 0.8);
  }
  ASSERT_EQ(c.patterns.size(), 6u);
  for (const auto& p : c.patterns) {
    EXPECT_GT(p.time_ns, 0) << p.name;
    if (p.name == "strided_read") {
      // 1 KiB per row opened: between the random reads and the streams.
      EXPECT_LT(p.efficiency, c.read_efficiency);
    }
    if (p.name == "random_read") {
      // Every read pays a row activation: far below the streams.
      EXPECT_LT(p.efficiency, c.read_efficiency / 2);
    }
  }
}

}  // namespace
