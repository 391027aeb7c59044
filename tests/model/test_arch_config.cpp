// Architecture config: the preset file equals the built-in defaults, JSON
// and --set go through one table, and bad keys or values name their path.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "model/arch_config.hpp"
#include "model/numeric/error.hpp"

using namespace ssmsim;
using ::testing::HasSubstr;

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(ArchConfig, PresetFileEqualsBuiltIn) {
  ArchConfig file;
  file.load_file(std::string(SSMSIM_SOURCE_DIR) + "/workloads/arch/default.json");
  EXPECT_EQ(file.to_json(), ArchConfig().to_json());
}

TEST(ArchConfig, JsonAndSetOverride) {
  ArchConfig c;
  c.load_json(nlohmann::json::parse(R"({"version": 1, "gemm": {"rows": 8, "dataflow": "ws"},
      "dram": {"bandwidth_gbps": 68}})"),
              "x.json");
  EXPECT_EQ(c.gemm.rows, 8);
  EXPECT_EQ(c.gemm.dataflow, Dataflow::kWeightStationary);
  EXPECT_EQ(c.dram.bandwidth_gbps, 68.0);
  c.set("quantizer.mode=se-authors");
  c.set("quantizer.multicycle=true");
  c.set("clock_mhz=1500");
  EXPECT_EQ(c.quantizer.mode, "se-authors");
  EXPECT_TRUE(c.quantizer.multicycle);
  EXPECT_EQ(c.clock_mhz, 1500.0);
  EXPECT_EQ(c.to_json()["gemm"]["dataflow"], "ws");
}

TEST(ArchConfig, RejectsWithKeyPath) {
  ArchConfig c;
  auto load = [&](const char* j) { c.load_json(nlohmann::json::parse(j), "a.json"); };
  EXPECT_THAT(error_of([&] { load(R"({"gemm": {"rows": 0}})"); }),
              HasSubstr("a.json: gemm.rows = 0: out of range"));
  EXPECT_THAT(error_of([&] { load(R"({"gemm": {"rows": 2.5}})"); }),
              HasSubstr("gemm.rows = 2.5: expected an integer"));
  EXPECT_THAT(error_of([&] { load(R"({"vector": {"lanez": 3}})"); }),
              HasSubstr("unknown key 'vector.lanez'"));
  EXPECT_THAT(error_of([&] { load(R"({"cache": {"bytes": 3}})"); }),
              HasSubstr("unknown key 'cache'"));
  EXPECT_THAT(error_of([&] { load(R"({"clock_mhz": 0})"); }), HasSubstr("clock_mhz = 0"));
  EXPECT_THAT(error_of([&] { load(R"({"dram": {"bandwidth_gbps": -1}})"); }),
              HasSubstr("dram.bandwidth_gbps = -1"));
  EXPECT_THAT(error_of([&] { load(R"({"version": 2})"); }), HasSubstr("version = 2: expected 1"));
  EXPECT_THAT(error_of([&] { c.set("quantizer.mode=fp8"); }),
              HasSubstr("quantizer.mode = \"fp8\": expected one of int8 | se | se-authors"));
  EXPECT_THAT(error_of([&] { c.set("nonsense"); }), HasSubstr("expected key.path=value"));
}
