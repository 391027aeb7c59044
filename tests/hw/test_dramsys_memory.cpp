// The DRAMSys memory's configuration, derived from the dram.* keys: data
// rate and clock from the bandwidth, timings kept in ns (cycles rounded up)
// or in cycles, the address mapping's capacity, the window folding, and
// the errors for what DRAMSys cannot model. Hand-derived from the JEDEC
// specs DRAMSys ships (their tCK and cycle counts are quoted below).
#include <gtest/gtest.h>

#include <cmath>

#include "common/error.hpp"
#include "hw/address_map.hpp"
#include "hw/dramsys_memory.hpp"

using namespace ssmsim;

namespace {

DramConfig lpddr4(double gbps, int64_t channels) {
  DramConfig c;
  c.model = DramModel::kDramsys;
  c.standard = DramStandard::kLpddr4;
  c.channels = channels;
  c.bandwidth_gbps = gbps;
  return c;
}

unsigned timing(const DramsysSetup& s, const char* key) {
  return s.config.at("memspec").at("memtimingspec").at(key).get<unsigned>();
}

TEST(DramsysSetup, EdgeLpddr4RateAndTimings) {
  // 68 GB/s over 8 x16 channels = 16 bytes per beat: 4250 MT/s, tCK =
  // 2e6 / 4250 = 470.6 -> 471 ps. JEDEC_1Gbx16_LPDDR4-4266: tCK 469 ps,
  // RCD 39, RL 36, RFCAB 812, REFI 8341 cycles; CCD 8.
  const DramsysSetup s = dramsys_setup(lpddr4(68, 8));
  EXPECT_EQ(s.tck_ps, 471u);
  EXPECT_NEAR(s.rate_mtps, 2e6 / 471, 1e-9);
  EXPECT_NEAR(s.peak_gbps, 2e6 / 471 * 16 / 1e3, 1e-9);
  EXPECT_EQ(s.channel_bytes, 2u);
  EXPECT_EQ(timing(s, "tCK"), 471u);
  EXPECT_EQ(timing(s, "RCD"), static_cast<unsigned>(std::ceil(39.0 * 469 / 471)));  // 39
  EXPECT_EQ(timing(s, "RL"), static_cast<unsigned>(std::ceil(36.0 * 469 / 471)));   // 36
  EXPECT_EQ(timing(s, "RFCAB"), static_cast<unsigned>(std::ceil(812.0 * 469 / 471)));
  EXPECT_EQ(timing(s, "CCD"), 8u);  // burst cycles stay
  EXPECT_EQ(s.config.at("memspec").at("memarchitecturespec").at("nbrOfChannels").get<int>(), 8);
  // Byte 1 + column 10 + channel 3 + bank 3 + row 17 bits = 34: 16 GiB.
  EXPECT_EQ(s.capacity_bytes, uint64_t(1) << 34);
  EXPECT_EQ(s.channel_shift, 1u + 5u);  // 64-byte interleave
  EXPECT_NE(s.text.find("timings kept in ns"), std::string::npos);
  EXPECT_DOUBLE_EQ(s.refresh_share, static_cast<double>(timing(s, "RFCAB")) / timing(s, "REFI"));
}

TEST(DramsysSetup, LowerRateScalesNsTimingsDown) {
  // 64 GB/s: 4000 MT/s, tCK 500 ps; RCD 39 x 469 / 500 = 36.58 -> 37.
  const DramsysSetup s = dramsys_setup(lpddr4(64, 8));
  EXPECT_EQ(s.tck_ps, 500u);
  EXPECT_NEAR(s.peak_gbps, 64.0, 1e-9);
  EXPECT_EQ(timing(s, "RCD"), 37u);
  EXPECT_EQ(timing(s, "REFI"), static_cast<unsigned>(std::ceil(8341.0 * 469 / 500)));
  EXPECT_EQ(timing(s, "CCD"), 8u);
}

TEST(DramsysSetup, CloudHbm2) {
  // 614 GB/s over 16 HBM2 channels of 2 x 64 bit: 2398.4 MT/s, tCK 834 ps
  // (HBM2.json: 1000 ps, RCDRD 12, CCDL 3).
  DramConfig c = lpddr4(614, 16);
  c.standard = DramStandard::kHbm2;
  const DramsysSetup s = dramsys_setup(c);
  EXPECT_EQ(s.channel_bytes, 16u);
  EXPECT_EQ(s.tck_ps, 834u);
  EXPECT_NEAR(s.peak_gbps, 2e6 / 834 * 256 / 1e3, 1e-9);
  EXPECT_EQ(timing(s, "RCDRD"), static_cast<unsigned>(std::ceil(12.0 * 1000 / 834)));  // 15
  EXPECT_EQ(timing(s, "CCDL"), 3u);
  EXPECT_TRUE(s.config.at("addressmapping").contains("PSEUDOCHANNEL_BIT"));
}

TEST(DramsysSetup, Errors) {
  try {
    dramsys_setup(lpddr4(64, 6));
    FAIL() << "6 channels accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("dram.channels = 6"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("power of two"), std::string::npos) << e.what();
  }
  try {
    dramsys_setup(lpddr4(614, 8));  // 38375 MT/s LPDDR4
    FAIL() << "an impossible rate accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("dram.bandwidth_gbps = 614"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("MT/s"), std::string::npos) << e.what();
  }
}

TEST(DramsysSetup, WindowsFoldIntoQuarters) {
  const uint64_t cap = uint64_t(1) << 34, q = cap / 4;
  EXPECT_EQ(dramsys_address(0, cap), 0u);
  EXPECT_EQ(dramsys_address(q + 64, cap), 64u);  // weights past their quarter wrap
  const uint64_t act = dram_window_base(DramWindow::kActivations);
  EXPECT_EQ(dramsys_address(act + 128, cap), 2 * q + 128);
  EXPECT_EQ(dramsys_address(dram_window_base(DramWindow::kState), cap), 3 * q);
  EXPECT_EQ(dramsys_address(dram_window_base(DramWindow::kLogits) + 5, cap), q + 5);
}

}  // namespace
