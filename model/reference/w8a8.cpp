#include "model/reference/w8a8.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "model/numeric/calibration.hpp"
#include "model/numeric/error.hpp"
#include "model/numeric/hadamard.hpp"
#include "model/numeric/metrics.hpp"
#include "model/numeric/selective_scan.hpp"

namespace ssmsim {

namespace {

constexpr const char* kSites[] = {"mixer_in", "x", "z", "u", "dt_low", "B", "C", "y_had"};

float* site(LayerScales& s, int i) {
  float* f[] = {&s.mixer_in, &s.x, &s.z, &s.u, &s.dt_low, &s.B, &s.C, &s.y_had};
  return f[i];
}

// INT32-accumulating GEMM: out[m, n] = scale * sum_k x[m, k] * w[n, k].
template <typename T>
void gemm_int(const std::vector<T>& x, int64_t M, int64_t K, const std::vector<int8_t>& w,
              int64_t N, float scale, float* out) {
  for (int64_t m = 0; m < M; ++m) {
    const T* xr = x.data() + m * K;
    for (int64_t n = 0; n < N; ++n) {
      const int8_t* wr = w.data() + n * K;
      int32_t acc = 0;
      for (int64_t k = 0; k < K; ++k) acc += static_cast<int32_t>(xr[k]) * wr[k];
      out[m * N + n] = static_cast<float>(acc) * scale;
    }
  }
}

// An activation site: codes (round half to even, saturating) and the
// dequantized values, or the values untouched when activations are fp32.
struct Act {
  std::vector<float> v;
  std::vector<int8_t> q;
  float s = 1;
};

Act quantize_site(const float* x, size_t n, float s, bool on) {
  Act a;
  a.v.assign(x, x + n);
  a.s = s;
  if (!on) return a;
  a.q.resize(n);
  for (size_t i = 0; i < n; ++i) {
    a.q[i] = quant::quantize_int8(x[i], s, quant::Rounding::kHalfToEven);
    a.v[i] = quant::dequantize_int8(a.q[i], s);
  }
  return a;
}

}  // namespace

nlohmann::ordered_json QuantScales::to_json() const {
  nlohmann::ordered_json j;
  j["format"] = "ssmsim-scales";
  j["version"] = 1;
  j["model"] = model;
  j["percentile"] = percentile;
  j["samples"] = samples;
  j["layers"] = nlohmann::ordered_json::array();
  for (size_t l = 0; l < layers.size(); ++l) {
    nlohmann::ordered_json lj;
    lj["layer"] = l;
    LayerScales s = layers[l];
    for (int i = 0; i < 8; ++i) lj[kSites[i]] = *site(s, i);
    j["layers"].push_back(lj);
  }
  return j;
}

QuantScales QuantScales::from_json(const nlohmann::json& j, const std::string& where,
                                   int64_t n_layer) {
  if (!j.is_object() || j.value("format", "") != "ssmsim-scales" || j.value("version", 0) != 1) {
    throw Error(where + ": expected \"format\": \"ssmsim-scales\", \"version\": 1");
  }
  QuantScales s;
  s.model = j.value("model", "");
  s.percentile = j.value("percentile", 0.0);
  s.samples = j.value("samples", 0);
  if (!j.contains("layers") || !j["layers"].is_array() ||
      static_cast<int64_t>(j["layers"].size()) != n_layer) {
    throw Error(where + ": layers: expected an array of " + std::to_string(n_layer) + " entries");
  }
  for (size_t l = 0; l < j["layers"].size(); ++l) {
    const auto& lj = j["layers"][l];
    LayerScales ls;
    for (int i = 0; i < 8; ++i) {
      const std::string key = "layers[" + std::to_string(l) + "]." + kSites[i];
      if (!lj.is_object() || !lj.contains(kSites[i]) || !lj[kSites[i]].is_number()) {
        throw Error(where + ": " + key + ": missing or not a number");
      }
      const double v = lj[kSites[i]].get<double>();
      if (!(v > 0) || !std::isfinite(v)) throw Error(where + ": " + key + ": expected a scale > 0");
      *site(ls, i) = static_cast<float>(v);
    }
    s.layers.push_back(ls);
  }
  return s;
}

ScaleCalibrator::ScaleCalibrator(const MambaWeights& w, double percentile)
    : w_(w), percentile_(percentile) {
  max_.assign(static_cast<size_t>(w.dims.n_layer), {});
  u_amax_.assign(static_cast<size_t>(w.dims.n_layer), 0.0);
}

ScaleCalibrator::Sample ScaleCalibrator::measure(const std::vector<int32_t>& tokens) const {
  const MambaForward fwd(w_);
  std::vector<LayerActivations> acts;
  fwd.prefill(tokens, &acts);
  const int64_t D = w_.dims.d_inner;
  Sample out;
  out.max.assign(acts.size(), {});
  out.u_amax.assign(acts.size(), 0.0);
  for (size_t l = 0; l < acts.size(); ++l) {
    const LayerActivations& a = acts[l];
    std::vector<float> yh = a.y;
    for (size_t t = 0; t < tokens.size(); ++t) hadamard_transform(yh.data() + t * D, D);
    const std::vector<float>* src[] = {&a.mixer_in, &a.x, &a.z, nullptr,
                                       &a.dt_low,   &a.B, &a.C, &yh};
    for (int i = 0; i < 8; ++i) {
      if (!src[i]) continue;
      for (float v : *src[i]) {
        out.max[l][i] = std::max(out.max[l][i], static_cast<double>(std::fabs(v)));
      }
    }
    quant::PercentileObserver one(percentile_ / 100.0);
    one.observe(a.u.data(), a.u.size());
    out.u_amax[l] = one.amax();
  }
  return out;
}

void ScaleCalibrator::fold(const Sample& s) {
  for (size_t l = 0; l < max_.size(); ++l) {
    for (int i = 0; i < 8; ++i) max_[l][i] = std::max(max_[l][i], s.max[l][i]);
    // The SSM input: Quamba's EMA, starting at the first sample.
    u_amax_[l] = samples_ == 0 ? s.u_amax[l] : u_amax_[l] + 0.01 * (s.u_amax[l] - u_amax_[l]);
  }
  ++samples_;
}

QuantScales ScaleCalibrator::scales() const {
  QuantScales s;
  s.model = w_.dims.name;
  s.percentile = percentile_;
  s.samples = samples_;
  for (size_t l = 0; l < max_.size(); ++l) {
    LayerScales ls;
    for (int i = 0; i < 8; ++i) {
      const double amax = i == 3 ? u_amax_[l] : max_[l][i];
      *site(ls, i) = amax > 0 ? static_cast<float>(amax / 127.0) : 1.0f;
    }
    s.layers.push_back(ls);
  }
  return s;
}

W8A8Mamba::QTensor W8A8Mamba::make_weight(const std::vector<float>& w) const {
  QTensor t;
  t.f = w;
  if (!o_.quantize_weights) return t;
  float amax = 0;
  for (float v : w) amax = std::max(amax, std::fabs(v));
  t.scale = amax > 0 ? amax / 127.0f : 1.0f;
  t.q.resize(w.size());
  for (size_t i = 0; i < w.size(); ++i) {
    t.q[i] = quant::quantize_int8(w[i], t.scale, quant::Rounding::kHalfToEven);
    t.f[i] = quant::dequantize_int8(t.q[i], t.scale);
  }
  return t;
}

W8A8Mamba::W8A8Mamba(const MambaWeights& w, const QuantScales& scales, const W8A8Options& o)
    : w_(w), scales_(scales), o_(o) {
  const int64_t D = w.dims.d_inner;
  HadamardShape hs;
  if (!hadamard_shape(D, &hs)) {
    throw Error("W8A8: d_inner " + std::to_string(D) + " has no supported Hadamard size");
  }
  if (static_cast<int64_t>(scales.layers.size()) != w.dims.n_layer) {
    throw Error("W8A8: scales for " + std::to_string(scales.layers.size()) + " layers, model has " +
                std::to_string(w.dims.n_layer));
  }
  for (const MambaLayerWeights& L : w.layers) {
    Layer q;
    q.in_proj = make_weight(L.in_proj);
    q.conv = make_weight(L.conv_w);
    q.x_proj = make_weight(L.x_proj);
    q.dt_proj = make_weight(L.dt_w);
    // out_proj(y) = W y = (W H^T)(H y): each row of W through the transform.
    std::vector<float> wh = L.out_proj;
    for (int64_t r = 0; r < w.dims.d_model; ++r) hadamard_transform(wh.data() + r * D, D);
    q.out_proj_had = make_weight(wh);
    layers_.push_back(std::move(q));
  }
}

std::vector<float> W8A8Mamba::prefill(const std::vector<int32_t>& tokens,
                                      std::vector<LayerActivations>* acts) const {
  const ModelDims& d = w_.dims;
  const int64_t L = static_cast<int64_t>(tokens.size()), dm = d.d_model, D = d.d_inner,
                N = d.d_state, r = d.dt_rank, K = d.d_conv, V = d.vocab_size;
  const bool A = o_.quantize_activations;
  const bool ints = A && o_.quantize_weights;  // INT8 x INT8 -> INT32 GEMMs
  std::vector<float> resid(static_cast<size_t>(L * dm));
  for (int64_t t = 0; t < L; ++t) {
    if (tokens[t] < 0 || tokens[t] >= V) throw Error("token outside the vocabulary");
    std::copy_n(w_.embeddings.begin() + tokens[t] * dm, dm, resid.begin() + t * dm);
  }
  if (acts) acts->assign(static_cast<size_t>(d.n_layer), {});
  // A GEMM on an activation site: integer when both sides are INT8.
  auto gemm = [&](const Act& in, int64_t K_, const QTensor& W, int64_t N_, float* out) {
    if (ints) {
      gemm_int(in.q, L, K_, W.q, N_, in.s * W.scale, out);
    } else {
      linear(in.v.data(), L, K_, W.f.data(), N_, out);
    }
  };
  std::vector<float> mix(L * dm), xz(L * 2 * D), u(L * D), xdbl(L * (r + 2 * N)), dt(L * D),
      y(L * D), out(L * dm), h(D * N);
  const quant::SoftEdgeParams& se = o_.se;
  for (int64_t l = 0; l < d.n_layer; ++l) {
    const MambaLayerWeights& W = w_.layers[static_cast<size_t>(l)];
    const Layer& Q = layers_[static_cast<size_t>(l)];
    const LayerScales& S = scales_.layers[static_cast<size_t>(l)];
    rms_norm(resid.data(), L, dm, W.norm.data(), d.rms_norm_eps, mix.data());
    const Act in = quantize_site(mix.data(), mix.size(), S.mixer_in, A);
    gemm(in, dm, Q.in_proj, 2 * D, xz.data());
    std::vector<float> xs(L * D), zs(L * D);
    for (int64_t t = 0; t < L; ++t) {
      std::copy_n(xz.begin() + t * 2 * D, D, xs.begin() + t * D);
      std::copy_n(xz.begin() + t * 2 * D + D, D, zs.begin() + t * D);
    }
    const Act qx = quantize_site(xs.data(), xs.size(), S.x, A);
    const Act qz = quantize_site(zs.data(), zs.size(), S.z, A);
    // conv1d + SiLU, fp32 from the INT8 input and weights (fused kernel).
    for (int64_t t = 0; t < L; ++t) {
      for (int64_t c = 0; c < D; ++c) {
        float acc = W.conv_b[c];
        for (int64_t j = 0; j < K; ++j) {
          const int64_t src = t - (K - 1) + j;
          if (src >= 0) acc += Q.conv.f[c * K + j] * qx.v[src * D + c];
        }
        u[t * D + c] = silu(acc);
      }
    }
    // The SSM-input quantizer: the scan gets the value, x_proj the INT8.
    Act uq;
    uq.s = S.u;
    uq.v = u;
    if (A) {
      quant::measure(o_.ssm_input, u.data(), u.size(), S.u, se, uq.v.data());
      uq.q.resize(u.size());
      for (size_t i = 0; i < u.size(); ++i) uq.q[i] = quant::quantize_int8(uq.v[i], S.u);
    }
    Act ux = uq;  // x_proj input: INT8 of the value
    if (A) {
      for (size_t i = 0; i < u.size(); ++i) ux.v[i] = quant::dequantize_int8(ux.q[i], S.u);
    }
    gemm(ux, D, Q.x_proj, r + 2 * N, xdbl.data());
    std::vector<float> dtl(L * r), Bf(L * N), Cf(L * N);
    for (int64_t t = 0; t < L; ++t) {
      const float* row = xdbl.data() + t * (r + 2 * N);
      std::copy_n(row, r, dtl.begin() + t * r);
      std::copy_n(row + r, N, Bf.begin() + t * N);
      std::copy_n(row + r + N, N, Cf.begin() + t * N);
    }
    const Act qdtl = quantize_site(dtl.data(), dtl.size(), S.dt_low, A);
    const Act qB = quantize_site(Bf.data(), Bf.size(), S.B, A);
    const Act qC = quantize_site(Cf.data(), Cf.size(), S.C, A);
    gemm(qdtl, r, Q.dt_proj, D, dt.data());
    for (int64_t t = 0; t < L; ++t) {
      for (int64_t c = 0; c < D; ++c) dt[t * D + c] += W.dt_b[c];
    }
    std::fill(h.begin(), h.end(), 0.0f);
    for (int64_t t = 0; t < L; ++t) {
      selective_scan_token(&dt[t * D], &uq.v[t * D], &qB.v[t * N], &qC.v[t * N], W.A.data(),
                           W.D.data(), h.data(), &y[t * D], D, N);
      for (int64_t c = 0; c < D; ++c) y[t * D + c] *= silu(qz.v[t * D + c]);
    }
    // Hadamard, then INT8 with roundf and no clamp (codes may pass 127).
    std::vector<float> yh = y;
    for (int64_t t = 0; t < L; ++t) hadamard_transform(yh.data() + t * D, D);
    if (ints) {
      std::vector<int32_t> qy(yh.size());
      for (size_t i = 0; i < yh.size(); ++i) qy[i] = quant::round_half_away(yh[i] / S.y_had);
      gemm_int(qy, L, D, Q.out_proj_had.q, dm, S.y_had * Q.out_proj_had.scale, out.data());
    } else {
      if (A) {
        for (float& v : yh) v = static_cast<float>(quant::round_half_away(v / S.y_had)) * S.y_had;
      }
      linear(yh.data(), L, D, Q.out_proj_had.f.data(), dm, out.data());
    }
    for (size_t i = 0; i < resid.size(); ++i) resid[i] += out[i];
    if (acts) {
      (*acts)[static_cast<size_t>(l)] = {in.v, qx.v, qz.v, uq.v, dt, qB.v, qC.v, y, out, qdtl.v};
    }
  }
  std::vector<float> normed(L * dm), logits(L * V);
  rms_norm(resid.data(), L, dm, w_.norm_f.data(), d.rms_norm_eps, normed.data());
  linear(normed.data(), L, dm, w_.lm_head.data(), V, logits.data());
  return logits;
}

}  // namespace ssmsim
