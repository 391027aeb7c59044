#include "sim/quantify.hpp"

#include <memory>

#include "common/error.hpp"
#include "io/trace.hpp"
#include "io/trace_calibration.hpp"
#include "numeric/calibration.hpp"

namespace ssmsim {

QuantifyResult quantify(const QuantifyRequest& r) {
  QuantifyResult res;
  res.request = r;
  const Trace trace(r.trace);
  if (res.request.tensor.empty()) res.request.tensor = ssm_input_tensor(trace.dims().arch);
  const std::string& tensor = res.request.tensor;
  if (!trace.is_layer_tensor(tensor)) {
    std::string names;
    for (const auto& n : Trace::layer_tensors(trace.dims().arch))
      names += (names.empty() ? "" : ", ") + n;
    throw Error("--tensor = '" + tensor + "': not a per-layer tensor of a " +
                model_arch_name(trace.dims().arch) + " trace (" + names + ")");
  }
  std::vector<std::unique_ptr<Trace>> calib;
  for (const auto& c : r.calib) {
    calib.push_back(std::make_unique<Trace>(c));
    check_same_model(trace, *calib.back());
  }

  std::vector<float> buf, deq;
  std::vector<uint8_t> reg;
  for (int64_t l = 0; l < trace.dims().n_layer; ++l) {
    const TensorView& xv = trace.layer(l, tensor);
    std::vector<const Trace*> sources;
    if (calib.empty()) sources.push_back(&trace);
    for (const auto& c : calib) sources.push_back(c.get());
    const quant::PercentileObserver obs = calibrate_layer(sources, l, tensor, r.percentile);
    LayerResult lr;
    lr.layer = l;
    lr.elements = xv.numel;
    lr.amax = obs.amax();
    lr.scale = static_cast<float>(obs.scale());
    if (!(lr.scale > 0)) {
      throw Error(r.trace + ": tensor '" + Trace::layer_name(l, tensor) +
                  "': calibrated amax is 0, no scale can be derived");
    }
    // Measured row by row: memory stays at one row on traces of gigabytes.
    lr.stats.assign(r.kinds.size(), quant::ErrorStats());
    lr.region_sq_error.assign(r.kinds.size(), {});
    for_each_row(trace, xv, buf, [&](const float* x, size_t n) {
      reg.resize(n);
      deq.resize(n);
      quant::measure(quant::QuantKind::kSe, x, n, lr.scale, r.se, nullptr, reg.data());
      for (size_t e = 0; e < n; ++e) ++lr.region_elements[reg[e]];
      for (size_t i = 0; i < r.kinds.size(); ++i) {
        lr.stats[i].merge(quant::measure(r.kinds[i], x, n, lr.scale, r.se, deq.data()));
        auto& sq = lr.region_sq_error[i];
        for (size_t e = 0; e < n; ++e) {
          const double d = static_cast<double>(x[e]) - static_cast<double>(deq[e]);
          sq[reg[e]] += d * d;
        }
      }
    });
    res.layers.push_back(std::move(lr));
  }

  res.model = trace.dims().name;
  res.n_layer = trace.dims().n_layer;
  res.batch = trace.batch();
  res.seq_len = trace.seq_len();
  return res;
}

}  // namespace ssmsim
