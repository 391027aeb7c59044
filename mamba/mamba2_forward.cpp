#include "mamba/mamba2_forward.hpp"

#include <algorithm>
#include <cmath>

#include "common/error.hpp"
#include "io/trace.hpp"
#include "mamba/mamba_forward.hpp"
#include "numeric/activations.hpp"
#include "numeric/selective_scan.hpp"

namespace ssmsim {

Mamba2Weights load_mamba2_weights(const Checkpoint& ckpt) {
  const ModelDims& d = ckpt.dims();
  if (!d.mamba2()) {
    throw Error(ckpt.dir() + ": a Mamba-1 checkpoint (model_type \"mamba\"), expected Mamba-2");
  }
  Mamba2Weights w;
  w.dims = d;
  w.embeddings = ckpt.get("backbone.embeddings.weight").to_float_finite();
  w.norm_f = ckpt.get("backbone.norm_f.weight").to_float_finite();
  w.lm_head = ckpt.get("lm_head.weight").to_float_finite();
  for (int64_t l = 0; l < d.n_layer; ++l) {
    Mamba2LayerWeights L;
    auto p = [&](const std::string& n) { return ckpt.layer(l, n).to_float_finite(); };
    L.norm = p("norm.weight");
    L.in_proj = p("mixer.in_proj.weight");
    L.conv_w = p("mixer.conv1d.weight");  // [C, 1, k] is [C, k]
    L.conv_b = d.use_conv_bias ? p("mixer.conv1d.bias")
                               : std::vector<float>(static_cast<size_t>(d.conv_dim()), 0.0f);
    L.dt_bias = p("mixer.dt_bias");
    L.A = p("mixer.A_log");
    for (float& a : L.A) a = -std::exp(a);
    L.D = p("mixer.D");
    L.gnorm = p("mixer.norm.weight");
    L.out_proj = p("mixer.out_proj.weight");
    if (d.use_bias) {
      L.in_proj_b = p("mixer.in_proj.bias");
      L.out_proj_b = p("mixer.out_proj.bias");
    }
    w.layers.push_back(std::move(L));
  }
  return w;
}

void Mamba2Activations::allocate(const ModelDims& d, int64_t L) {
  const auto n = [](int64_t v) { return static_cast<size_t>(v); };
  const int64_t dm = d.d_model, D = d.d_inner, GN = d.n_groups * d.d_state;
  mixer_in.resize(n(L * dm));
  z.resize(n(L * D));
  xBC.resize(n(L * d.conv_dim()));
  dt.resize(n(L * d.n_heads));
  x.resize(n(L * D));
  B.resize(n(L * GN));
  C.resize(n(L * GN));
  y.resize(n(L * D));
  norm_out.resize(n(L * D));
  mixer_out.resize(n(L * dm));
  state.assign(n(D * d.d_state), 0.0f);
}

void mamba2_delta(const float* dt, const float* dt_bias, int64_t L, int64_t H, double lo, double hi,
                  float* delta) {
  const float flo = static_cast<float>(lo), fhi = static_cast<float>(std::min(hi, 3.0e38));
  for (int64_t t = 0; t < L; ++t) {
    for (int64_t h = 0; h < H; ++h) delta[t * H + h] = dt[t * H + h] + dt_bias[h];
  }
  softplus_n(delta, delta, L * H);
  for (int64_t i = 0; i < L * H; ++i) delta[i] = std::clamp(delta[i], flo, fhi);
}

void gated_rms_norm(const float* y, const float* z, int64_t M, int64_t width, const float* w,
                    double eps, float* out) {
  for (int64_t m = 0; m < M; ++m) {
    float* o = out + m * width;
    double ss = 0;
    silu_mul_n(z + m * width, y + m * width, o, width);
    for (int64_t i = 0; i < width; ++i) ss += static_cast<double>(o[i]) * o[i];
    const float inv = static_cast<float>(1.0 / std::sqrt(ss / static_cast<double>(width) + eps));
    for (int64_t i = 0; i < width; ++i) o[i] = o[i] * inv * w[i];
  }
}

namespace {

void add_bias(std::vector<float>& y, int64_t M, const std::vector<float>& b) {
  if (b.empty()) return;
  const int64_t N = static_cast<int64_t>(b.size());
  for (int64_t m = 0; m < M; ++m) {
    for (int64_t n = 0; n < N; ++n) y[m * N + n] += b[n];
  }
}

}  // namespace

Mamba2Forward::Mamba2Forward(const Mamba2Weights& w) : w_(w) { reset(); }

std::vector<float> Mamba2Forward::prefill(const std::vector<int32_t>& tokens,
                                          std::vector<Mamba2Activations>* acts) const {
  if (!acts) return prefill(tokens, LayerObserver());
  acts->assign(static_cast<size_t>(w_.dims.n_layer), {});
  return prefill(tokens, [acts](int64_t l, Mamba2Activations& a) {
    (*acts)[static_cast<size_t>(l)] = std::move(a);
  });
}

std::vector<float> Mamba2Forward::prefill(const std::vector<int32_t>& tokens,
                                          const LayerObserver& observe) const {
  const ModelDims& d = w_.dims;
  const int64_t L = static_cast<int64_t>(tokens.size()), dm = d.d_model, D = d.d_inner,
                GN = d.n_groups * d.d_state, H = d.n_heads, K = d.d_conv, V = d.vocab_size,
                CD = d.conv_dim(), R = w_.in_proj_rows();
  // Per-thread buffers reused from call to call (as in MambaForward).
  struct Work {
    std::vector<float> resid, proj, conv, delta, xq, normed;
    Mamba2Activations a;
  };
  thread_local Work w;
  const auto fit = [](std::vector<float>& v, int64_t n) { v.resize(static_cast<size_t>(n)); };
  embed_tokens(tokens, w_.embeddings, dm, V, w.resid);
  fit(w.proj, L * R);
  fit(w.conv, L * CD);
  fit(w.delta, L * H);
  Mamba2Activations& a = w.a;
  for (int64_t l = 0; l < d.n_layer; ++l) {
    const Mamba2LayerWeights& W = w_.layers[static_cast<size_t>(l)];
    for (auto* v : {&a.mixer_in, &a.mixer_out}) fit(*v, L * dm);
    for (auto* v : {&a.z, &a.x, &a.y, &a.norm_out}) fit(*v, L * D);
    for (auto* v : {&a.B, &a.C}) fit(*v, L * GN);
    fit(a.xBC, L * CD);
    fit(a.dt, L * H);
    rms_norm(w.resid.data(), L, dm, W.norm.data(), d.rms_norm_eps, a.mixer_in.data());
    linear(a.mixer_in.data(), L, dm, W.in_proj.data(), R, w.proj.data());
    add_bias(w.proj, L, W.in_proj_b);
    split_columns(w.proj.data(), L, R, {{a.z.data(), D}, {a.xBC.data(), CD}, {a.dt.data(), H}});
    // Causal depthwise conv1d over x, B and C, then SiLU.
    causal_conv1d_silu(a.xBC.data(), CD, W.conv_w.data(), W.conv_b.data(), K, 0, L, w.conv.data());
    split_columns(w.conv.data(), L, CD, {{a.x.data(), D}, {a.B.data(), GN}, {a.C.data(), GN}});
    const std::vector<float>* xs = &a.x;
    if (hook_) {
      w.xq = a.x;
      hook_(l, w.xq);
      xs = &w.xq;
    }
    mamba2_delta(a.dt.data(), W.dt_bias.data(), L, H, d.dt_limit_lo, d.dt_limit_hi, w.delta.data());
    a.state.assign(static_cast<size_t>(H * d.head_dim * d.d_state), 0.0f);
    ssd_chunked(xs->data(), w.delta.data(), W.A.data(), a.B.data(), a.C.data(), W.D.data(), L,
                w_.ssd(), d.chunk_size, a.state.data(), a.y.data());
    gated_rms_norm(a.y.data(), a.z.data(), L, D, W.gnorm.data(), d.rms_norm_eps, a.norm_out.data());
    linear(a.norm_out.data(), L, D, W.out_proj.data(), dm, a.mixer_out.data());
    add_bias(a.mixer_out, L, W.out_proj_b);
    for (size_t i = 0; i < w.resid.size(); ++i) w.resid[i] += a.mixer_out[i];
    if (observe) observe(l, a);
  }
  fit(w.normed, L * dm);
  return head_logits(w.resid.data(), L, d, w_.norm_f, w_.lm_head, w.normed.data());
}

void Mamba2Forward::reset() {
  const ModelDims& d = w_.dims;
  conv_state_.assign(static_cast<size_t>(d.n_layer),
                     std::vector<float>(static_cast<size_t>((d.d_conv - 1) * d.conv_dim()), 0.0f));
  ssm_state_.assign(
      static_cast<size_t>(d.n_layer),
      std::vector<float>(static_cast<size_t>(d.n_heads * d.head_dim * d.d_state), 0.0f));
}

std::vector<float> Mamba2Forward::step(int32_t token) {
  const ModelDims& d = w_.dims;
  const int64_t dm = d.d_model, D = d.d_inner, GN = d.n_groups * d.d_state, H = d.n_heads,
                K = d.d_conv, V = d.vocab_size, CD = d.conv_dim(), R = w_.in_proj_rows();
  if (token < 0 || token >= V) {
    throw Error("token " + std::to_string(token) + " outside the vocabulary");
  }
  std::vector<float> resid(w_.embeddings.begin() + token * dm,
                           w_.embeddings.begin() + (token + 1) * dm);
  std::vector<float> mix_in(dm), proj(R), xbc(CD), delta(H), y(D), normed(D), out(dm);
  for (int64_t l = 0; l < d.n_layer; ++l) {
    const Mamba2LayerWeights& W = w_.layers[static_cast<size_t>(l)];
    std::vector<float>& cs = conv_state_[static_cast<size_t>(l)];  // [K-1, CD], oldest first
    rms_norm(resid.data(), 1, dm, W.norm.data(), d.rms_norm_eps, mix_in.data());
    linear(mix_in.data(), 1, dm, W.in_proj.data(), R, proj.data());
    add_bias(proj, 1, W.in_proj_b);
    const float* in = proj.data() + D;  // this token's xBC
    conv1d_silu_step(in, CD, W.conv_w.data(), W.conv_b.data(), K, cs.data(), xbc.data());
    if (hook_) {
      std::vector<float> xq(xbc.begin(), xbc.begin() + D);
      hook_(l, xq);
      std::copy(xq.begin(), xq.end(), xbc.begin());
    }
    mamba2_delta(proj.data() + D + CD, W.dt_bias.data(), 1, H, d.dt_limit_lo, d.dt_limit_hi,
                 delta.data());
    ssd_step(xbc.data(), delta.data(), W.A.data(), xbc.data() + D, xbc.data() + D + GN, W.D.data(),
             w_.ssd(), ssm_state_[static_cast<size_t>(l)].data(), y.data());
    gated_rms_norm(y.data(), proj.data(), 1, D, W.gnorm.data(), d.rms_norm_eps, normed.data());
    linear(normed.data(), 1, D, W.out_proj.data(), dm, out.data());
    add_bias(out, 1, W.out_proj_b);
    for (int64_t i = 0; i < dm; ++i) resid[i] += out[i];
  }
  std::vector<float> fin(dm);
  return head_logits(resid.data(), 1, d, w_.norm_f, w_.lm_head, fin.data());
}

}  // namespace ssmsim
