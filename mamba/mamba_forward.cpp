#include "mamba/mamba_forward.hpp"

#include <algorithm>
#include <cmath>

#include "common/error.hpp"
#include "io/trace.hpp"
#include "numeric/activations.hpp"
#include "numeric/gemm.hpp"
#include "numeric/selective_scan.hpp"

namespace ssmsim {

namespace {

std::vector<float> param(const Checkpoint& c, const std::string& name) {
  return c.get(name).to_float_finite();
}

}  // namespace

MambaWeights load_weights(const Checkpoint& ckpt) {
  require_mamba1(ckpt.dims(), ckpt.dir());
  MambaWeights w;
  w.dims = ckpt.dims();
  w.embeddings = param(ckpt, "backbone.embeddings.weight");
  w.norm_f = param(ckpt, "backbone.norm_f.weight");
  w.lm_head = param(ckpt, "lm_head.weight");
  for (int64_t l = 0; l < w.dims.n_layer; ++l) {
    MambaLayerWeights L;
    auto p = [&](const std::string& n) { return ckpt.layer(l, n).to_float_finite(); };
    L.norm = p("norm.weight");
    L.in_proj = p("mixer.in_proj.weight");
    L.conv_w = p("mixer.conv1d.weight");  // [D, 1, k] is [D, k]
    L.conv_b = p("mixer.conv1d.bias");
    L.x_proj = p("mixer.x_proj.weight");
    L.dt_w = p("mixer.dt_proj.weight");
    L.dt_b = p("mixer.dt_proj.bias");
    L.A = scan_a_from_a_log(p("mixer.A_log"), w.dims.d_inner, w.dims.d_state);
    L.D = p("mixer.D");
    L.out_proj = p("mixer.out_proj.weight");
    w.layers.push_back(std::move(L));
  }
  return w;
}

void linear(const float* x, int64_t M, int64_t K, const float* w, int64_t N, float* y) {
  gemm_f32(x, M, K, w, N, y);
}

std::vector<float> head_logits(const float* resid, int64_t rows, const ModelDims& d,
                               const std::vector<float>& norm_f, const std::vector<float>& lm_head,
                               float* normed) {
  std::vector<float> logits(static_cast<size_t>(rows * d.vocab_size));
  rms_norm(resid, rows, d.d_model, norm_f.data(), d.rms_norm_eps, normed);
  linear(normed, rows, d.d_model, lm_head.data(), d.vocab_size, logits.data());
  return logits;
}

void rms_norm(const float* x, int64_t M, int64_t width, const float* w, double eps, float* y) {
  for (int64_t m = 0; m < M; ++m) {
    const float* r = x + m * width;
    double ss = 0;
    for (int64_t i = 0; i < width; ++i) ss += static_cast<double>(r[i]) * r[i];
    const float inv = static_cast<float>(1.0 / std::sqrt(ss / static_cast<double>(width) + eps));
    for (int64_t i = 0; i < width; ++i) y[m * width + i] = r[i] * inv * w[i];
  }
}

void embed_tokens(const std::vector<int32_t>& tokens, const std::vector<float>& embeddings,
                  int64_t d_model, int64_t vocab, std::vector<float>& resid) {
  const int64_t L = static_cast<int64_t>(tokens.size());
  for (int64_t t = 0; t < L; ++t) {
    if (tokens[t] < 0 || tokens[t] >= vocab) {
      throw Error("token " + std::to_string(tokens[t]) + " at position " + std::to_string(t) +
                  " is outside the vocabulary (" + std::to_string(vocab) + ")");
    }
  }
  resid.resize(static_cast<size_t>(L * d_model));
  for (int64_t t = 0; t < L; ++t) {
    std::copy_n(embeddings.begin() + tokens[t] * d_model, d_model, resid.begin() + t * d_model);
  }
}

void causal_conv1d_silu(const float* x, int64_t C, const float* w, const float* b, int64_t K,
                        int64_t t0, int64_t t1, float* y) {
  for (int64_t t = t0; t < t1; ++t) {
    for (int64_t c = 0; c < C; ++c) {
      float acc = b[c];
      for (int64_t j = 0; j < K; ++j) {
        const int64_t src = t - (K - 1) + j;
        if (src >= 0) acc += w[c * K + j] * x[src * C + c];
      }
      y[t * C + c] = acc;
    }
    silu_n(y + t * C, y + t * C, C);
  }
}

void conv1d_silu_step(const float* in, int64_t C, const float* w, const float* b, int64_t K,
                      float* window, float* y) {
  for (int64_t c = 0; c < C; ++c) {
    float acc = b[c];
    for (int64_t j = 0; j < K - 1; ++j) acc += w[c * K + j] * window[j * C + c];
    acc += w[c * K + K - 1] * in[c];
    y[c] = acc;
  }
  silu_n(y, y, C);
  if (K < 2) return;  // no window to keep
  // Drop the oldest input, append this token's.
  std::copy(window + C, window + (K - 1) * C, window);
  std::copy_n(in, C, window + (K - 2) * C);
}

void split_columns(const float* src, int64_t L, int64_t width,
                   std::initializer_list<ColumnPart> parts) {
  for (int64_t t = 0; t < L; ++t) {
    const float* row = src + t * width;
    for (const ColumnPart& p : parts) {
      std::copy_n(row, p.n, p.dst + t * p.n);
      row += p.n;
    }
  }
}

MambaForward::MambaForward(const MambaWeights& w) : w_(w) { reset(); }

std::vector<float> MambaForward::prefill(const std::vector<int32_t>& tokens,
                                         std::vector<LayerActivations>* acts,
                                         int64_t states_from) const {
  if (!acts) return prefill(tokens, LayerObserver(), states_from);
  acts->assign(static_cast<size_t>(w_.dims.n_layer), {});
  // Moved, not copied: the next layer gets fresh buffers.
  return prefill(
      tokens,
      [acts](int64_t l, LayerActivations& a) { (*acts)[static_cast<size_t>(l)] = std::move(a); },
      states_from);
}

std::vector<float> MambaForward::prefill(const std::vector<int32_t>& tokens,
                                         const LayerObserver& observe, int64_t states_from) const {
  const ModelDims& d = w_.dims;
  const int64_t L = static_cast<int64_t>(tokens.size()), dm = d.d_model, D = d.d_inner,
                N = d.d_state, r = d.dt_rank, K = d.d_conv, V = d.vocab_size;
  // Working buffers per thread, reused from call to call (calibration runs
  // hundreds of sequences): every element is written before it is read, so
  // only their sizes are set; an observer that moves them out leaves them
  // empty and they are allocated again. (So an observer or hook must not
  // run a prefill itself on the same thread.)
  struct Work {
    std::vector<float> resid, xz, xdbl, h, u_q_scan, u_q_xproj, normed;
    LayerActivations a;
  };
  thread_local Work w;
  const auto fit = [](std::vector<float>& v, int64_t n) { v.resize(static_cast<size_t>(n)); };
  embed_tokens(tokens, w_.embeddings, dm, V, w.resid);
  const int64_t h_from = states_from < 0 ? L - 1 : std::min(states_from, L - 1);
  fit(w.xz, L * 2 * D);
  fit(w.xdbl, L * (r + 2 * N));
  fit(w.h, D * N);
  std::vector<float>& resid = w.resid;
  LayerActivations& a = w.a;
  for (int64_t l = 0; l < d.n_layer; ++l) {
    const MambaLayerWeights& W = w_.layers[static_cast<size_t>(l)];
    for (auto* v : {&a.mixer_in, &a.mixer_out}) fit(*v, L * dm);
    for (auto* v : {&a.x, &a.z, &a.u, &a.dt, &a.y}) fit(*v, L * D);
    for (auto* v : {&a.B, &a.C}) fit(*v, L * N);
    fit(a.dt_low, L * r);
    fit(a.h, std::max<int64_t>(0, L - h_from) * D * N);
    a.h_from = h_from;
    rms_norm(resid.data(), L, dm, W.norm.data(), d.rms_norm_eps, a.mixer_in.data());
    linear(a.mixer_in.data(), L, dm, W.in_proj.data(), 2 * D, w.xz.data());
    split_columns(w.xz.data(), L, 2 * D, {{a.x.data(), D}, {a.z.data(), D}});
    causal_conv1d_silu(a.x.data(), D, W.conv_w.data(), W.conv_b.data(), K, 0, L, a.u.data());
    // The SSM input as the scan and x_proj see it (quantized by the hook).
    const std::vector<float>* u_scan = &a.u;
    const std::vector<float>* u_xproj = &a.u;
    if (hook_) {
      w.u_q_scan = a.u;
      w.u_q_xproj = a.u;
      hook_(l, a.u, w.u_q_scan, w.u_q_xproj);
      u_scan = &w.u_q_scan;
      u_xproj = &w.u_q_xproj;
    }
    linear(u_xproj->data(), L, D, W.x_proj.data(), r + 2 * N, w.xdbl.data());
    split_columns(w.xdbl.data(), L, r + 2 * N,
                  {{a.dt_low.data(), r}, {a.B.data(), N}, {a.C.data(), N}});
    linear(a.dt_low.data(), L, r, W.dt_w.data(), D, a.dt.data());
    for (int64_t t = 0; t < L; ++t) {
      for (int64_t c = 0; c < D; ++c) a.dt[t * D + c] += W.dt_b[c];
    }
    std::fill(w.h.begin(), w.h.end(), 0.0f);
    for (int64_t t = 0; t < L; ++t) {
      selective_scan_token(&a.dt[t * D], &(*u_scan)[t * D], &a.B[t * N], &a.C[t * N], W.A.data(),
                           W.D.data(), w.h.data(), &a.y[t * D], D, N);
      silu_mul_n(&a.z[t * D], &a.y[t * D], &a.y[t * D], D);
      if (t >= h_from) std::copy(w.h.begin(), w.h.end(), a.h.begin() + (t - h_from) * D * N);
    }
    linear(a.y.data(), L, D, W.out_proj.data(), dm, a.mixer_out.data());
    for (size_t i = 0; i < resid.size(); ++i) resid[i] += a.mixer_out[i];
    if (observe) observe(l, a);
  }
  fit(w.normed, L * dm);
  return head_logits(resid.data(), L, d, w_.norm_f, w_.lm_head, w.normed.data());
}

void MambaForward::reset() {
  const ModelDims& d = w_.dims;
  conv_state_.assign(static_cast<size_t>(d.n_layer),
                     std::vector<float>(static_cast<size_t>((d.d_conv - 1) * d.d_inner), 0.0f));
  ssm_state_.assign(static_cast<size_t>(d.n_layer),
                    std::vector<float>(static_cast<size_t>(d.d_inner * d.d_state), 0.0f));
}

std::vector<float> MambaForward::step(int32_t token) {
  const ModelDims& d = w_.dims;
  const int64_t dm = d.d_model, D = d.d_inner, N = d.d_state, r = d.dt_rank, K = d.d_conv,
                V = d.vocab_size;
  if (token < 0 || token >= V)
    throw Error("token " + std::to_string(token) + " outside the vocabulary");
  std::vector<float> resid(w_.embeddings.begin() + token * dm,
                           w_.embeddings.begin() + (token + 1) * dm);
  std::vector<float> mix_in(dm), xz(2 * D), u(D), xdbl(r + 2 * N), dt(D), y(D), out(dm);
  for (int64_t l = 0; l < d.n_layer; ++l) {
    const MambaLayerWeights& W = w_.layers[static_cast<size_t>(l)];
    std::vector<float>& cs = conv_state_[static_cast<size_t>(l)];  // [K-1, D], oldest first
    rms_norm(resid.data(), 1, dm, W.norm.data(), d.rms_norm_eps, mix_in.data());
    linear(mix_in.data(), 1, dm, W.in_proj.data(), 2 * D, xz.data());
    conv1d_silu_step(xz.data(), D, W.conv_w.data(), W.conv_b.data(), K, cs.data(), u.data());
    linear(u.data(), 1, D, W.x_proj.data(), r + 2 * N, xdbl.data());
    linear(xdbl.data(), 1, r, W.dt_w.data(), D, dt.data());
    for (int64_t c = 0; c < D; ++c) dt[c] += W.dt_b[c];
    selective_scan_token(dt.data(), u.data(), xdbl.data() + r, xdbl.data() + r + N, W.A.data(),
                         W.D.data(), ssm_state_[static_cast<size_t>(l)].data(), y.data(), D, N);
    silu_mul_n(xz.data() + D, y.data(), y.data(), D);
    linear(y.data(), 1, D, W.out_proj.data(), dm, out.data());
    for (int64_t i = 0; i < dm; ++i) resid[i] += out[i];
  }
  std::vector<float> normed(dm);
  return head_logits(resid.data(), 1, d, w_.norm_f, w_.lm_head, normed.data());
}

}  // namespace ssmsim
