#include "sc_main/calibration.hpp"

#include "model/numeric/error.hpp"

namespace ssmsim {

quant::PercentileObserver calibrate_layer(const std::vector<const Trace*>& traces, int64_t layer,
                                          const std::string& tensor, double percentile) {
  quant::PercentileObserver obs(percentile / 100.0);
  for (const Trace* t : traces) {
    const std::vector<float> x = t->layer(layer, tensor).to_float_finite();
    const size_t row = x.size() / static_cast<size_t>(t->batch());
    for (int64_t b = 0; b < t->batch(); ++b) obs.observe(x.data() + b * row, row);
  }
  return obs;
}

void check_same_model(const Trace& ref, const Trace& other) {
  const ModelDims& a = ref.dims();
  const ModelDims& b = other.dims();
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
