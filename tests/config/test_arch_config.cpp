// Architecture config: the preset file equals the built-in defaults, JSON
// and --set go through one table, and bad keys or values name their path.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "common/error.hpp"
#include "common/json_text.hpp"
#include "config/arch_config.hpp"

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
  const std::string path = std::string(SSMSIM_SOURCE_DIR) + "/workloads/arch/default.json";
  ArchConfig file;
  file.load_file(path);
  EXPECT_EQ(file.to_json(), ArchConfig().to_json());
  // Written out in full: every key, the defaults' values, nothing else.
  std::ifstream in(path);
  EXPECT_EQ(nlohmann::ordered_json::parse(in), ArchConfig().to_json());
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
  EXPECT_EQ(c.quantizer.mode, quant::QuantKind::kSeAuthors);
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

// Found by fuzz_arch_config: a --set value with invalid UTF-8 made the error
// message's JSON dump throw and the process abort.
TEST(ArchConfig, InvalidUtf8ValueIsAnErrorNotACrash) {
  ArchConfig c;
  const std::string bad("quantizer.mode=se-au\x01\x00\x7f\xfd\xca\xc0\xf4\x1athors\n", 35);
  EXPECT_THAT(error_of([&] { c.set(bad); }), HasSubstr("quantizer.mode = "));
  // A free-text name may hold any bytes; writing the config must not throw.
  c.set(std::string("name=\xff\xfe"));
  EXPECT_NO_THROW((void)json_text(c.to_json(), 2));
  EXPECT_THAT(error_of([&] { c.set(std::string("gemm.dataflow=\xff")); }),
              HasSubstr("expected one of os | ws"));
}

// Found by fuzz_arch_config: --set with a number beyond a double's range.
TEST(ArchConfig, NumberOverflowIsAnErrorNotACrash) {
  ArchConfig c;
  EXPECT_THAT(error_of([&] { c.set("clock_mhz=1e99999"); }), HasSubstr("clock_mhz"));
  EXPECT_THAT(error_of([&] { c.set("quantizer.mode=5555555500000000e000000385122533"); }),
              HasSubstr("quantizer.mode"));
  EXPECT_THAT(error_of([&] {
                c.load_json(nlohmann::json::parse(R"({"gemm": {"rows": 99999999999999999999}})"),
                            "a.json");
              }),
              HasSubstr("gemm.rows"));
}

// Every number of the built-in architecture says where it comes from, and a
// changed number loses the source of the value it replaced.
TEST(ArchConfig, EveryDefaultNumberHasASourceAndChangesReplaceIt) {
  ArchConfig c;
  const nlohmann::ordered_json j = c.to_json();
  for (const auto& g : j.items()) {
    if (g.key() == "version" || g.key() == "name" || g.key() == "sources") continue;
    if (!g.value().is_object()) {
      EXPECT_TRUE(c.sources.count(g.key())) << g.key();
      continue;
    }
    for (const auto& k : g.value().items())
      EXPECT_TRUE(c.sources.count(g.key() + "." + k.key())) << g.key() << "." << k.key();
  }
  c.set("gemm.rows=64");
  EXPECT_EQ(c.sources["gemm.rows"], "--set on the command line");
  const std::string cols = c.sources["gemm.cols"];
  c.set("gemm.cols=32");  // unchanged: keeps its source
  EXPECT_EQ(c.sources["gemm.cols"], cols);
  c.load_json(nlohmann::json::parse(R"({"version": 1, "dram": {"bandwidth_gbps": 10}})"),
              "mine.json");
  EXPECT_EQ(c.sources["dram.bandwidth_gbps"], "set by mine.json");
}

// Issue 39: a file that misspells a key and lacks "version" names the typo
// (what the user must fix) before the version; with every key right, the
// missing version is the error, and nothing of a failed file is applied.
TEST(ArchConfig, FileTypoBeforeMissingVersion) {
  const std::string path = ::testing::TempDir() + "arch-no-version.json";
  std::ofstream(path) << R"({"gemm": {"rowz": 64}})";
  ArchConfig c;
  EXPECT_THAT(error_of([&] { c.load_file(path); }), HasSubstr("unknown key 'gemm.rowz'"));
  std::ofstream(path) << R"({"gemm": {"rows": 64}})";
  EXPECT_THAT(error_of([&] { c.load_file(path); }), HasSubstr("missing key 'version'"));
  EXPECT_EQ(c.gemm.rows, ArchConfig().gemm.rows);
}
