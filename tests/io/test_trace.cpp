// ssm-trace v1 on crafted and real files: metadata and shape checks.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "io/trace.hpp"
#include "tests/support/craft.hpp"
#include "tests/support/temp_dir.hpp"

using namespace ssmsim;
using namespace ssmsim::test;
using ::testing::HasSubstr;

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
  write_bytes(dir.file("dims.safetensors"), safetensors_bytes(tiny.tensors(), meta));
  const auto msg = error_of([&] { Trace t(dir.file("dims.safetensors")); });
  EXPECT_THAT(msg, HasSubstr("dims.safetensors: tensor 'act.layers.0."));
  EXPECT_THAT(msg, HasSubstr("disagrees with the metadata, which imply [1, 3, 16]"));
}

TEST(Trace, MissingMetadataKey) {
  TempDir dir;
  TinyTrace tiny;
  auto meta = tiny.metadata();
  meta.erase("d_state");
  write_bytes(dir.file("meta.safetensors"), safetensors_bytes(tiny.tensors(), meta));
  EXPECT_THAT(error_of([&] { Trace t(dir.file("meta.safetensors")); }),
              HasSubstr("meta.safetensors: __metadata__ misses required key 'd_state'"));
}

TEST(Trace, WrongFormatAndBadNumbers) {
  TempDir dir;
  TinyTrace tiny;
  auto meta = tiny.metadata();
  meta["version"] = "2";
  write_bytes(dir.file("v.safetensors"), safetensors_bytes(tiny.tensors(), meta));
  EXPECT_THAT(error_of([&] { Trace t(dir.file("v.safetensors")); }),
              HasSubstr("__metadata__.version = '2', expected '1'"));
  meta = tiny.metadata();
  meta["seq_len"] = "3x";
  write_bytes(dir.file("n.safetensors"), safetensors_bytes(tiny.tensors(), meta));
  EXPECT_THAT(error_of([&] { Trace t(dir.file("n.safetensors")); }),
              HasSubstr("__metadata__.seq_len = '3x': expected a decimal integer"));
}

TEST(Trace, LayerIndexOutOfRange) {
  TempDir dir;
  TinyTrace tiny;
  auto tensors = tiny.tensors();
  tensors["act.layers.5.x"] = tensors["act.layers.0.x"];
  write_bytes(dir.file("l.safetensors"), safetensors_bytes(tensors, tiny.metadata()));
  EXPECT_THAT(error_of([&] { Trace t(dir.file("l.safetensors")); }),
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
