#include "datapath/trace_datapath.hpp"

#include <cmath>

#include "common/error.hpp"
#include "io/trace_calibration.hpp"
#include "mamba/mamba2_forward.hpp"
#include "numeric/activations.hpp"
#include "numeric/hadamard.hpp"
#include "numeric/selective_scan.hpp"
#include "numeric/ssd.hpp"

namespace ssmsim {

namespace {

std::vector<float> layer_floats(const Trace& t, int64_t layer, const std::string& name) {
  // Batch row 0: the accelerator runs one sequence.
  const TensorView& v = t.layer(layer, name);
  std::vector<float> all = v.to_float_finite();
  all.resize(static_cast<size_t>(t.seq_len() * v.shape[2]));
  return all;
}

}  // namespace

TraceDatapath::TraceDatapath(const Trace& trace, const Checkpoint* ckpt, const ArchConfig& arch,
                             double percentile, int64_t hsize)
    : have_weights_(ckpt != nullptr),
      dims_(ckpt != nullptr ? ckpt->dims() : trace.dims()),
      d_inner_(trace.dims().d_inner),
      kind_(arch.quantizer.mode),
      se_(arch.quantizer.se()) {
  if (arch.quantizer.rtl) rtl_ = std::make_unique<RtlQuantLane>(kind_, se_);
  const ModelDims& d = trace.dims();
  const bool m2 = d.mamba2();
  const int64_t L = trace.seq_len(), D = d.d_inner, N = d.d_state, H = d.n_heads;
  const std::string ssm_in = m2 ? "ssm.x" : "ssm.u";
  layers_.resize(static_cast<size_t>(d.n_layer));
  for (int64_t l = 0; l < d.n_layer; ++l) {
    LayerData& ld = layers_[static_cast<size_t>(l)];
    ld.u = layer_floats(trace, l, ssm_in);
    ld.u_scale = static_cast<float>(calibrate_layer({&trace}, l, ssm_in, percentile).scale());
    if (!(ld.u_scale > 0)) {
      throw Error(trace.path() + ": tensor '" + Trace::layer_name(l, ssm_in) +
                  "': calibrated amax is 0, no scale can be derived");
    }
    ld.u_hat.assign(ld.u.size(), 0.0f);
    if (!have_weights_) continue;
    ld.dt = layer_floats(trace, l, "ssm.dt");
    ld.B = layer_floats(trace, l, "ssm.B");
    ld.C = layer_floats(trace, l, "ssm.C");
    ld.z = layer_floats(trace, l, "z");
    if (m2) {
      // The out_proj input is the gated norm's output; delta from the
      // trace's raw dt as the model computes it.
      ld.y = layer_floats(trace, l, "norm.out");
      const std::vector<float> a_log = ckpt->layer(l, "mixer.A_log").to_float_finite();
      for (float a : a_log) ld.A.push_back(-std::exp(a));
      ld.D = ckpt->layer(l, "mixer.D").to_float_finite();
      ld.gnorm = ckpt->layer(l, "mixer.norm.weight").to_float_finite();
      const std::vector<float> bias = ckpt->layer(l, "mixer.dt_bias").to_float_finite();
      std::vector<float> delta(ld.dt.size());
      mamba2_delta(ld.dt.data(), bias.data(), L, H, dims_.dt_limit_lo, dims_.dt_limit_hi,
                   delta.data());
      ld.dt = std::move(delta);
    } else {
      ld.y = layer_floats(trace, l, "ssm.y");
      ld.A = scan_a_from_a_log(ckpt->layer(l, "mixer.A_log").to_float_finite(), D, N);
      ld.D = ckpt->layer(l, "mixer.D").to_float_finite();
    }
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

QuantRegions TraceDatapath::quantize(const Command& c, uint8_t* regions) {
  LayerData& L = layers_[static_cast<size_t>(c.layer)];
  const auto off = static_cast<size_t>(c.first_token * d_inner_);
  quant::ErrorStats s;
  if (rtl_) {
    rtl_->set_scale(L.u_scale);
    s = quant::measure_with(L.u.data() + off, static_cast<size_t>(c.elements), L.u_hat.data() + off,
                            regions, [this](float x, int32_t& r) { return rtl_->quantize(x, r); });
  } else {
    s = quant::measure(kind_, L.u.data() + off, static_cast<size_t>(c.elements), L.u_scale, se_,
                       L.u_hat.data() + off, regions);
  }
  L.u_err.merge(s);
  return QuantRegions::elements(s.regions);
}

void TraceDatapath::compute(const Command& c) {
  if (!have_weights_) return;
  LayerData& L = layers_[static_cast<size_t>(c.layer)];
  const int64_t D = d_inner_;  // one sequence
  const int64_t t1 = c.first_token + c.tokens;
  const SsdShape ssd{dims_.n_heads, dims_.head_dim, dims_.n_groups, dims_.d_state};
  const int64_t H = dims_.n_heads, GN = dims_.n_groups * dims_.d_state;
  switch (c.op) {
    case Op::kChunkScan:
      // Mamba-2 prefill: the tile's SSD in the model's chunks from its first
      // token, the state carried from the tile before.
      ssd_chunked(L.u_hat.data() + c.first_token * D, L.dt.data() + c.first_token * H, L.A.data(),
                  L.B.data() + c.first_token * GN, L.C.data() + c.first_token * GN, L.D.data(),
                  c.tokens, ssd, dims_.chunk_size, L.h.data(), L.y_ssm.data() + c.first_token * D);
      break;
    case Op::kSsdStep:
      for (int64_t t = c.first_token; t < t1; ++t) {
        ssd_step(L.u_hat.data() + t * D, L.dt.data() + t * H, L.A.data(), L.B.data() + t * GN,
                 L.C.data() + t * GN, L.D.data(), ssd, L.h.data(), L.y_ssm.data() + t * D);
      }
      break;
    case Op::kGatedNorm: {
      const auto off = static_cast<size_t>(c.first_token * D);
      gated_rms_norm(L.y_ssm.data() + off, L.z.data() + off, c.tokens, D, L.gnorm.data(),
                     dims_.rms_norm_eps, L.y_hat.data() + off);
      L.y_err.merge(quant::compare(L.y.data() + off, L.y_hat.data() + off,
                                   static_cast<size_t>(c.tokens * D)));
      break;
    }
    case Op::kScan:
      // The quantizer's u, the trace's dt, B, C; the state carries over tiles.
      for (int64_t t = c.first_token; t < t1; ++t) {
        const int64_t N = c.d_state;
        selective_scan_token(L.dt.data() + t * D, L.u_hat.data() + t * D, L.B.data() + t * N,
                             L.C.data() + t * N, L.A.data(), L.D.data(), L.h.data(),
                             L.y_ssm.data() + t * D, D, N);
      }
      break;
    case Op::kGate: {
      const auto off = static_cast<size_t>(c.first_token * D);
      const auto E = static_cast<size_t>(c.elements);
      silu_mul_n(L.z.data() + off, L.y_ssm.data() + off, L.y_hat.data() + off,
                 static_cast<int64_t>(E));
      L.y_err.merge(quant::compare(L.y.data() + off, L.y_hat.data() + off, E));
      break;
    }
    case Op::kHadamard: {
      const int64_t n = c.hadamard_block;
      row_.resize(static_cast<size_t>(D));
      for (int64_t t = c.first_token; t < t1; ++t) {
        const float* y = L.y_hat.data() + t * D;
        std::copy(y, y + D, row_.begin());
        for (int64_t b = 0; b < D; b += n) hadamard_transform(row_.data() + b, n);
        // INT8 with roundf and no clamp, dequantized, against H(y from the trace).
        const float s = L.y_scale;
        for (float& v : row_) v = static_cast<float>(quant::round_half_away(v / s)) * s;
        L.had_err.merge(
            quant::compare(L.y_ref_had.data() + t * D, row_.data(), static_cast<size_t>(D)));
      }
      break;
    }
    default:
      break;  // the GEMMs and the other vector operations: timing only
  }
}

}  // namespace ssmsim
