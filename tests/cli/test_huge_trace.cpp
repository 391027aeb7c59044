// A trace of 3 GB (the bundled trace's ssm.u, each layer repeated over 1280
// batch rows) is quantized by ssmsim quant in a child process with peak
// memory far below the file size: the file is memory-mapped, processed one
// batch row at a time and released behind. Identical rows fold by EMA to the
// bundled trace's own scale, so the figures must equal the bundled ones.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "io/trace.hpp"

namespace fs = std::filesystem;
using namespace ssmsim;

namespace {

constexpr int64_t kRows = 1280;
constexpr long kPeakLimitKb = 256 * 1024;  // the stated bound: 256 MiB

std::string write_huge_trace(const std::string& path) {
  const Trace src(std::string(SSMSIM_SOURCE_DIR) +
                  "/traces/default/mamba-bytes-a-sample0.safetensors");
  const ModelDims& d = src.dims();
  const int64_t L = src.seq_len();
  nlohmann::json h;
  nlohmann::json meta = src.metadata();
  meta["batch"] = std::to_string(kRows);
  meta["source"] = "test_huge_trace: bundled sample 0 repeated";
  h["__metadata__"] = meta;
  uint64_t off = 0;
  const uint64_t tok_bytes = static_cast<uint64_t>(kRows * L * 4);
  h["act.tokens"] = {
      {"dtype", "I32"}, {"shape", {kRows, L}}, {"data_offsets", {off, off + tok_bytes}}};
  off += tok_bytes;
  const uint64_t row_bytes = static_cast<uint64_t>(L * d.d_inner * 2);
  for (int64_t l = 0; l < d.n_layer; ++l) {
    h[Trace::layer_name(l, "ssm.u")] = {{"dtype", "F16"},
                                        {"shape", {kRows, L, d.d_inner}},
                                        {"data_offsets", {off, off + row_bytes * kRows}}};
    off += row_bytes * kRows;
  }
  std::string hdr = h.dump();
  while (hdr.size() % 8) hdr += ' ';
  std::ofstream out(path, std::ios::binary);
  const uint64_t n = hdr.size();
  out.write(reinterpret_cast<const char*>(&n), 8);
  out << hdr;
  const std::vector<char> tokens(tok_bytes, 0);
  out.write(tokens.data(), static_cast<std::streamsize>(tokens.size()));
  for (int64_t l = 0; l < d.n_layer; ++l) {
    const TensorView& u = src.layer(l, "ssm.u");
    for (int64_t r = 0; r < kRows; ++r) {
      out.write(reinterpret_cast<const char*>(u.data), static_cast<std::streamsize>(row_bytes));
    }
  }
  return out ? "" : "write failed";
}

}  // namespace

TEST(HugeTrace, QuantStreamsWithBoundedMemory) {
  const fs::path dir = fs::temp_directory_path() / ("ssmsim-huge-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  struct statvfs sv {};
  ASSERT_EQ(::statvfs(dir.c_str(), &sv), 0);
  const double free_gb = static_cast<double>(sv.f_bavail) * sv.f_frsize / 1e9;
  if (free_gb < 4.0) {
    fs::remove_all(dir);
    GTEST_SKIP() << "needs 4 GB free in " << dir << ", have " << free_gb << " GB";
  }
  const std::string trace = (dir / "huge.safetensors").string();
  ASSERT_EQ(write_huge_trace(trace), "");
  const auto size = fs::file_size(trace);
  EXPECT_GT(size, 3'000'000'000u);

  const std::string out = (dir / "out").string();
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::execl(SSMSIM_BINARY, SSMSIM_BINARY, "quant", "--trace", trace.c_str(), "--quantizer", "int8",
            "--out", out.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  struct rusage ru {};
  ASSERT_EQ(::wait4(pid, &status, 0, &ru), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  std::cout << "file " << size / 1e9 << " GB, peak RSS " << ru.ru_maxrss / 1024 << " MiB\n";
  EXPECT_LT(ru.ru_maxrss, kPeakLimitKb) << "peak RSS in KiB";

  std::ifstream in(out + "/quant.json");
  const auto j = nlohmann::json::parse(in);
  EXPECT_EQ(j["layers"][0]["elements"], kRows * 256 * 768);
  EXPECT_NEAR(j["layers"][0]["scale"].get<double>(), 0.030235, 5e-7);
  EXPECT_NEAR(j["layers"][0]["quantizers"]["int8"]["sqnr_db"].get<double>(), 33.52, 0.01);
  EXPECT_NEAR(j["layers"][5]["quantizers"]["int8"]["sqnr_db"].get<double>(), 31.66, 0.01);
  fs::remove_all(dir);
}
