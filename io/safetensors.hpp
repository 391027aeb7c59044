// Reader for the safetensors container (8-byte little-endian header length,
// JSON header, raw little-endian tensor bytes). Every structural property is
// checked when the file is opened, so a TensorView is always in bounds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "io/mapped_file.hpp"

namespace ssmsim {

enum class DType { F16, BF16, F32, I32, I8 };

const char* dtype_name(DType d);
size_t dtype_size(DType d);
bool dtype_is_float(DType d);

// A tensor inside a mapped file; valid while its SafetensorsFile lives.
struct TensorView {
  std::string file;  // for error messages
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  size_t numel = 0;
  const uint8_t* data = nullptr;  // may be unaligned

  size_t nbytes() const { return numel * dtype_size(dtype); }
  std::string shape_str() const;

  // Converts elements [begin, begin + count) to float into out.
  void to_float(size_t begin, size_t count, float* out) const;
  // Whole tensor as float; throws Error naming file and tensor, the count of
  // NaN/Inf values and the first one's index when any is found.
  std::vector<float> to_float_finite() const;
  // The same for elements [begin, begin + count) (indices in the message are
  // the tensor's own).
  void to_float_finite(size_t begin, size_t count, float* out) const;
  // Integer view of I32/I8 tensors (tokens).
  std::vector<int32_t> to_int32() const;
  // Multi-index of a flat element index, for messages.
  std::string index_str(size_t flat) const;
};

class SafetensorsFile {
 public:
  explicit SafetensorsFile(const std::string& path);
  // The same checks over bytes in memory (fuzzing); `name` for messages.
  SafetensorsFile(const std::string& name, std::vector<uint8_t> bytes);

  const std::string& path() const { return map_->path(); }
  bool has(const std::string& name) const { return tensors_.count(name) != 0; }
  // Throws Error naming the file and tensor when it is missing.
  const TensorView& get(const std::string& name) const;
  const std::map<std::string, TensorView>& tensors() const { return tensors_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  size_t file_size() const { return map_->size(); }
  // Drops elements [begin, begin + count) of t from memory once processed.
  void release(const TensorView& t, size_t begin, size_t count) const {
    map_->release(t.data + begin * dtype_size(t.dtype), count * dtype_size(t.dtype));
  }

 private:
  void parse();
  std::unique_ptr<MappedFile> map_;
  std::map<std::string, TensorView> tensors_;
  std::map<std::string, std::string> metadata_;
};

// Formats a shape as [a, b, c].
std::string shape_to_string(const std::vector<int64_t>& shape);

}  // namespace ssmsim
