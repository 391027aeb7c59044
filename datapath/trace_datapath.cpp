#include "sim/run_setup.hpp"

#include <cmath>
#include <filesystem>

#include "common/error.hpp"
#include "numeric/hadamard.hpp"
#include "numeric/selective_scan.hpp"
#include "io/trace_calibration.hpp"

namespace ssmsim {

namespace fs = std::filesystem;

// The checkpoint beside the trace: DIR/<model> or DIR/../models/<model>.
std::string find_checkpoint(const std::string& trace, const std::string& model) {
  const fs::path dir = fs::path(trace).parent_path();
  for (const fs::path& p : {dir / model, dir / ".." / "models" / model}) {
    if (fs::exists(p / "config.json")) return p.string();
  }
  return "";
}

namespace {

std::vector<float> layer_floats(const Trace& t, int64_t layer, const std::string& name) {
  // Batch row 0: the accelerator runs one sequence.
  const TensorView& v = t.layer(layer, name);
  std::vector<float> all = v.to_float_finite();
  all.resize(static_cast<size_t>(t.seq_len() * v.shape[2]));
  return all;
}

}  // namespace

void setup_functional(FunctionalState& fn, const Trace& trace, const Checkpoint* ckpt,
                      const ArchConfig& arch, double percentile, int64_t hsize) {
  const ModelDims& d = trace.dims();
  const int64_t L = trace.seq_len(), D = d.d_inner, N = d.d_state;
  fn.have_trace = true;
  fn.have_weights = ckpt != nullptr;
  fn.seq_len = L;
  fn.d_inner = D;
  fn.d_state = N;
  fn.hadamard_size = hsize;
  fn.kind = quant::parse_kind(arch.quantizer.mode, "quantizer.mode");
  fn.se = {static_cast<int>(arch.quantizer.se_small_shift),
           static_cast<int>(arch.quantizer.se_large_shift),
           static_cast<int>(arch.quantizer.se_payload_bits)};
  fn.layers.resize(static_cast<size_t>(d.n_layer));
  for (int64_t l = 0; l < d.n_layer; ++l) {
    LayerData& ld = fn.layers[static_cast<size_t>(l)];
    ld.u = layer_floats(trace, l, "ssm.u");
    ld.u_scale = static_cast<float>(calibrate_layer({&trace}, l, "ssm.u", percentile).scale());
    if (!(ld.u_scale > 0)) {
      throw Error(trace.path() + ": tensor '" + Trace::layer_name(l, "ssm.u") +
                  "': calibrated amax is 0, no scale can be derived");
    }
    ld.u_hat.assign(ld.u.size(), 0.0f);
    if (!fn.have_weights) continue;
    ld.dt = layer_floats(trace, l, "ssm.dt");
    ld.B = layer_floats(trace, l, "ssm.B");
    ld.C = layer_floats(trace, l, "ssm.C");
    ld.z = layer_floats(trace, l, "z");
    ld.y = layer_floats(trace, l, "ssm.y");
    ld.A = scan_a_from_a_log(ckpt->layer(l, "mixer.A_log").to_float_finite(), D, N);
    ld.D = ckpt->layer(l, "mixer.D").to_float_finite();
    ld.h.assign(static_cast<size_t>(D * N), 0.0f);
    ld.y_ssm.assign(ld.u.size(), 0.0f);
    ld.y_hat.assign(ld.u.size(), 0.0f);
    // Reference out_proj input in the Hadamard domain, and its max scale.
    ld.y_ref_had = ld.y;
    float amax = 0;
    for (int64_t t = 0; t < L; ++t) {
      for (int64_t b = 0; b < D; b += hsize)
        hadamard_transform(ld.y_ref_had.data() + t * D + b, hsize);
    }
    for (float v : ld.y_ref_had) amax = std::max(amax, std::fabs(v));
    ld.y_scale = amax > 0 ? amax / 127.0f : 1.0f;
  }
}

}  // namespace ssmsim
