#include "mamba/w8a8_mamba2.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "common/error.hpp"
#include "common/json_file.hpp"
#include "mamba/mamba_forward.hpp"
#include "mamba/parallel_samples.hpp"
#include "numeric/calibration.hpp"
#include "numeric/gemm.hpp"
#include "numeric/hadamard.hpp"
#include "numeric/selective_scan.hpp"

namespace ssmsim {

const char* scheme_name(ScaleScheme s) {
  return s == ScaleScheme::kQuamba2 ? "quamba2" : "per-tensor";
}

ScaleScheme parse_scheme(const std::string& s, const std::string& what) {
  if (s == "per-tensor") return ScaleScheme::kPerTensor;
  if (s == "quamba2") return ScaleScheme::kQuamba2;
  throw Error(what + " = '" + s + "': expected per-tensor or quamba2");
}

namespace {

// Euclidean distance squared.
double dist2(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += (a[i] - b[i]) * (a[i] - b[i]);
  return s;
}

// Lloyd's k-means from the given centers (as scikit-learn's KMeans with an
// explicit init, n_init 1): labels of `points`.
std::vector<int32_t> kmeans(const std::vector<std::vector<double>>& points,
                            std::vector<std::vector<double>> centers) {
  std::vector<int32_t> label(points.size(), -1);
  for (int it = 0; it < 300; ++it) {
    bool changed = false;
    for (size_t i = 0; i < points.size(); ++i) {
      int32_t best = 0;
      double bd = dist2(points[i], centers[0]);
      for (size_t k = 1; k < centers.size(); ++k) {
        const double d = dist2(points[i], centers[k]);
        if (d < bd) bd = d, best = static_cast<int32_t>(k);
      }
      changed |= label[i] != best;
      label[i] = best;
    }
    if (!changed) break;
    for (size_t k = 0; k < centers.size(); ++k) {
      std::vector<double> sum(centers[k].size(), 0.0);
      size_t n = 0;
      for (size_t i = 0; i < points.size(); ++i) {
        if (label[i] != static_cast<int32_t>(k)) continue;
        for (size_t f = 0; f < sum.size(); ++f) sum[f] += points[i][f];
        ++n;
      }
      if (n == 0) continue;  // an empty cluster keeps its center
      for (size_t f = 0; f < sum.size(); ++f) centers[k][f] = sum[f] / static_cast<double>(n);
    }
  }
  return label;
}

}  // namespace

Quamba2Groups Quamba2Groups::cluster(const std::vector<float>& stat, int64_t H, int64_t P,
                                     int64_t G, int64_t head_groups, int64_t dim_groups) {
  const int64_t hpg = H / G;
  Quamba2Groups out;
  out.head_groups = std::min(head_groups, hpg);
  out.dim_groups = std::min(dim_groups, P);
  out.head_group.assign(static_cast<size_t>(H), 0);
  out.dim_group.assign(static_cast<size_t>(H * P), 0);
  for (int64_t g = 0; g < G; ++g) {
    // Each head's statistics sorted ascending and normalised (its shape,
    // not its size, decides its cluster).
    std::vector<std::vector<double>> v(static_cast<size_t>(hpg));
    std::vector<std::vector<int64_t>> order(static_cast<size_t>(hpg));
    for (int64_t i = 0; i < hpg; ++i) {
      const float* s = stat.data() + (g * hpg + i) * P;
      auto& o = order[static_cast<size_t>(i)];
      o.resize(static_cast<size_t>(P));
      std::iota(o.begin(), o.end(), 0);
      std::stable_sort(o.begin(), o.end(), [&](int64_t a, int64_t b) { return s[a] < s[b]; });
      auto& vi = v[static_cast<size_t>(i)];
      double norm = 0;
      for (int64_t j = 0; j < P; ++j) {
        vi.push_back(s[o[static_cast<size_t>(j)]]);
        norm += vi.back() * vi.back();
      }
      if (norm > 0) {
        for (double& e : vi) e /= std::sqrt(norm);
      }
    }
    // Ward agglomeration: merge the pair whose union adds the least
    // within-cluster variance, na nb / (na + nb) |ca - cb|^2.
    struct Cl {
      std::vector<int64_t> heads;
      std::vector<double> center;
    };
    std::vector<Cl> cl;
    for (int64_t i = 0; i < hpg; ++i) cl.push_back({{i}, v[static_cast<size_t>(i)]});
    while (static_cast<int64_t>(cl.size()) > out.head_groups) {
      size_t ba = 0, bb = 1;
      double best = -1;
      for (size_t a = 0; a < cl.size(); ++a) {
        for (size_t b = a + 1; b < cl.size(); ++b) {
          const double na = static_cast<double>(cl[a].heads.size()),
                       nb = static_cast<double>(cl[b].heads.size());
          const double cost = na * nb / (na + nb) * dist2(cl[a].center, cl[b].center);
          if (best < 0 || cost < best) best = cost, ba = a, bb = b;
        }
      }
      const double na = static_cast<double>(cl[ba].heads.size()),
                   nb = static_cast<double>(cl[bb].heads.size());
      for (size_t f = 0; f < cl[ba].center.size(); ++f) {
        cl[ba].center[f] = (na * cl[ba].center[f] + nb * cl[bb].center[f]) / (na + nb);
      }
      cl[ba].heads.insert(cl[ba].heads.end(), cl[bb].heads.begin(), cl[bb].heads.end());
      cl.erase(cl.begin() + static_cast<std::ptrdiff_t>(bb));
    }
    // Within each head group, k-means over the sorted positions (a point's
    // features: that position's value in every head of the group), started
    // from every (P / DG)-th position as Quamba2 does.
    for (size_t k = 0; k < cl.size(); ++k) {
      std::vector<std::vector<double>> pts(static_cast<size_t>(P));
      for (int64_t j = 0; j < P; ++j) {
        for (int64_t i : cl[k].heads) {
          pts[static_cast<size_t>(j)].push_back(v[static_cast<size_t>(i)][static_cast<size_t>(j)]);
        }
      }
      std::vector<std::vector<double>> init;
      const int64_t step = P / out.dim_groups;
      for (int64_t c = 0; c < out.dim_groups; ++c)
        init.push_back(pts[static_cast<size_t>(c * step)]);
      const std::vector<int32_t> lab = kmeans(pts, init);
      for (int64_t i : cl[k].heads) {
        const int64_t h = g * hpg + i;
        out.head_group[static_cast<size_t>(h)] = static_cast<int32_t>(k);
        for (int64_t j = 0; j < P; ++j) {
          out.dim_group[static_cast<size_t>(
              h * P + order[static_cast<size_t>(i)][static_cast<size_t>(j)])] =
              lab[static_cast<size_t>(j)];
        }
      }
    }
  }
  return out;
}

namespace {

constexpr int kSites = Mamba2ScaleCalibrator::kSites;
constexpr const char* kSiteNames[kSites] = {"mixer_in", "z", "x_in", "B_in",  "C_in", "dt",
                                            "x",        "B", "C",    "state", "y_had"};
constexpr int kSiteX = 6, kSiteState = 9, kSiteYHad = 10;

float* site(Mamba2LayerScales& s, int i) {
  float* f[] = {&s.mixer_in, &s.z, &s.x_in, &s.B_in,  &s.C_in, &s.dt,
                &s.x,        &s.B, &s.C,    &s.state, &s.y_had};
  return f[i];
}

float to_scale(double amax) { return amax > 0 ? static_cast<float>(amax / 127.0) : 1.0f; }

nlohmann::ordered_json floats(const std::vector<float>& v) {
  nlohmann::ordered_json a = nlohmann::ordered_json::array();
  for (float f : v) a.push_back(f);
  return a;
}

}  // namespace

nlohmann::ordered_json Mamba2Scales::to_json() const {
  nlohmann::ordered_json j = scales_header_json(*this, true);
  for (size_t l = 0; l < layers.size(); ++l) {
    Mamba2LayerScales s = layers[l];
    nlohmann::ordered_json lj;
    lj["layer"] = l;
    for (int i = 0; i < kSites; ++i) lj[kSiteNames[i]] = *site(s, i);
    nlohmann::ordered_json q;
    q["head_groups"] = s.groups.head_groups;
    q["dim_groups"] = s.groups.dim_groups;
    q["head_group"] = s.groups.head_group;
    q["dim_group"] = s.groups.dim_group;
    q["x"] = floats(s.x_group);
    q["B"] = floats(s.B_group);
    q["C"] = floats(s.C_group);
    q["state"] = floats(s.state_group);
    lj["quamba2"] = q;
    j["layers"].push_back(lj);
  }
  return j;
}

Mamba2Scales Mamba2Scales::from_json(const nlohmann::json& j, const std::string& where,
                                     const ModelDims& d) {
  Mamba2Scales s;
  static_cast<ScalesHeader&>(s) = read_scales_header(j, where, true, d.n_layer);
  const int64_t H = d.n_heads, P = d.head_dim, G = d.n_groups, N = d.d_state;
  for (size_t l = 0; l < j["layers"].size(); ++l) {
    const auto& lj = j["layers"][l];
    const std::string at = "layers[" + std::to_string(l) + "]";
    if (!lj.is_object()) throw Error(where + ": " + at + ": expected an object");
    Mamba2LayerScales ls;
    const auto scale = [&](const nlohmann::json& v, const std::string& key) {
      if (!v.is_number()) throw Error(where + ": " + key + ": missing or not a number");
      const double x = v.get<double>();
      if (!(x > 0) || !std::isfinite(x)) throw Error(where + ": " + key + ": expected a scale > 0");
      return static_cast<float>(x);
    };
    for (int i = 0; i < kSites; ++i) {
      const std::string key = at + "." + kSiteNames[i];
      *site(ls, i) = scale(lj.contains(kSiteNames[i]) ? lj[kSiteNames[i]] : nlohmann::json(), key);
    }
    if (!lj.contains("quamba2") || !lj["quamba2"].is_object()) {
      throw Error(where + ": " + at + ".quamba2: missing (re-run ssmsim calibrate)");
    }
    const auto& q = lj["quamba2"];
    const auto count = [&](const char* key, int64_t hi) {
      const std::string k = at + ".quamba2." + key;
      if (!q.contains(key) || !q[key].is_number_integer() || q[key].get<int64_t>() < 1 ||
          q[key].get<int64_t>() > hi) {
        throw Error(where + ": " + k + ": expected an integer in [1, " + std::to_string(hi) + "]");
      }
      return q[key].get<int64_t>();
    };
    ls.groups.head_groups = count("head_groups", H / G);
    ls.groups.dim_groups = count("dim_groups", P);
    const auto labels = [&](const char* key, int64_t n, int64_t hi) {
      const std::string k = at + ".quamba2." + key;
      if (!q.contains(key) || !q[key].is_array() || static_cast<int64_t>(q[key].size()) != n) {
        throw Error(where + ": " + k + ": expected an array of " + std::to_string(n) + " integers");
      }
      std::vector<int32_t> v;
      for (const auto& e : q[key]) {
        if (!e.is_number_integer() || e.get<int64_t>() < 0 || e.get<int64_t>() >= hi) {
          throw Error(where + ": " + k + ": entries must be integers in [0, " + std::to_string(hi) +
                      ")");
        }
        v.push_back(e.get<int32_t>());
      }
      return v;
    };
    ls.groups.head_group = labels("head_group", H, ls.groups.head_groups);
    ls.groups.dim_group = labels("dim_group", H * P, ls.groups.dim_groups);
    const auto scales = [&](const char* key, int64_t n) {
      const std::string k = at + ".quamba2." + key;
      if (!q.contains(key) || !q[key].is_array() || static_cast<int64_t>(q[key].size()) != n) {
        throw Error(where + ": " + k + ": expected an array of " + std::to_string(n) + " scales");
      }
      std::vector<float> v;
      for (size_t i = 0; i < q[key].size(); ++i)
        v.push_back(scale(q[key][i], k + "[" + std::to_string(i) + "]"));
      return v;
    };
    const int64_t ng = G * ls.groups.head_groups * ls.groups.dim_groups;
    ls.x_group = scales("x", ng);
    ls.B_group = scales("B", G);
    ls.C_group = scales("C", G);
    ls.state_group = scales("state", ng * N);
    s.layers.push_back(std::move(ls));
  }
  return s;
}

Mamba2Scales Mamba2Scales::load(const std::string& path, const ModelDims& d) {
  return from_json(read_json_file(path), path, d);
}

Mamba2ScaleCalibrator::Mamba2ScaleCalibrator(const Mamba2Weights& w, double percentile)
    : w_(w), percentile_(percentile) {}

Mamba2ScaleCalibrator::Sample Mamba2ScaleCalibrator::measure(
    const std::vector<int32_t>& tokens) const {
  Sample out(static_cast<size_t>(w_.dims.n_layer));
  const Mamba2Forward fwd(w_);
  fwd.prefill(tokens, [&](int64_t l, Mamba2Activations& a) {
    out[static_cast<size_t>(l)] = measure_layer(a, static_cast<int64_t>(tokens.size()));
  });
  return out;
}

Mamba2ScaleCalibrator::Sample Mamba2ScaleCalibrator::measure(
    const std::vector<Mamba2Activations>& acts, int64_t tokens) const {
  Sample out;
  for (const Mamba2Activations& a : acts) out.push_back(measure_layer(a, tokens));
  return out;
}

Mamba2ScaleCalibrator::LayerStats Mamba2ScaleCalibrator::measure_layer(const Mamba2Activations& a,
                                                                       int64_t L) const {
  const ModelDims& d = w_.dims;
  const int64_t D = d.d_inner, GN = d.n_groups * d.d_state, CD = d.conv_dim();
  LayerStats st;
  const auto amax = [](const float* p, size_t n) {
    quant::MaxObserver m;
    m.observe(p, n);
    return m.amax();
  };
  st.amax[0] = amax(a.mixer_in.data(), a.mixer_in.size());
  st.amax[1] = amax(a.z.data(), a.z.size());
  // The conv1d input's three parts, one scale each.
  double xin = 0, bin = 0, cin = 0;
  for (int64_t t = 0; t < L; ++t) {
    const float* r = a.xBC.data() + t * CD;
    xin = std::max(xin, amax(r, static_cast<size_t>(D)));
    bin = std::max(bin, amax(r + D, static_cast<size_t>(GN)));
    cin = std::max(cin, amax(r + D + GN, static_cast<size_t>(GN)));
  }
  st.amax[2] = xin, st.amax[3] = bin, st.amax[4] = cin;
  st.amax[5] = amax(a.dt.data(), a.dt.size());
  st.amax[kSiteX] = quant::abs_quantile(a.x.data(), a.x.size(), percentile_ / 100.0);
  st.amax[7] = amax(a.B.data(), a.B.size());
  st.amax[8] = amax(a.C.data(), a.C.size());
  st.amax[kSiteState] = quant::abs_quantile(a.state.data(), a.state.size(), percentile_ / 100.0);
  std::vector<float> row(static_cast<size_t>(D));
  double yh = 0;
  for (int64_t t = 0; t < L; ++t) {
    std::copy_n(a.norm_out.begin() + t * D, D, row.begin());
    hadamard_transform(row.data(), D);
    yh = std::max(yh, amax(row.data(), row.size()));
  }
  st.amax[kSiteYHad] = yh;
  st.ch_max.assign(static_cast<size_t>(D), 0.0f);
  st.ch_mean.assign(static_cast<size_t>(D), 0.0f);
  std::vector<double> sum(static_cast<size_t>(D), 0.0);
  for (int64_t t = 0; t < L; ++t) {
    for (int64_t c = 0; c < D; ++c) {
      const float v = std::fabs(a.x[t * D + c]);
      st.ch_max[c] = std::max(st.ch_max[c], v);
      sum[c] += v;
    }
  }
  for (int64_t c = 0; c < D; ++c)
    st.ch_mean[c] = static_cast<float>(sum[c] / std::max<int64_t>(1, L));
  st.bc_max.assign(static_cast<size_t>(2 * GN), 0.0f);
  for (int64_t t = 0; t < L; ++t) {
    for (int64_t c = 0; c < GN; ++c) {
      st.bc_max[c] = std::max(st.bc_max[c], std::fabs(a.B[t * GN + c]));
      st.bc_max[GN + c] = std::max(st.bc_max[GN + c], std::fabs(a.C[t * GN + c]));
    }
  }
  st.st_max.resize(a.state.size());
  for (size_t i = 0; i < a.state.size(); ++i) st.st_max[i] = std::fabs(a.state[i]);
  return st;
}

void Mamba2ScaleCalibrator::fold(const Sample& s) {
  if (acc_.empty()) {
    acc_ = s;
    ++samples_;
    return;
  }
  for (size_t l = 0; l < acc_.size(); ++l) {
    LayerStats& a = acc_[l];
    const LayerStats& b = s[l];
    for (int i = 0; i < kSites; ++i) {
      // x and the state: Quamba's percentile EMA; the rest running max.
      a.amax[i] = (i == kSiteX || i == kSiteState) ? a.amax[i] + 0.01 * (b.amax[i] - a.amax[i])
                                                   : std::max(a.amax[i], b.amax[i]);
    }
    const auto vmax = [](std::vector<float>& x, const std::vector<float>& y) {
      for (size_t i = 0; i < x.size(); ++i) x[i] = std::max(x[i], y[i]);
    };
    vmax(a.ch_max, b.ch_max);
    vmax(a.ch_mean, b.ch_mean);  // Quamba2: the max over samples of the mean |x|
    vmax(a.bc_max, b.bc_max);
    vmax(a.st_max, b.st_max);
  }
  ++samples_;
}

Mamba2Scales calibrate_scales(const Mamba2Weights& w,
                              const std::vector<std::vector<int32_t>>& sequences, double percentile,
                              const std::function<void(size_t done)>& progress) {
  Mamba2ScaleCalibrator cal(w, percentile);
  cal.observe_all(sequences, progress);
  return cal.scales();
}

void Mamba2ScaleCalibrator::observe_all(const std::vector<std::vector<int32_t>>& samples,
                                        const std::function<void(size_t done)>& progress) {
  const std::vector<Sample> got = measure_samples<Sample>(
      samples.size(), [&](size_t i) { return measure(samples[i]); }, progress);
  for (const auto& g : got) fold(g);  // the EMA depends on the order
}

Mamba2Scales Mamba2ScaleCalibrator::scales() const {
  if (acc_.empty()) throw Error("calibration: no samples");
  const ModelDims& d = w_.dims;
  const int64_t H = d.n_heads, P = d.head_dim, G = d.n_groups, N = d.d_state, hpg = H / G;
  Mamba2Scales s;
  s.model = d.name;
  s.percentile = percentile_;
  s.samples = samples_;
  for (const LayerStats& a : acc_) {
    Mamba2LayerScales ls;
    for (int i = 0; i < kSites; ++i) *site(ls, i) = to_scale(a.amax[i]);
    ls.groups = Quamba2Groups::cluster(a.ch_mean, H, P, G);
    const int64_t ng = G * ls.groups.head_groups * ls.groups.dim_groups;
    std::vector<double> xg(static_cast<size_t>(ng), 0.0), sg(static_cast<size_t>(ng * N), 0.0);
    for (int64_t c = 0; c < H * P; ++c) {
      const int64_t k = ls.groups.index(c, P, hpg);
      xg[k] = std::max(xg[k], static_cast<double>(a.ch_max[c]));
      for (int64_t n = 0; n < N; ++n)
        sg[k * N + n] = std::max(sg[k * N + n], static_cast<double>(a.st_max[c * N + n]));
    }
    for (double v : xg) ls.x_group.push_back(to_scale(v));
    for (double v : sg) ls.state_group.push_back(to_scale(v));
    for (int64_t g = 0; g < G; ++g) {
      double b = 0, c = 0;
      for (int64_t n = 0; n < N; ++n) {
        b = std::max(b, static_cast<double>(a.bc_max[g * N + n]));
        c = std::max(c, static_cast<double>(a.bc_max[G * N + g * N + n]));
      }
      ls.B_group.push_back(to_scale(b));
      ls.C_group.push_back(to_scale(c));
    }
    s.layers.push_back(std::move(ls));
  }
  return s;
}

namespace {

// A quantizer over a set of columns of [L, width] rows with one scale, in
// place; each element's region to `regions` [L, width] if given.
quant::ErrorStats quantize_columns(float* m, int64_t L, int64_t width,
                                   const std::vector<int32_t>& cols, quant::QuantKind kind, float s,
                                   const quant::SoftEdgeParams& se, uint8_t* regions = nullptr) {
  thread_local std::vector<float> buf, qbuf;
  thread_local std::vector<uint8_t> rbuf;
  const size_t n = cols.size();
  buf.resize(static_cast<size_t>(L) * n);
  qbuf.resize(buf.size());
  if (regions) rbuf.resize(buf.size());
  for (int64_t t = 0; t < L; ++t) {
    for (size_t j = 0; j < n; ++j) buf[t * n + j] = m[t * width + cols[j]];
  }
  const quant::ErrorStats e = quant::measure(kind, buf.data(), buf.size(), s, se, qbuf.data(),
                                             regions ? rbuf.data() : nullptr);
  for (int64_t t = 0; t < L; ++t) {
    for (size_t j = 0; j < n; ++j) {
      m[t * width + cols[j]] = qbuf[t * n + j];
      if (regions) regions[t * width + cols[j]] = rbuf[t * n + j];
    }
  }
  return e;
}

}  // namespace

quant::ErrorStats quantize_ssm_input(std::vector<float>& x, int64_t L, const ModelDims& d,
                                     const Mamba2LayerScales& S, ScaleScheme scheme,
                                     quant::QuantKind kind, const quant::SoftEdgeParams& se) {
  if (static_cast<int64_t>(x.size()) != L * d.d_inner) {
    throw Error("quantize_ssm_input: x is not [L, D]");
  }
  return quantize_ssm_input(x.data(), L, d, S, scheme, kind, se, nullptr);
}

quant::ErrorStats quantize_ssm_input(float* x, int64_t L, const ModelDims& d,
                                     const Mamba2LayerScales& S, ScaleScheme scheme,
                                     quant::QuantKind kind, const quant::SoftEdgeParams& se,
                                     uint8_t* regions) {
  const int64_t D = d.d_inner;
  if (scheme == ScaleScheme::kPerTensor) {
    thread_local std::vector<float> in;
    in.assign(x, x + L * D);  // measure() reads its input after writing its output
    return quant::measure(kind, in.data(), in.size(), S.x, se, x, regions);
  }
  // Quamba2: each group's channels (in any order: a layout question only).
  std::vector<std::vector<int32_t>> members(S.x_group.size());
  for (int64_t c = 0; c < D; ++c) {
    members[S.groups.index(c, d.head_dim, d.n_heads / d.n_groups)].push_back(
        static_cast<int32_t>(c));
  }
  quant::ErrorStats e;
  for (size_t k = 0; k < members.size(); ++k) {
    if (!members[k].empty()) {
      e.merge(quantize_columns(x, L, D, members[k], kind, S.x_group[k], se, regions));
    }
  }
  return e;
}

W8A8Mamba2::W8A8Mamba2(const Mamba2Weights& w, const Mamba2Scales& scales,
                       const Mamba2W8A8Options& o)
    : w_(w), scales_(scales), o_(o) {
  const ModelDims& d = w.dims;
  const int64_t D = d.d_inner, P = d.head_dim, N = d.d_state, hpg = d.n_heads / d.n_groups;
  HadamardShape hs;
  if (!hadamard_shape(D, &hs)) {
    throw Error("W8A8: d_inner " + std::to_string(D) + " has no supported Hadamard size");
  }
  if (static_cast<int64_t>(scales.layers.size()) != d.n_layer) {
    throw Error("W8A8: scales for " + std::to_string(scales.layers.size()) + " layers, model has " +
                std::to_string(d.n_layer));
  }
  for (size_t l = 0; l < w.layers.size(); ++l) {
    const Mamba2LayerWeights& L = w.layers[l];
    const Mamba2LayerScales& S = scales.layers[l];
    Layer q;
    q.in_proj = quant::quantize_weights_int8(L.in_proj, false);
    q.conv = quant::quantize_weights_int8(L.conv_w, true);
    // out_proj(v) = W v = (W H^T)(H v): each row of W through the transform.
    std::vector<float> wh = L.out_proj;
    for (int64_t r = 0; r < d.d_model; ++r) hadamard_transform(wh.data() + r * D, D);
    q.out_proj_had = quant::quantize_weights_int8(wh, false);
    // Per scheme: every state element's scale.
    q.state_scale[0].assign(static_cast<size_t>(D * N), S.state);
    for (int64_t c = 0; c < D; ++c) {
      const int64_t k = S.groups.index(c, P, hpg);
      for (int64_t n = 0; n < N; ++n) q.state_scale[1].push_back(S.state_group[k * N + n]);
    }
    layers_.push_back(std::move(q));
  }
}

std::vector<float> W8A8Mamba2::prefill(const std::vector<int32_t>& tokens,
                                       quant::QuantKind ssm_input, ScaleScheme scheme,
                                       std::vector<Mamba2Activations>* acts, int64_t prompt_tokens,
                                       std::vector<quant::ErrorStats>* ssm_in_err) const {
  W8A8Mamba2Sequence seq(*this, tokens, ssm_input, scheme, prompt_tokens);
  const int64_t L = seq.tokens(), prompt = seq.prompt_tokens();
  // Row operations over every token at once, the SSD over the prompt in
  // chunks and then token by token: the layer as one range.
  for (int64_t l = 0; l < w_.dims.n_layer; ++l) {
    for (Op op : {Op::kRmsNorm, Op::kInProj, Op::kConv1dSilu, Op::kSsmInQuant, Op::kBcQuant,
                  Op::kChunkCumsum}) {
      seq.run(op, l, 0, L);
    }
    if (prompt > 0) seq.run(Op::kChunkScan, l, 0, prompt);
    for (int64_t t = prompt; t < L; ++t) seq.run(Op::kSsdStep, l, t, t + 1);
    for (Op op : {Op::kGatedNorm, Op::kHadamard, Op::kOutProj, Op::kResidual}) seq.run(op, l, 0, L);
  }
  seq.run(Op::kFinalNorm, w_.dims.n_layer, 0, L);
  seq.run(Op::kLmHead, w_.dims.n_layer, 0, L);
  if (ssm_in_err) *ssm_in_err = seq.ssm_in_errors();
  if (acts) *acts = seq.take_activations();
  return seq.logits();
}

W8A8Mamba2Sequence::W8A8Mamba2Sequence(const W8A8Mamba2& m, std::vector<int32_t> tokens,
                                       quant::QuantKind ssm_input, ScaleScheme scheme,
                                       int64_t prompt_tokens)
    : m_(m),
      tokens_(std::move(tokens)),
      L_(static_cast<int64_t>(tokens_.size())),
      prompt_(prompt_tokens < 0 ? L_ : std::min(prompt_tokens, L_)),
      kind_(ssm_input),
      scheme_(scheme) {
  const ModelDims& d = m.w_.dims;
  const int64_t dm = d.d_model, D = d.d_inner, H = d.n_heads, CD = d.conv_dim();
  const auto sz = [](int64_t n) { return static_cast<size_t>(n); };
  for (int32_t t : tokens_) {
    if (t < 0 || t >= d.vocab_size) {
      throw Error("token " + std::to_string(t) + " outside the vocabulary");
    }
  }
  resid_.resize(sz(L_ * dm));
  for (int64_t t = 0; t < L_; ++t) {
    std::copy_n(m.w_.embeddings.begin() + tokens_[sz(t)] * dm, dm, resid_.begin() + t * dm);
  }
  normed_.resize(sz(L_ * dm));
  logits_.resize(sz(L_ * d.vocab_size));
  yh_.resize(sz(D));
  acts_.resize(sz(d.n_layer));
  bufs_.resize(sz(d.n_layer));
  ssm_in_err_.assign(sz(d.n_layer), {});
  for (int64_t l = 0; l < d.n_layer; ++l) {
    acts_[sz(l)].allocate(d, L_);
    LayerBuf& b = bufs_[sz(l)];
    b.qin.resize(sz(L_ * dm));
    b.conv.resize(sz(L_ * CD));
    b.delta.resize(sz(L_ * H));
    b.x_in.resize(sz(L_ * D));
    b.qy.resize(sz(L_ * D));
  }
}

quant::ErrorStats W8A8Mamba2Sequence::ssm_in_quant(int64_t layer, int64_t t0, int64_t t1,
                                                   uint8_t* regions) {
  const ModelDims& d = m_.w_.dims;
  Mamba2Activations& a = acts_[static_cast<size_t>(layer)];
  std::copy(a.x.begin() + t0 * d.d_inner, a.x.begin() + t1 * d.d_inner,
            bufs_[static_cast<size_t>(layer)].x_in.begin() + t0 * d.d_inner);
  const quant::ErrorStats e = quantize_ssm_input(a.x.data() + t0 * d.d_inner, t1 - t0, d,
                                                 m_.scales_.layers[static_cast<size_t>(layer)],
                                                 scheme_, kind_, m_.o_.se, regions);
  ssm_in_err_[static_cast<size_t>(layer)].merge(e);
  return e;
}

void W8A8Mamba2Sequence::run(Op op, int64_t l, int64_t t0, int64_t t1) {
  const ModelDims& d = m_.w_.dims;
  if (t0 < 0 || t1 > L_ || t0 > t1 || l < 0 || l > d.n_layer || (l == d.n_layer) != is_head(op)) {
    throw Error("W8A8 Mamba-2: " + std::string(op_name(op)) + " of layer " + std::to_string(l) +
                " on rows [" + std::to_string(t0) + ", " + std::to_string(t1) +
                ") outside the sequence");
  }
  const int64_t dm = d.d_model, D = d.d_inner, G = d.n_groups, N = d.d_state, GN = G * N,
                H = d.n_heads, CD = d.conv_dim(), R = m_.w_.in_proj_rows(), n = t1 - t0;
  const auto sz = [](int64_t v) { return static_cast<size_t>(v); };
  // Round half to even, saturating (RMSNorm output and GEMM epilogues).
  const auto rhe = [](float* v, size_t count, float s) {
    for (size_t i = 0; i < count; ++i) {
      v[i] = quant::dequantize_int8(quant::quantize_int8(v[i], s, quant::Rounding::kHalfToEven), s);
    }
  };
  if (op == Op::kFinalNorm) {
    rms_norm(resid_.data() + t0 * dm, n, dm, m_.w_.norm_f.data(), d.rms_norm_eps,
             normed_.data() + t0 * dm);
    return;
  }
  if (op == Op::kLmHead) {
    linear(normed_.data() + t0 * dm, n, dm, m_.w_.lm_head.data(), d.vocab_size,
           logits_.data() + t0 * d.vocab_size);
    return;
  }
  const Mamba2LayerWeights& W = m_.w_.layers[sz(l)];
  const Mamba2LayerScales& S = m_.scales_.layers[sz(l)];
  const W8A8Mamba2::Layer& Q = m_.layers_[sz(l)];
  Mamba2Activations& a = acts_[sz(l)];
  LayerBuf& b = bufs_[sz(l)];
  const size_t si = scheme_ == ScaleScheme::kQuamba2 ? 1 : 0;
  switch (op) {
    case Op::kRmsNorm:
      rms_norm(resid_.data() + t0 * dm, n, dm, W.norm.data(), d.rms_norm_eps,
               a.mixer_in.data() + t0 * dm);
      for (int64_t i = t0 * dm; i < t1 * dm; ++i) {
        b.qin[sz(i)] =
            quant::quantize_int8(a.mixer_in[sz(i)], S.mixer_in, quant::Rounding::kHalfToEven);
        a.mixer_in[sz(i)] = quant::dequantize_int8(b.qin[sz(i)], S.mixer_in);
      }
      break;
    case Op::kInProj:
      proj_.resize(sz(n * R));
      gemm_s8(b.qin.data() + t0 * dm, n, dm, Q.in_proj.q.data(), R, S.mixer_in * Q.in_proj.scale,
              proj_.data());
      split_columns(
          proj_.data(), n, R,
          {{a.z.data() + t0 * D, D}, {a.xBC.data() + t0 * CD, CD}, {a.dt.data() + t0 * H, H}});
      for (int64_t t = t0; t < t1; ++t) {
        float* xr = a.xBC.data() + t * CD;
        rhe(xr, sz(D), S.x_in);
        rhe(xr + D, sz(GN), S.B_in);
        rhe(xr + D + GN, sz(GN), S.C_in);
      }
      rhe(a.z.data() + t0 * D, sz(n * D), S.z);
      rhe(a.dt.data() + t0 * H, sz(n * H), S.dt);
      break;
    case Op::kConv1dSilu:
      // conv1d (INT8 weights) + SiLU on the dequantized inputs.
      causal_conv1d_silu(a.xBC.data(), CD, Q.conv.f.data(), W.conv_b.data(), d.d_conv, t0, t1,
                         b.conv.data());
      split_columns(
          b.conv.data() + t0 * CD, n, CD,
          {{a.x.data() + t0 * D, D}, {a.B.data() + t0 * GN, GN}, {a.C.data() + t0 * GN, GN}});
      break;
    case Op::kSsmInQuant:
      ssm_in_quant(l, t0, t1, nullptr);
      break;
    case Op::kBcQuant:
      // B and C: INT8 (roundf, the conv kernel's epilogue) per tensor or per
      // state group.
      for (int64_t g = 0; g < (si ? G : 1); ++g) {
        std::vector<int32_t> cols(sz(si ? N : GN));
        std::iota(cols.begin(), cols.end(), static_cast<int32_t>(si ? g * N : 0));
        quantize_columns(a.B.data() + t0 * GN, n, GN, cols, quant::QuantKind::kInt8,
                         si ? S.B_group[sz(g)] : S.B, m_.o_.se);
        quantize_columns(a.C.data() + t0 * GN, n, GN, cols, quant::QuantKind::kInt8,
                         si ? S.C_group[sz(g)] : S.C, m_.o_.se);
      }
      break;
    case Op::kChunkCumsum:
      mamba2_delta(a.dt.data() + t0 * H, W.dt_bias.data(), n, H, d.dt_limit_lo, d.dt_limit_hi,
                   b.delta.data() + t0 * H);
      break;
    case Op::kBmmChunk:
    case Op::kSsdDecay:
    case Op::kChunkState:
    case Op::kStatePassing:
      break;  // parts of chunk_scan's computation (ssd_chunked)
    case Op::kChunkScan:
    case Op::kSsdStep:
      ssd(op, l, t0, t1);
      break;
    case Op::kGatedNorm:
      gated_rms_norm(a.y.data() + t0 * D, a.z.data() + t0 * D, n, D, W.gnorm.data(), d.rms_norm_eps,
                     a.norm_out.data() + t0 * D);
      break;
    case Op::kHadamard:
      // H v, quantized as Quamba's Hadamard kernel does (roundf, no clamp).
      for (int64_t t = t0; t < t1; ++t) {
        std::copy_n(a.norm_out.begin() + t * D, D, yh_.begin());
        hadamard_transform(yh_.data(), D);
        for (int64_t c = 0; c < D; ++c)
          b.qy[sz(t * D + c)] = quant::round_half_away(yh_[sz(c)] / S.y_had);
      }
      break;
    case Op::kOutProj:
      gemm_s32(b.qy.data() + t0 * D, n, D, Q.out_proj_had.q.data(), dm,
               S.y_had * Q.out_proj_had.scale, a.mixer_out.data() + t0 * dm);
      break;
    case Op::kResidual:
      for (int64_t i = t0 * dm; i < t1 * dm; ++i) resid_[sz(i)] += a.mixer_out[sz(i)];
      break;
    default:
      throw Error(std::string("W8A8 Mamba-2: no operation ") + op_name(op) + " in a Mamba-2 block");
  }
}

void W8A8Mamba2Sequence::store_state(int64_t l) {
  if (!m_.o_.quantize_state) return;
  const size_t si = scheme_ == ScaleScheme::kQuamba2 ? 1 : 0;
  const std::vector<float>& ss = m_.layers_[static_cast<size_t>(l)].state_scale[si];
  std::vector<float>& state = acts_[static_cast<size_t>(l)].state;
  for (size_t i = 0; i < state.size(); ++i) {
    state[i] = quant::dequantize_int8(
        quant::quantize_int8(state[i], ss[i], quant::Rounding::kHalfToEven), ss[i]);
  }
}

void W8A8Mamba2Sequence::ssd(Op op, int64_t l, int64_t t0, int64_t t1) {
  const ModelDims& d = m_.w_.dims;
  const int64_t D = d.d_inner, H = d.n_heads, GN = d.n_groups * d.d_state;
  const Mamba2LayerWeights& W = m_.w_.layers[static_cast<size_t>(l)];
  Mamba2Activations& a = acts_[static_cast<size_t>(l)];
  LayerBuf& b = bufs_[static_cast<size_t>(l)];
  if (op == Op::kChunkScan) {
    if (t0 != b.ssd_next) {
      throw Error("internal: W8A8 Mamba-2: the SSD of layer " + std::to_string(l) +
                  " on rows from " + std::to_string(t0) + " before rows from " +
                  std::to_string(b.ssd_next) + " (tiles out of token order)");
    }
    if (t1 > prompt_ || t0 % d.chunk_size != 0) {
      throw Error("W8A8 Mamba-2: chunk_scan on rows [" + std::to_string(t0) + ", " +
                  std::to_string(t1) + "): the prompt (" + std::to_string(prompt_) +
                  " tokens) runs in chunks of " + std::to_string(d.chunk_size) +
                  " from a chunk's first token");
    }
    ssd_chunked(a.x.data() + t0 * D, b.delta.data() + t0 * H, W.A.data(), a.B.data() + t0 * GN,
                a.C.data() + t0 * GN, W.D.data(), t1 - t0, m_.w_.ssd(), d.chunk_size,
                a.state.data(), a.y.data() + t0 * D);
    b.ssd_next = t1;
    if (t1 == prompt_) store_state(l);
    return;
  }
  for (int64_t t = t0; t < t1; ++t) {  // kSsdStep
    if (t < prompt_ || t != b.ssd_next) {
      throw Error("internal: W8A8 Mamba-2: ssd_step on token " + std::to_string(t) + " of layer " +
                  std::to_string(l) + " (expected " + std::to_string(b.ssd_next) +
                  ", after a prompt of " + std::to_string(prompt_) + ")");
    }
    b.ssd_next = t + 1;
    ssd_step(a.x.data() + t * D, b.delta.data() + t * H, W.A.data(), a.B.data() + t * GN,
             a.C.data() + t * GN, W.D.data(), m_.w_.ssd(), a.state.data(), a.y.data() + t * D);
    store_state(l);
  }
}

quant::ErrorStats W8A8Mamba2Sequence::ssm_in_error_whole(int64_t layer) const {
  std::vector<float> x = bufs_[static_cast<size_t>(layer)].x_in;
  return quantize_ssm_input(x, L_, m_.w_.dims, m_.scales_.layers[static_cast<size_t>(layer)],
                            scheme_, kind_, m_.o_.se);
}

std::vector<Mamba2Activations> W8A8Mamba2Sequence::take_activations() {
  std::vector<Mamba2Activations> out = std::move(acts_);
  acts_.clear();
  return out;
}

const std::vector<std::string>& mamba2_tensor_names() {
  static const std::vector<std::string> n = {"mixer.in", "z",         "xBC",      "ssm.x",
                                             "ssm.dt",   "ssm.B",     "ssm.C",    "ssm.y",
                                             "norm.out", "mixer.out", "ssm.state"};
  return n;
}

const std::vector<float>& mamba2_activation(const Mamba2Activations& a, size_t tensor) {
  const std::vector<float>* v[] = {&a.mixer_in, &a.z, &a.xBC,      &a.x,         &a.dt,   &a.B,
                                   &a.C,        &a.y, &a.norm_out, &a.mixer_out, &a.state};
  if (tensor >= std::size(v)) throw Error("mamba2_activation: no tensor " + std::to_string(tensor));
  return *v[tensor];
}

}  // namespace ssmsim
