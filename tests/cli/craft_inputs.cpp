// Writes the crafted bad inputs the CLI tests run ssmsim on (CTest fixture).
#include <cstring>
#include <filesystem>
#include <iostream>
#include <limits>

#include "tests/support/craft.hpp"

using namespace ssmsim::test;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: craft_inputs DIR\n";
    return 2;
  }
  const std::string dir = argv[1];
  std::filesystem::create_directories(dir);
  const TinyTrace tiny;
  auto f = [&](const std::string& n) { return dir + "/" + n; };
  write_bytes(f("good.safetensors"), tiny.bytes());
  write_bytes(f("short.safetensors"), "abcd");
  std::string lie = tiny.bytes();
  const uint64_t big = uint64_t(1) << 40;
  std::memcpy(lie.data(), &big, 8);
  write_bytes(f("header-past-end.safetensors"), lie);
  const std::string junk = "[[[ this is not json";
  const uint64_t n = junk.size();
  write_bytes(f("not-json.safetensors"), std::string(reinterpret_cast<const char*>(&n), 8) + junk);
  const auto t = tiny.tensors();
  const auto m = tiny.metadata();
  write_bytes(f("unknown-dtype.safetensors"),
              safetensors_bytes(t, m, {{"act.layers.0.ssm.u", {{"dtype", "F8_E4M3"}}}}));
  write_bytes(f("offsets-out-of-range.safetensors"),
              safetensors_bytes(t, m, {{"act.layers.1.ssm.u", {{"data_offsets", {0, 1 << 30}}}}}));
  // Overlap: point ssm.u of layer 0 at the bytes of act.layers.0.mixer.in's
  // neighbour while keeping its size right.
  write_bytes(f("offsets-overlap.safetensors"),
              safetensors_bytes(t, m, {{"act.layers.0.ssm.u", {{"data_offsets", {0, 96}}}}}));
  write_bytes(f("offsets-size-mismatch.safetensors"),
              safetensors_bytes(t, m, {{"act.layers.0.ssm.u", {{"shape", {1, 3, 9}}}}}));
  auto missing = t;
  missing.erase("act.layers.1.ssm.u");
  write_bytes(f("missing-tensor.safetensors"), safetensors_bytes(missing, m));
  auto meta = m;
  meta["d_inner"] = "16";
  write_bytes(f("dims-disagree.safetensors"), safetensors_bytes(t, meta));
  auto nan = t;
  std::vector<float> v(24, 0.5f);
  v[13] = std::numeric_limits<float>::quiet_NaN();
  v[20] = std::numeric_limits<float>::infinity();
  nan["act.layers.1.ssm.u"].bytes = f32_bytes(v);
  write_bytes(f("nan.safetensors"), safetensors_bytes(nan, m));
  // A checkpoint whose config.json lacks state_size.
  std::filesystem::create_directories(f("model-no-state-size"));
  write_bytes(f("model-no-state-size/config.json"),
              R"({"hidden_size": 4, "intermediate_size": 8, "num_hidden_layers": 1,
                  "conv_kernel": 4, "time_step_rank": 1, "vocab_size": 3,
                  "layer_norm_epsilon": 1e-5})");
  // Multicycle: one layer, d_inner 8, two tokens; with --percentile 100 the
  // scale is 127/127 = 1 and vectors of 4 hold 4, 1, 0, 2 small values.
  TinyTrace mc;
  mc.n_layer = 1;
  mc.seq_len = 2;
  auto mct = mc.tensors();
  mct["act.layers.0.ssm.u"].bytes =
      f32_bytes({1, 2, 3, 4, 20, 30, 1, 40, 20, 30, 40, 50, 1, 2, 60, 127});
  write_bytes(f("multicycle.safetensors"), safetensors_bytes(mct, mc.metadata()));
  // Calibration texts: a one-byte text is a sample, an empty one is not.
  write_bytes(f("calib-short.jsonl"),
              "{\"text\": \"Hello\"}\n{\"text\": \"\"}\n{\"text\": \"x\"}\n");
  // Architecture files.
  write_bytes(f("arch-unknown-key.json"), R"({"version": 1, "gemm": {"rowz": 4}})");
  write_bytes(f("arch-zero-lanes.json"), R"({"version": 1, "scan": {"lanes": 0}})");
  write_bytes(f("arch-clock.json"), R"({"version": 1, "clock_mhz": -5})");
  write_bytes(f("arch-no-version.json"), R"({"gemm": {"rows": 8}})");
  write_bytes(
      f("arch-ok.json"),
      R"({"version": 1, "name": "small", "gemm": {"rows": 16, "cols": 16, "dataflow": "ws"}})");
  return 0;
}
