#include "io/safetensors.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "common/json_text.hpp"
#include "numeric/half.hpp"

namespace ssmsim {

namespace {

// safetensors itself refuses headers above 100 MB; a larger length is a lie.
constexpr uint64_t kMaxHeaderBytes = 100ull << 20;

bool parse_dtype(const std::string& s, DType* out) {
  static const std::pair<const char*, DType> table[] = {{"F16", DType::F16},
                                                        {"BF16", DType::BF16},
                                                        {"F32", DType::F32},
                                                        {"I32", DType::I32},
                                                        {"I8", DType::I8}};
  for (const auto& [n, d] : table) {
    if (s == n) {
      *out = d;
      return true;
    }
  }
  return false;
}

template <typename T>
T load(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

}  // namespace

const char* dtype_name(DType d) {
  switch (d) {
    case DType::F16:
      return "F16";
    case DType::BF16:
      return "BF16";
    case DType::F32:
      return "F32";
    case DType::I32:
      return "I32";
    case DType::I8:
      return "I8";
  }
  return "?";
}

size_t dtype_size(DType d) {
  switch (d) {
    case DType::F16:
    case DType::BF16:
      return 2;
    case DType::F32:
    case DType::I32:
      return 4;
    case DType::I8:
      return 1;
  }
  return 0;
}

bool dtype_is_float(DType d) { return d == DType::F16 || d == DType::BF16 || d == DType::F32; }

std::string shape_to_string(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

std::string TensorView::shape_str() const { return shape_to_string(shape); }

std::string TensorView::index_str(size_t flat) const {
  std::vector<int64_t> idx(shape.size());
  for (size_t d = shape.size(); d-- > 0;) {
    const auto extent = static_cast<size_t>(shape[d]);
    idx[d] = static_cast<int64_t>(flat % extent);
    flat /= extent;
  }
  return shape_to_string(idx);
}

void TensorView::to_float(size_t begin, size_t count, float* out) const {
  const uint8_t* p = data + begin * dtype_size(dtype);
  switch (dtype) {
    case DType::F16: {
      const float* table = half_table();
      for (size_t i = 0; i < count; ++i) out[i] = table[load<uint16_t>(p + 2 * i)];
      break;
    }
    case DType::BF16:
      for (size_t i = 0; i < count; ++i) out[i] = bf16_to_float(load<uint16_t>(p + 2 * i));
      break;
    case DType::F32:
      std::memcpy(out, p, count * sizeof(float));
      break;
    case DType::I32:
      for (size_t i = 0; i < count; ++i) out[i] = static_cast<float>(load<int32_t>(p + 4 * i));
      break;
    case DType::I8:
      for (size_t i = 0; i < count; ++i) out[i] = static_cast<float>(static_cast<int8_t>(p[i]));
      break;
  }
}

std::vector<float> TensorView::to_float_finite() const {
  std::vector<float> out(numel);
  to_float_finite(0, numel, out.data());
  return out;
}

void TensorView::to_float_finite(size_t begin, size_t count, float* out) const {
  to_float(begin, count, out);
  size_t bad = 0;
  size_t first = 0;
  for (size_t i = 0; i < count; ++i) {
    if (!std::isfinite(out[i])) {
      if (bad == 0) first = i;
      ++bad;
    }
  }
  if (bad != 0) {
    throw Error(file + ": tensor '" + name + "': " + std::to_string(bad) +
                " non-finite value(s) (NaN/Inf), first at index " + index_str(begin + first) +
                " = " + std::to_string(out[first]) + "; activations must be finite");
  }
}

std::vector<int32_t> TensorView::to_int32() const {
  if (dtype != DType::I32 && dtype != DType::I8) {
    throw Error(file + ": tensor '" + name + "': dtype " + dtype_name(dtype) +
                ", expected I32 or I8");
  }
  std::vector<int32_t> out(numel);
  for (size_t i = 0; i < numel; ++i) {
    out[i] = dtype == DType::I32 ? load<int32_t>(data + 4 * i) : static_cast<int8_t>(data[i]);
  }
  return out;
}

SafetensorsFile::SafetensorsFile(const std::string& path)
    : map_(std::make_unique<MappedFile>(path)) {
  parse();
}

SafetensorsFile::SafetensorsFile(const std::string& name, std::vector<uint8_t> bytes)
    : map_(std::make_unique<MappedFile>(name, std::move(bytes))) {
  parse();
}

void SafetensorsFile::parse() {
  const std::string& path = map_->path();
  const size_t size = map_->size();
  if (size < 8) {
    throw Error(path + ": file is " + std::to_string(size) +
                " bytes, shorter than the 8-byte safetensors header length");
  }
  const uint64_t n = load<uint64_t>(map_->data());  // little-endian hosts only
  if (n > size - 8) {
    throw Error(path + ": header length " + std::to_string(n) + " runs past the end of the file (" +
                std::to_string(size - 8) + " bytes follow the length field)");
  }
  if (n > kMaxHeaderBytes) {
    throw Error(path + ": header length " + std::to_string(n) + " exceeds the 100 MB limit");
  }
  const char* hdr = reinterpret_cast<const char*>(map_->data() + 8);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(hdr, hdr + n);
  } catch (const nlohmann::json::exception& e) {  // parse_error, out_of_range (1e9999)
    throw Error(path + ": header is not valid JSON: " + e.what());
  }
  if (!j.is_object()) throw Error(path + ": header must be a JSON object");

  const uint8_t* base = map_->data() + 8 + n;
  const uint64_t data_size = size - 8 - n;
  struct Span {
    uint64_t begin, end;
    const std::string* name;
  };
  std::vector<Span> spans;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& name = it.key();
    const auto& e = it.value();
    if (name == "__metadata__") {
      if (!e.is_object()) throw Error(path + ": __metadata__ must be a string-to-string map");
      for (auto m = e.begin(); m != e.end(); ++m) {
        if (!m.value().is_string()) {
          throw Error(path + ": __metadata__." + m.key() + ": value must be a string");
        }
        metadata_[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    const std::string where = path + ": tensor '" + name + "'";
    if (!e.is_object()) throw Error(where + ": header entry must be an object");
    for (const char* key : {"dtype", "shape", "data_offsets"}) {
      if (!e.contains(key)) throw Error(where + ": header entry misses '" + key + "'");
    }
    TensorView t;
    t.file = path;
    t.name = name;
    if (!e["dtype"].is_string() || !parse_dtype(e["dtype"].get<std::string>(), &t.dtype)) {
      throw Error(where + ": unknown dtype " + json_text(e["dtype"]) +
                  " (expected one of F16, BF16, F32, I32, I8)");
    }
    const auto& shape = e["shape"];
    if (!shape.is_array()) throw Error(where + ": shape must be an array of integers");
    uint64_t numel = 1;
    for (const auto& d : shape) {
      if (!d.is_number_integer() || d.get<int64_t>() < 0) {
        throw Error(where + ": shape " + json_text(shape) + " must hold non-negative integers");
      }
      const auto extent = d.get<uint64_t>();
      if (extent != 0 && numel > std::numeric_limits<uint64_t>::max() / extent / 8) {
        throw Error(where + ": shape " + json_text(shape) + " is too large");
      }
      numel *= extent;
      t.shape.push_back(static_cast<int64_t>(extent));
    }
    const auto& off = e["data_offsets"];
    if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() ||
        !off[1].is_number_unsigned()) {
      throw Error(where + ": data_offsets must be [begin, end] with non-negative integers");
    }
    const auto begin = off[0].get<uint64_t>();
    const auto end = off[1].get<uint64_t>();
    if (begin > end || end > data_size) {
      throw Error(where + ": data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
                  "] out of range: the data section holds " + std::to_string(data_size) + " bytes");
    }
    const uint64_t expected = numel * dtype_size(t.dtype);
    if (end - begin != expected) {
      throw Error(where + ": data_offsets span " + std::to_string(end - begin) +
                  " bytes, but shape " + t.shape_str() + " x " + dtype_name(t.dtype) + " needs " +
                  std::to_string(expected));
    }
    t.numel = static_cast<size_t>(numel);
    t.data = base + begin;
    auto [pos, inserted] = tensors_.emplace(name, std::move(t));
    spans.push_back({begin, end, &pos->first});
  }
  std::sort(spans.begin(), spans.end(),
            [](const Span& a, const Span& b) { return a.begin < b.begin; });
  for (size_t i = 1; i < spans.size(); ++i) {
    if (spans[i].begin < spans[i - 1].end) {
      throw Error(path + ": tensor '" + *spans[i].name + "' overlaps tensor '" +
                  *spans[i - 1].name + "' (bytes " + std::to_string(spans[i].begin) + " < " +
                  std::to_string(spans[i - 1].end) + ")");
    }
  }
}

const TensorView& SafetensorsFile::get(const std::string& name) const {
  auto it = tensors_.find(name);
  if (it == tensors_.end()) throw Error(path() + ": missing required tensor '" + name + "'");
  return it->second;
}

}  // namespace ssmsim
