// The safetensors reader on crafted files: every structural lie is caught
// with a message naming the file and tensor.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "common/error.hpp"
#include "io/safetensors.hpp"
#include "tests/support/craft.hpp"
#include "tests/support/temp_dir.hpp"

using namespace ssmsim;
using namespace ssmsim::test;
using ::testing::HasSubstr;

namespace {

std::map<std::string, RawTensor> two_tensors() {
  return {{"a", {"F32", {2, 2}, f32_bytes({1, 2, 3, 4})}},
          {"b", {"I32", {3}, i32_bytes({7, -8, 9})}}};
}

}  // namespace

TEST(Safetensors, ReadsValidFile) {
  TempDir dir;
  write_bytes(dir.file("ok.safetensors"), safetensors_bytes(two_tensors(), {{"k", "v"}}));
  SafetensorsFile f(dir.file("ok.safetensors"));
  ASSERT_TRUE(f.has("a"));
  EXPECT_EQ(f.get("a").shape, (std::vector<int64_t>{2, 2}));
  std::vector<float> a(4);
  f.get("a").to_float(0, 4, a.data());
  EXPECT_EQ(a, (std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ(f.get("b").to_int32(), (std::vector<int32_t>{7, -8, 9}));
  EXPECT_EQ(f.metadata().at("k"), "v");
}

TEST(Safetensors, ConvertsEveryDtype) {
  TempDir dir;
  // F16 1.5 = 0x3E00, -2 = 0xC000, smallest subnormal 0x0001 = 2^-24.
  std::vector<uint8_t> f16 = {0x00, 0x3E, 0x00, 0xC0, 0x01, 0x00};
  // BF16 1.0 = 0x3F80, -3.5 = 0xC060.
  std::vector<uint8_t> bf16 = {0x80, 0x3F, 0x60, 0xC0};
  std::vector<uint8_t> i8 = {0x7F, 0x80};
  write_bytes(dir.file("d.safetensors"),
              safetensors_bytes({{"h", {"F16", {3}, f16}},
                                 {"bf", {"BF16", {2}, bf16}},
                                 {"i8", {"I8", {2}, i8}},
                                 {"i32", {"I32", {1}, i32_bytes({-5})}}}));
  SafetensorsFile f(dir.file("d.safetensors"));
  std::vector<float> v(3);
  f.get("h").to_float(0, 3, v.data());
  EXPECT_EQ(v[0], 1.5f);
  EXPECT_EQ(v[1], -2.0f);
  EXPECT_EQ(v[2], std::ldexp(1.0f, -24));
  f.get("bf").to_float(0, 2, v.data());
  EXPECT_EQ(v[0], 1.0f);
  EXPECT_EQ(v[1], -3.5f);
  f.get("i8").to_float(0, 2, v.data());
  EXPECT_EQ(v[0], 127.0f);
  EXPECT_EQ(v[1], -128.0f);
  EXPECT_EQ(f.get("i32").to_int32(), std::vector<int32_t>{-5});
}

TEST(Safetensors, FileShorterThanEightBytes) {
  TempDir dir;
  write_bytes(dir.file("short.safetensors"), "abc");
  const auto msg = error_of([&] { SafetensorsFile f(dir.file("short.safetensors")); });
  EXPECT_THAT(msg, HasSubstr("short.safetensors"));
  EXPECT_THAT(msg, HasSubstr("shorter than the 8-byte"));
}

TEST(Safetensors, HeaderLengthPastEnd) {
  TempDir dir;
  std::string b = safetensors_bytes(two_tensors());
  const uint64_t lie = 1u << 20;
  std::memcpy(b.data(), &lie, 8);
  write_bytes(dir.file("lie.safetensors"), b);
  const auto msg = error_of([&] { SafetensorsFile f(dir.file("lie.safetensors")); });
  EXPECT_THAT(msg, HasSubstr("lie.safetensors"));
  EXPECT_THAT(msg, HasSubstr("runs past the end of the file"));
}

TEST(Safetensors, HeaderNotJson) {
  TempDir dir;
  const std::string hdr = "{not json!";
  const uint64_t n = hdr.size();
  write_bytes(dir.file("nj.safetensors"), std::string(reinterpret_cast<const char*>(&n), 8) + hdr);
  EXPECT_THAT(error_of([&] { SafetensorsFile f(dir.file("nj.safetensors")); }),
              HasSubstr("nj.safetensors: header is not valid JSON"));
}

TEST(Safetensors, UnknownDtype) {
  TempDir dir;
  write_bytes(dir.file("dt.safetensors"),
              safetensors_bytes(two_tensors(), {}, {{"a", {{"dtype", "F64"}}}}));
  const auto msg = error_of([&] { SafetensorsFile f(dir.file("dt.safetensors")); });
  EXPECT_THAT(msg, HasSubstr("tensor 'a'"));
  EXPECT_THAT(msg, HasSubstr("unknown dtype \"F64\""));
}

TEST(Safetensors, OffsetsOutOfRange) {
  TempDir dir;
  write_bytes(dir.file("oor.safetensors"),
              safetensors_bytes(two_tensors(), {}, {{"b", {{"data_offsets", {16, 4000}}}}}));
  const auto msg = error_of([&] { SafetensorsFile f(dir.file("oor.safetensors")); });
  EXPECT_THAT(msg, HasSubstr("tensor 'b'"));
  EXPECT_THAT(msg, HasSubstr("out of range"));
}

TEST(Safetensors, OffsetsOverlap) {
  TempDir dir;
  // b claims bytes 4..16, inside a's 0..16 (sizes still match the shapes).
  write_bytes(dir.file("ov.safetensors"),
              safetensors_bytes(two_tensors(), {}, {{"b", {{"data_offsets", {4, 16}}}}}));
  const auto msg = error_of([&] { SafetensorsFile f(dir.file("ov.safetensors")); });
  EXPECT_THAT(msg, HasSubstr("overlaps"));
  EXPECT_THAT(msg, HasSubstr("'a'"));
  EXPECT_THAT(msg, HasSubstr("'b'"));
}

TEST(Safetensors, OffsetsDisagreeWithShape) {
  TempDir dir;
  write_bytes(dir.file("sz.safetensors"),
              safetensors_bytes(two_tensors(), {}, {{"a", {{"shape", {2, 3}}}}}));
  const auto msg = error_of([&] { SafetensorsFile f(dir.file("sz.safetensors")); });
  EXPECT_THAT(msg, HasSubstr("tensor 'a'"));
  EXPECT_THAT(msg, HasSubstr("[2, 3] x F32 needs 24"));
}

TEST(Safetensors, MissingTensorNamed) {
  TempDir dir;
  write_bytes(dir.file("m.safetensors"), safetensors_bytes(two_tensors()));
  SafetensorsFile f(dir.file("m.safetensors"));
  EXPECT_THAT(error_of([&] { f.get("act.layers.0.ssm.u"); }),
              HasSubstr("m.safetensors: missing required tensor 'act.layers.0.ssm.u'"));
}

TEST(Safetensors, NonFiniteValuesReportedWithCountAndIndex) {
  TempDir dir;
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  write_bytes(dir.file("nan.safetensors"),
              safetensors_bytes({{"x", {"F32", {2, 3}, f32_bytes({0, 1, 2, nan, 4, inf})}}}));
  SafetensorsFile f(dir.file("nan.safetensors"));
  const auto msg = error_of([&] { f.get("x").to_float_finite(); });
  EXPECT_THAT(msg, HasSubstr("nan.safetensors: tensor 'x': 2 non-finite"));
  EXPECT_THAT(msg, HasSubstr("first at index [1, 0]"));
}

// Found by fuzz_trace: a number too large for a double in the header made
// nlohmann throw out_of_range (not parse_error) and the process abort.
TEST(Safetensors, HeaderNumberOverflowIsAnError) {
  TempDir dir;
  const std::string hdr = "999999998.99e9090nen";
  const uint64_t n = hdr.size();
  write_bytes(dir.file("big.safetensors"), std::string(reinterpret_cast<const char*>(&n), 8) + hdr);
  EXPECT_THAT(error_of([&] { SafetensorsFile f(dir.file("big.safetensors")); }),
              HasSubstr("big.safetensors: header is not valid JSON"));
  const std::string hdr2 = R"({"a": {"dtype": "F32", "shape": [1e999], "data_offsets": [0, 4]}})";
  const uint64_t n2 = hdr2.size();
  write_bytes(dir.file("big2.safetensors"),
              std::string(reinterpret_cast<const char*>(&n2), 8) + hdr2 + std::string(4, '\0'));
  EXPECT_THAT(error_of([&] { SafetensorsFile f(dir.file("big2.safetensors")); }),
              HasSubstr("big2.safetensors: header is not valid JSON"));
}
