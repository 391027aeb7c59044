#include "mamba/w8a8.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>

#include "common/error.hpp"
#include "common/json_file.hpp"
#include "mamba/parallel_samples.hpp"
#include "numeric/activations.hpp"
#include "numeric/calibration.hpp"
#include "numeric/gemm.hpp"
#include "numeric/hadamard.hpp"
#include "numeric/metrics.hpp"
#include "numeric/selective_scan.hpp"

namespace ssmsim {

namespace {

constexpr int kSites = ScaleCalibrator::kSites;
// scales.json keys; u and h have percentile observers.
constexpr const char* kSiteNames[kSites] = {"mixer_in", "x", "z",     "u", "dt_low",
                                            "B",        "C", "y_had", "h"};
constexpr bool percentile_site(int i) {
  return i == static_cast<int>(ScaleSite::kU) || i == static_cast<int>(ScaleSite::kH);
}
constexpr size_t at(ScaleSite s) { return static_cast<size_t>(s); }

float* site(LayerScales& s, int i) {
  float* f[] = {&s.mixer_in, &s.x, &s.z, &s.u, &s.dt_low, &s.B, &s.C, &s.y_had, &s.h};
  return f[i];
}

}  // namespace

nlohmann::ordered_json QuantScales::to_json() const {
  nlohmann::ordered_json j = scales_header_json(*this, false);
  for (size_t l = 0; l < layers.size(); ++l) {
    nlohmann::ordered_json lj;
    lj["layer"] = l;
    LayerScales s = layers[l];
    for (int i = 0; i < kSites; ++i) lj[kSiteNames[i]] = *site(s, i);
    j["layers"].push_back(lj);
  }
  return j;
}

QuantScales QuantScales::from_json(const nlohmann::json& j, const std::string& where,
                                   int64_t n_layer) {
  QuantScales s;
  static_cast<ScalesHeader&>(s) = read_scales_header(j, where, false, n_layer);
  for (size_t l = 0; l < j["layers"].size(); ++l) {
    const auto& lj = j["layers"][l];
    LayerScales ls;
    for (int i = 0; i < kSites; ++i) {
      const char* name = kSiteNames[i];
      const std::string key = "layers[" + std::to_string(l) + "]." + name;
      if (!lj.is_object() || !lj.contains(name) || !lj[name].is_number()) {
        throw Error(where + ": " + key + ": missing or not a number" +
                    (i == 8 ? " (the SSM state's scale: re-run ssmsim calibrate)" : ""));
      }
      const double v = lj[name].get<double>();
      if (!(v > 0) || !std::isfinite(v)) throw Error(where + ": " + key + ": expected a scale > 0");
      *site(ls, i) = static_cast<float>(v);
    }
    s.layers.push_back(ls);
  }
  return s;
}

QuantScales QuantScales::load(const std::string& path, int64_t n_layer) {
  return from_json(read_json_file(path), path, n_layer);
}

ScaleCalibrator::ScaleCalibrator(const MambaWeights& w, double percentile)
    : w_(w), percentile_(percentile) {
  amax_.assign(static_cast<size_t>(w.dims.n_layer), {});
}

ScaleCalibrator::Sample ScaleCalibrator::measure(const std::vector<int32_t>& tokens) const {
  // Each layer's statistics as it ends: no activations are kept.
  Sample out;
  out.amax.assign(static_cast<size_t>(w_.dims.n_layer), {});
  const MambaForward fwd(w_);
  fwd.prefill(tokens, [&](int64_t l, LayerActivations& a) {
    out.amax[static_cast<size_t>(l)] = measure_layer(a, static_cast<int64_t>(tokens.size()));
  });
  return out;
}

ScaleCalibrator::Sample ScaleCalibrator::measure(const std::vector<LayerActivations>& acts,
                                                 int64_t tokens) const {
  Sample out;
  for (const LayerActivations& a : acts) out.amax.push_back(measure_layer(a, tokens));
  return out;
}

std::array<double, ScaleCalibrator::kSites> ScaleCalibrator::measure_layer(
    const LayerActivations& a, int64_t tokens) const {
  const int64_t D = w_.dims.d_inner;
  const size_t hn = static_cast<size_t>(D * w_.dims.d_state);
  if (a.h.size() < hn) throw Error("calibration: a layer without its SSM state");
  std::array<double, kSites> amax{};
  const std::vector<float>* src[] = {&a.mixer_in, &a.x, &a.z,    nullptr, &a.dt_low,
                                     &a.B,        &a.C, nullptr, nullptr};
  for (int i = 0; i < kSites; ++i) {
    if (!src[i]) continue;
    quant::MaxObserver m;
    m.observe(src[i]->data(), src[i]->size());
    amax[i] = m.amax();
  }
  // H y, the out_proj input, row by row.
  std::vector<float> row(static_cast<size_t>(D));
  quant::MaxObserver hy;
  for (int64_t t = 0; t < tokens; ++t) {
    std::copy_n(a.y.begin() + t * D, D, row.begin());
    hadamard_transform(row.data(), D);
    hy.observe(row.data(), row.size());
  }
  amax[at(ScaleSite::kYHad)] = hy.amax();
  // The SSM input over the sample; the state as the cache holds it after
  // the sample (Quamba observes the last state).
  quant::PercentileObserver pu(percentile_ / 100.0), ph(percentile_ / 100.0);
  pu.observe(a.u.data(), a.u.size());
  ph.observe(a.h.data() + (a.h.size() - hn), hn);
  amax[at(ScaleSite::kU)] = pu.amax();
  amax[at(ScaleSite::kH)] = ph.amax();
  return amax;
}

void ScaleCalibrator::fold(const Sample& s) {
  for (size_t l = 0; l < amax_.size(); ++l) {
    for (int i = 0; i < kSites; ++i) {
      // Percentile sites: Quamba's EMA, starting at the first sample.
      amax_[l][i] = !percentile_site(i) ? std::max(amax_[l][i], s.amax[l][i])
                    : samples_ == 0     ? s.amax[l][i]
                                        : amax_[l][i] + 0.01 * (s.amax[l][i] - amax_[l][i]);
    }
  }
  ++samples_;
}

void ScaleCalibrator::observe_all(const std::vector<std::vector<int32_t>>& samples,
                                  const std::function<void(size_t done)>& progress) {
  const std::vector<Sample> got = measure_samples<Sample>(
      samples.size(), [&](size_t i) { return measure(samples[i]); }, progress);
  for (const auto& g : got) fold(g);  // the EMA depends on the order
}

QuantScales calibrate_scales(const MambaWeights& w,
                             const std::vector<std::vector<int32_t>>& sequences, double percentile,
                             const std::function<void(size_t done)>& progress) {
  ScaleCalibrator cal(w, percentile);
  cal.observe_all(sequences, progress);
  return cal.scales();
}

QuantScales ScaleCalibrator::scales() const {
  QuantScales s;
  s.model = w_.dims.name;
  s.percentile = percentile_;
  s.samples = samples_;
  for (size_t l = 0; l < amax_.size(); ++l) {
    LayerScales ls;
    for (int i = 0; i < kSites; ++i) {
      const double amax = amax_[l][i];
      *site(ls, i) = amax > 0 ? static_cast<float>(amax / 127.0) : 1.0f;
    }
    s.layers.push_back(ls);
  }
  return s;
}

W8A8Mamba::QTensor W8A8Mamba::make_weight(const std::vector<float>& w, bool gemm) const {
  QTensor t;
  // An INT8 x INT8 GEMM reads only the codes; conv1d and fp32 GEMMs the values.
  const bool values = !gemm || !(o_.quantize_weights && o_.quantize_activations);
  if (!o_.quantize_weights) {
    t.f = w;
    return t;
  }
  return quant::quantize_weights_int8(w, values);
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
    q.in_proj = make_weight(L.in_proj, true);
    q.conv = make_weight(L.conv_w, false);
    q.x_proj = make_weight(L.x_proj, true);
    q.dt_proj = make_weight(L.dt_w, true);
    // out_proj(y) = W y = (W H^T)(H y): each row of W through the transform.
    std::vector<float> wh = L.out_proj;
    for (int64_t r = 0; r < w.dims.d_model; ++r) hadamard_transform(wh.data() + r * D, D);
    q.out_proj_had = make_weight(wh, true);
    layers_.push_back(std::move(q));
  }
}

std::vector<float> W8A8Mamba::prefill(const std::vector<int32_t>& tokens,
                                      std::vector<LayerActivations>* acts) const {
  return prefill(tokens, o_.ssm_input, acts);
}

std::vector<float> W8A8Mamba::prefill(const std::vector<int32_t>& tokens,
                                      quant::QuantKind ssm_input,
                                      std::vector<LayerActivations>* acts,
                                      int64_t prompt_tokens) const {
  W8A8Sequence seq(*this, tokens, ssm_input, prompt_tokens);
  const int64_t L = seq.tokens();
  for (int64_t l = 0; l < w_.dims.n_layer; ++l) {
    for (Op op : kMamba1BlockOps) seq.run(op, l, 0, L);
  }
  for (Op op : kHeadOps) seq.run(op, w_.dims.n_layer, 0, L);
  if (acts) *acts = seq.take_activations();
  return seq.logits();
}

W8A8Sequence::W8A8Sequence(const W8A8Mamba& m, std::vector<int32_t> tokens)
    : W8A8Sequence(m, std::move(tokens), m.o_.ssm_input) {}

W8A8Sequence::W8A8Sequence(const W8A8Mamba& m, std::vector<int32_t> tokens,
                           quant::QuantKind ssm_input, int64_t prompt_tokens)
    : m_(m),
      tokens_(std::move(tokens)),
      L_(static_cast<int64_t>(tokens_.size())),
      ssm_input_(ssm_input) {
  state_from_ = state_from(prompt_tokens, L_);
  const ModelDims& d = m_.w_.dims;
  const int64_t dm = d.d_model, D = d.d_inner, N = d.d_state, r = d.dt_rank, V = d.vocab_size;
  A_ = m_.o_.quantize_activations;
  ints_ = A_ && m_.o_.quantize_weights;  // INT8 x INT8 -> INT32 GEMMs
  state_q_ = A_ && m_.o_.quantize_state;
  const auto L = static_cast<size_t>(L_);
  resid_.resize(L * dm);
  for (int64_t t = 0; t < L_; ++t) {
    if (tokens_[t] < 0 || tokens_[t] >= V) throw Error("token outside the vocabulary");
    std::copy_n(m_.w_.embeddings.begin() + tokens_[t] * dm, dm, resid_.begin() + t * dm);
  }
  mix_.resize(L * dm);
  normed_.resize(L * dm);
  logits_.resize(L * V);
  layers_.resize(static_cast<size_t>(d.n_layer));
  for (size_t l = 0; l < layers_.size(); ++l) {
    LayerBuf& b = layers_[l];
    const LayerScales& S = m_.scales_.layers[l];
    auto act = [&](Act& a, size_t n, float s) {
      a.v.assign(n, 0.0f);
      if (A_) a.q.assign(n, 0);
      a.s = s;
    };
    act(b.in, L * dm, S.mixer_in);
    act(b.qx, L * D, S.x);
    act(b.qz, L * D, S.z);
    act(b.uq, L * D, S.u);
    if (!ints_) act(b.ux, L * D, S.u);  // x_proj's fp32 input; INT8 GEMMs take uq's codes
    act(b.qdtl, L * r, S.dt_low);
    act(b.qB, L * N, S.B);
    act(b.qC, L * N, S.C);
    for (auto* v : {&b.u, &b.dt, &b.y}) v->assign(L * D, 0.0f);
    if (!ints_) b.yh.assign(L * D, 0.0f);  // out_proj's fp32 input
    b.out.assign(L * dm, 0.0f);
    b.h.assign(static_cast<size_t>(D * N), 0.0f);
    b.hs.assign(static_cast<size_t>(std::max<int64_t>(0, L_ - state_from_) * D * N), 0.0f);
    if (ints_) b.qy.assign(L * D, 0);
  }
}

int64_t W8A8Sequence::state_from(int64_t prompt_tokens, int64_t L) {
  const int64_t P = prompt_tokens < 0 ? L : std::min(prompt_tokens, L);
  return std::max<int64_t>(0, P - 1);
}

// An activation site: codes (round half to even, saturating) and the
// dequantized values, or the values untouched when activations are fp32.
void W8A8Sequence::quantize_rows(const float* src, Act& a, size_t at, size_t n, float s) const {
  for (size_t i = 0; i < n; ++i) {
    if (!A_) {
      a.v[at + i] = src[i];
      continue;
    }
    a.q[at + i] = quant::quantize_int8(src[i], s, quant::Rounding::kHalfToEven);
    a.v[at + i] = quant::dequantize_int8(a.q[at + i], s);
  }
}

// A GEMM on an activation site's rows: integer when both sides are INT8.
void W8A8Sequence::gemm_rows(const Act& in, int64_t t0, int64_t t1, int64_t K,
                             const W8A8Mamba::QTensor& W, int64_t N, float* out) const {
  if (ints_) {
    gemm_s8(in.q.data() + t0 * K, t1 - t0, K, W.q.data(), N, in.s * W.scale, out);
  } else {
    linear(in.v.data() + t0 * K, t1 - t0, K, W.f.data(), N, out);
  }
}

void W8A8Sequence::check(Op op, int64_t layer, int64_t t0, int64_t t1) const {
  const int64_t n = m_.w_.dims.n_layer;
  const bool head = is_head(op);
  if (t0 < 0 || t1 > L_ || t0 >= t1 || (head ? layer != n : (layer < 0 || layer >= n))) {
    throw Error(std::string("W8A8: ") + op_name(op) + " of layer " + std::to_string(layer) +
                " on rows [" + std::to_string(t0) + ", " + std::to_string(t1) +
                "): outside the sequence of " + std::to_string(L_) + " tokens and " +
                std::to_string(n) + " layers");
  }
}

quant::ErrorStats W8A8Sequence::ssm_in_quant(int64_t layer, int64_t t0, int64_t t1,
                                             uint8_t* regions) {
  check(Op::kSsmInQuant, layer, t0, t1);
  const int64_t D = m_.w_.dims.d_inner;
  LayerBuf& b = layers_[static_cast<size_t>(layer)];
  const size_t lo = static_cast<size_t>(t0 * D), hi = static_cast<size_t>(t1 * D);
  quant::ErrorStats st;
  if (A_) {
    // The scan gets the quantizer's value, x_proj its INT8.
    st = quant::measure(ssm_input_, b.u.data() + lo, hi - lo, b.uq.s, m_.o_.se, b.uq.v.data() + lo,
                        regions);
    for (size_t i = lo; i < hi; ++i) {
      b.uq.q[i] = quant::quantize_int8(b.uq.v[i], b.uq.s);
      if (!ints_) b.ux.v[i] = quant::dequantize_int8(b.uq.q[i], b.uq.s);
    }
  } else {
    std::copy(b.u.begin() + lo, b.u.begin() + hi, b.uq.v.begin() + lo);
    if (!ints_) std::copy(b.u.begin() + lo, b.u.begin() + hi, b.ux.v.begin() + lo);
    st = quant::compare(b.u.data() + lo, b.uq.v.data() + lo, hi - lo);
    if (regions) std::fill(regions, regions + (hi - lo), 0);
  }
  return st;
}

void W8A8Sequence::run(Op op, int64_t l, int64_t t0, int64_t t1) {
  check(op, l, t0, t1);
  const ModelDims& d = m_.w_.dims;
  const int64_t dm = d.d_model, D = d.d_inner, N = d.d_state, r = d.dt_rank, K = d.d_conv,
                V = d.vocab_size;
  const auto rows = [&](int64_t width) {
    return std::pair<size_t, size_t>(static_cast<size_t>(t0 * width),
                                     static_cast<size_t>(t1 * width));
  };
  if (op == Op::kFinalNorm) {
    rms_norm(resid_.data() + t0 * dm, t1 - t0, dm, m_.w_.norm_f.data(), d.rms_norm_eps,
             normed_.data() + t0 * dm);
    return;
  }
  if (op == Op::kLmHead) {
    linear(normed_.data() + t0 * dm, t1 - t0, dm, m_.w_.lm_head.data(), V, logits_.data() + t0 * V);
    return;
  }
  const MambaLayerWeights& W = m_.w_.layers[static_cast<size_t>(l)];
  const W8A8Mamba::Layer& Q = m_.layers_[static_cast<size_t>(l)];
  const LayerScales& S = m_.scales_.layers[static_cast<size_t>(l)];
  LayerBuf& b = layers_[static_cast<size_t>(l)];
  if (op == Op::kRmsNorm) {
    rms_norm(resid_.data() + t0 * dm, t1 - t0, dm, W.norm.data(), d.rms_norm_eps,
             mix_.data() + t0 * dm);
    const auto [lo, hi] = rows(dm);
    quantize_rows(mix_.data() + lo, b.in, lo, hi - lo, S.mixer_in);
  } else if (op == Op::kInProj) {
    scratch_.resize(static_cast<size_t>((t1 - t0) * 2 * D));
    gemm_rows(b.in, t0, t1, dm, Q.in_proj, 2 * D, scratch_.data());
    for (int64_t t = t0; t < t1; ++t) {
      // x and z halves of the row, each through its own activation site.
      const float* row = scratch_.data() + (t - t0) * 2 * D;
      for (int64_t c = 0; c < D; ++c) {
        const size_t i = static_cast<size_t>(t * D + c);
        if (A_) {
          b.qx.q[i] = quant::quantize_int8(row[c], S.x, quant::Rounding::kHalfToEven);
          b.qx.v[i] = quant::dequantize_int8(b.qx.q[i], S.x);
          b.qz.q[i] = quant::quantize_int8(row[D + c], S.z, quant::Rounding::kHalfToEven);
          b.qz.v[i] = quant::dequantize_int8(b.qz.q[i], S.z);
        } else {
          b.qx.v[i] = row[c];
          b.qz.v[i] = row[D + c];
        }
      }
    }
  } else if (op == Op::kConv1dSilu) {
    // fp32 from the INT8 input and weights (fused kernel); reads d_conv - 1
    // rows before t0.
    causal_conv1d_silu(b.qx.v.data(), D, Q.conv.f.data(), W.conv_b.data(), K, t0, t1, b.u.data());
  } else if (op == Op::kSsmInQuant) {
    ssm_in_quant(l, t0, t1, nullptr);
  } else if (op == Op::kXProj) {
    scratch_.resize(static_cast<size_t>((t1 - t0) * (r + 2 * N)));
    gemm_rows(ints_ ? b.uq : b.ux, t0, t1, D, Q.x_proj, r + 2 * N, scratch_.data());
    for (int64_t t = t0; t < t1; ++t) {
      const float* row = scratch_.data() + (t - t0) * (r + 2 * N);
      quantize_rows(row, b.qdtl, static_cast<size_t>(t * r), static_cast<size_t>(r), S.dt_low);
      quantize_rows(row + r, b.qB, static_cast<size_t>(t * N), static_cast<size_t>(N), S.B);
      quantize_rows(row + r + N, b.qC, static_cast<size_t>(t * N), static_cast<size_t>(N), S.C);
    }
  } else if (op == Op::kDtProj) {
    gemm_rows(b.qdtl, t0, t1, r, Q.dt_proj, D, b.dt.data() + t0 * D);
    for (int64_t t = t0; t < t1; ++t) {
      for (int64_t c = 0; c < D; ++c) b.dt[t * D + c] += W.dt_b[c];
    }
  } else if (op == Op::kScan) {
    for (int64_t t = t0; t < t1; ++t) {
      selective_scan_token(&b.dt[t * D], &b.uq.v[t * D], &b.qB.v[t * N], &b.qC.v[t * N], W.A.data(),
                           W.D.data(), b.h.data(), &b.y[t * D], D, N);
      if (t < state_from_) continue;
      // The state leaves the scan unit: stored INT8 (y above used fp32 h).
      if (state_q_) {
        for (float& v : b.h) {
          v = quant::dequantize_int8(quant::quantize_int8(v, S.h, quant::Rounding::kHalfToEven),
                                     S.h);
        }
      }
      std::copy(b.h.begin(), b.h.end(), b.hs.begin() + (t - state_from_) * D * N);
    }
  } else if (op == Op::kGate) {
    silu_mul_n(b.qz.v.data() + t0 * D, b.y.data() + t0 * D, b.y.data() + t0 * D, (t1 - t0) * D);
  } else if (op == Op::kHadamard) {
    // Hadamard, then INT8 with roundf and no clamp (codes may pass 127).
    for (int64_t t = t0; t < t1; ++t) {
      scratch_.resize(static_cast<size_t>(D));
      float* row = ints_ ? scratch_.data() : b.yh.data() + t * D;
      std::copy_n(b.y.begin() + t * D, D, row);
      hadamard_transform(row, D);
      for (int64_t c = 0; c < D; ++c) {
        if (ints_) {
          b.qy[t * D + c] = quant::round_half_away(row[c] / S.y_had);
        } else if (A_) {
          row[c] = static_cast<float>(quant::round_half_away(row[c] / S.y_had)) * S.y_had;
        }
      }
    }
  } else if (op == Op::kOutProj) {
    if (ints_) {
      gemm_s32(b.qy.data() + t0 * D, t1 - t0, D, Q.out_proj_had.q.data(), dm,
               S.y_had * Q.out_proj_had.scale, b.out.data() + t0 * dm);
    } else {
      linear(b.yh.data() + t0 * D, t1 - t0, D, Q.out_proj_had.f.data(), dm, b.out.data() + t0 * dm);
    }
  } else if (op == Op::kResidual) {
    for (int64_t i = t0 * dm; i < t1 * dm; ++i) resid_[i] += b.out[i];
  } else {
    throw Error(std::string("W8A8: ") + op_name(op) + " is not an operation of a layer");
  }
}

std::vector<LayerActivations> W8A8Sequence::take_activations() {
  std::vector<LayerActivations> acts;
  for (LayerBuf& b : layers_) {
    acts.push_back({std::move(b.in.v), std::move(b.qx.v), std::move(b.qz.v), std::move(b.uq.v),
                    std::move(b.dt), std::move(b.qB.v), std::move(b.qC.v), std::move(b.y),
                    std::move(b.out), std::move(b.qdtl.v), std::move(b.hs), state_from_});
  }
  layers_.clear();
  return acts;
}

}  // namespace ssmsim
