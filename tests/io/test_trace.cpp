// ssm-trace v1 on crafted and real files: metadata and shape checks.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "io/trace.hpp"
#include "tests/support/craft.hpp"
#include "tests/support/temp_dir.hpp"

using namespace ssmsim;
using namespace ssmsim::test;
using ::testing::HasSubstr;

namespace {

// The error of opening a trace written from these tensors and metadata.
template <class Tensors, class Meta>
std::string trace_error(TempDir& dir, const std::string& name, const Tensors& tensors,
                        const Meta& meta) {
  write_bytes(dir.file(name), safetensors_bytes(tensors, meta));
  return error_of([&] { Trace t(dir.file(name)); });
}

// The same with one metadata key of a tiny trace changed (nullptr: removed).
template <class Tiny>
std::string metadata_error(TempDir& dir, const Tiny& tiny, const char* key, const char* value) {
  auto meta = tiny.metadata();
  if (value == nullptr) {
    meta.erase(key);
  } else {
    meta[key] = value;
  }
  return trace_error(dir, "bad.safetensors", tiny.tensors(), meta);
}

}  // namespace

TEST(Trace, ReadsTinyTrace) {
  TempDir dir;
  TinyTrace tiny;
  write_bytes(dir.file("t.safetensors"), tiny.bytes());
  Trace t(dir.file("t.safetensors"));
  EXPECT_EQ(t.dims().n_layer, 2);
  EXPECT_EQ(t.dims().d_inner, 8);
  EXPECT_EQ(t.seq_len(), 3);
  EXPECT_EQ(t.layer(1, "ssm.u").shape, (std::vector<int64_t>{1, 3, 8}));
  EXPECT_EQ(t.tokens(), std::vector<int32_t>(3, 65));
}

TEST(Trace, MetadataDimsDisagreeWithShape) {
  TempDir dir;
  TinyTrace tiny;
  auto meta = tiny.metadata();
  meta["d_inner"] = "16";  // tensors stay 8 wide
  const auto msg = trace_error(dir, "dims.safetensors", tiny.tensors(), meta);
  EXPECT_THAT(msg, HasSubstr("dims.safetensors: tensor 'act.layers.0."));
  EXPECT_THAT(msg, HasSubstr("disagrees with the metadata, which imply [1, 3, 16]"));
}

TEST(Trace, BadMetadata) {
  TempDir dir;
  TinyTrace tiny;
  EXPECT_THAT(metadata_error(dir, tiny, "d_state", nullptr),
              HasSubstr("bad.safetensors: __metadata__ misses required key 'd_state'"));
  EXPECT_THAT(metadata_error(dir, tiny, "version", "2"),
              HasSubstr("__metadata__.version = '2', expected '1'"));
  EXPECT_THAT(metadata_error(dir, tiny, "seq_len", "3x"),
              HasSubstr("__metadata__.seq_len = '3x': expected a decimal integer"));
}

TEST(Trace, LayerIndexOutOfRange) {
  TempDir dir;
  TinyTrace tiny;
  auto tensors = tiny.tensors();
  tensors["act.layers.5.x"] = tensors["act.layers.0.x"];
  EXPECT_THAT(trace_error(dir, "l.safetensors", tensors, tiny.metadata()),
              HasSubstr("'act.layers.5.x': layer 5 out of range (n_layer 2)"));
}

TEST(Trace, MissingLayerTensorNamed) {
  TempDir dir;
  TinyTrace tiny;
  auto tensors = tiny.tensors();
  tensors.erase("act.layers.1.ssm.u");
  write_bytes(dir.file("mt.safetensors"), safetensors_bytes(tensors, tiny.metadata()));
  Trace t(dir.file("mt.safetensors"));
  EXPECT_THAT(error_of([&] { t.layer(1, "ssm.u"); }),
              HasSubstr("mt.safetensors: missing required tensor 'act.layers.1.ssm.u'"));
}

TEST(Trace, RealSharedTrace) {
  const std::string path =
      std::string(SSMSIM_SHARED_DIR) + "/traces/mamba-bytes-a-sample1.safetensors";
  if (!std::ifstream(path).good()) GTEST_SKIP() << "no ../shared traces at " << path;
  Trace t(path);
  EXPECT_EQ(t.dims().n_layer, 6);
  EXPECT_EQ(t.dims().d_model, 384);
  EXPECT_EQ(t.dims().d_inner, 768);
  EXPECT_EQ(t.seq_len(), 256);
  for (int64_t l = 0; l < 6; ++l) {
    for (const auto& name : Trace::layer_tensors()) {
      EXPECT_NO_THROW(t.layer(l, name).to_float_finite()) << name;
    }
  }
  EXPECT_EQ(t.get("act.logits").shape, (std::vector<int64_t>{1, 256, 256}));
}

TEST(Trace, ReadsTinyMamba2Trace) {
  TempDir dir;
  TinyTrace2 tiny;
  write_bytes(dir.file("m2.safetensors"), tiny.bytes());
  Trace t(dir.file("m2.safetensors"));
  EXPECT_TRUE(t.dims().mamba2());
  EXPECT_EQ(t.dims().n_heads, 2);
  EXPECT_EQ(t.dims().head_dim, 4);
  EXPECT_EQ(t.dims().n_groups, 2);
  EXPECT_EQ(t.dims().chunk_size, 2);
  EXPECT_EQ(t.dims().conv_dim(), 8 + 2 * 2 * 2);
  EXPECT_EQ(t.layer(1, "ssm.B").shape, (std::vector<int64_t>{1, 3, 4}));   // G x N
  EXPECT_EQ(t.layer(1, "ssm.dt").shape, (std::vector<int64_t>{1, 3, 2}));  // one per head
  EXPECT_EQ(t.layer(1, "xBC").shape, (std::vector<int64_t>{1, 3, 16}));
  EXPECT_TRUE(t.is_layer_tensor("ssm.x"));
  EXPECT_FALSE(t.is_layer_tensor("ssm.u"));  // Mamba-1's name
}

TEST(Trace, Mamba2MetadataInconsistent) {
  TempDir dir;
  TinyTrace2 tiny;
  const auto bad = [&](const char* key, const char* value) {
    return metadata_error(dir, tiny, key, value);
  };
  EXPECT_THAT(bad("head_dim", "3"),
              HasSubstr("bad.safetensors: __metadata__: n_heads x head_dim = 2 x 3 = 6, expected "
                        "d_inner = 8"));
  EXPECT_THAT(bad("n_groups", "3"), HasSubstr("n_groups = 3 does not divide n_heads = 2"));
  EXPECT_THAT(bad("chunk_size", nullptr), HasSubstr("misses required key 'chunk_size'"));
  EXPECT_THAT(bad("arch", "mamba3"),
              HasSubstr("__metadata__.arch = 'mamba3', expected 'mamba1' or 'mamba2'"));
  // One group in the metadata: B and C must be d_state wide, they are 2 x d_state.
  EXPECT_THAT(bad("n_groups", "1"),
              HasSubstr("tensor 'act.layers.0.ssm.B': shape [1, 3, 4] disagrees with the "
                        "metadata, which imply [1, 3, 2]"));
}

TEST(Trace, RealSharedMamba2Trace) {
  const std::string path =
      std::string(SSMSIM_SHARED_DIR) + "/traces/mamba2-bytes-a-sample0.safetensors";
  if (!std::ifstream(path).good()) GTEST_SKIP() << "no ../shared traces at " << path;
  Trace t(path);
  const ModelDims& d = t.dims();
  EXPECT_TRUE(d.mamba2());
  EXPECT_EQ(d.n_layer, 4);
  EXPECT_EQ(d.d_model, 256);
  EXPECT_EQ(d.d_inner, 512);
  EXPECT_EQ(d.n_heads, 16);
  EXPECT_EQ(d.head_dim, 32);
  EXPECT_EQ(d.n_groups, 1);
  EXPECT_EQ(d.d_state, 64);
  EXPECT_EQ(d.chunk_size, 64);
  for (int64_t l = 0; l < d.n_layer; ++l) {
    for (const auto& name : Trace::layer_tensors(ModelArch::kMamba2)) {
      EXPECT_NO_THROW(t.layer(l, name).to_float_finite()) << name;
    }
  }
  EXPECT_EQ(t.layer(0, "xBC").shape, (std::vector<int64_t>{1, 256, 640}));
  EXPECT_EQ(t.layer(0, "ssm.dt").shape, (std::vector<int64_t>{1, 256, 16}));
  EXPECT_EQ(t.get("act.logits").shape, (std::vector<int64_t>{1, 256, 256}));
}
