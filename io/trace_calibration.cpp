#include "io/trace_calibration.hpp"

#include "common/error.hpp"

namespace ssmsim {

quant::PercentileObserver calibrate_layer(const std::vector<const Trace*>& traces, int64_t layer,
                                          const std::string& tensor, double percentile) {
  quant::PercentileObserver obs(percentile / 100.0);
  std::vector<float> buf;
  for (const Trace* t : traces) {
    for_each_row(*t, t->layer(layer, tensor), buf,
                 [&](const float* x, size_t n) { obs.observe(x, n); });
  }
  return obs;
}

void for_each_row(const Trace& t, const TensorView& v, std::vector<float>& buf,
                  const std::function<void(const float*, size_t)>& f) {
  const size_t row = v.numel / static_cast<size_t>(t.batch());
  buf.resize(row);
  for (int64_t b = 0; b < t.batch(); ++b) {
    const size_t begin = static_cast<size_t>(b) * row;
    v.to_float_finite(begin, row, buf.data());
    f(buf.data(), row);
    t.file().release(v, begin, row);  // keep memory flat on huge traces
  }
}

void check_same_model(const Trace& ref, const Trace& other) {
  const ModelDims& a = ref.dims();
  const ModelDims& b = other.dims();
  if (a.arch != b.arch || a.n_heads != b.n_heads || a.n_groups != b.n_groups) {
    throw Error(other.path() + ": calibration trace of a " + model_arch_name(b.arch) + " model (" +
                std::to_string(b.n_heads) + " heads, " + std::to_string(b.n_groups) +
                " groups) differs from " + ref.path() + " (" + model_arch_name(a.arch) + ", " +
                std::to_string(a.n_heads) + " heads, " + std::to_string(a.n_groups) + " groups)");
  }
  if (a.n_layer != b.n_layer || a.d_model != b.d_model || a.d_inner != b.d_inner ||
      a.d_state != b.d_state) {
    throw Error(other.path() + ": calibration trace shape (n_layer " + std::to_string(b.n_layer) +
                ", d_model " + std::to_string(b.d_model) + ", d_inner " +
                std::to_string(b.d_inner) + ") differs from " + ref.path() + " (n_layer " +
                std::to_string(a.n_layer) + ", d_model " + std::to_string(a.d_model) +
                ", d_inner " + std::to_string(a.d_inner) + ")");
  }
}

}  // namespace ssmsim
