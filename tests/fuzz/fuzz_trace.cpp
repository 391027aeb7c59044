// libFuzzer target: the safetensors reader and ssm-trace validation on
// arbitrary bytes. Every input must end in success or ssmsim::Error; any
// crash, hang, leak or sanitizer report is a bug.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/error.hpp"
#include "io/trace.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    ssmsim::SafetensorsFile f("fuzz", std::vector<uint8_t>(data, data + size));
    for (const auto& [name, t] : f.tensors()) {
      if (ssmsim::dtype_is_float(t.dtype)) {
        (void)t.to_float_finite();
      } else {
        (void)t.to_int32();
      }
      if (t.numel > 0) (void)t.index_str(t.numel - 1);
    }
    ssmsim::Trace trace(std::move(f));
    for (int64_t l = 0; l < trace.dims().n_layer && l < 4; ++l) {
      if (trace.has_layer(l, "ssm.u")) (void)trace.layer(l, "ssm.u").to_float_finite();
    }
  } catch (const ssmsim::Error&) {
  }
  return 0;
}
