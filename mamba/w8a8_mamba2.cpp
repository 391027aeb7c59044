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
  nlohmann::ordered_json j;
  j["format"] = "ssmsim-scales";
  j["version"] = 1;
  j["arch"] = "mamba2";
  j["model"] = model;
  j["percentile"] = percentile;
  j["samples"] = samples;
  j["layers"] = nlohmann::ordered_json::array();
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
  if (!j.is_object() || j.value("format", "") != "ssmsim-scales" || j.value("version", 0) != 1) {
    throw Error(where + ": expected \"format\": \"ssmsim-scales\", \"version\": 1");
  }
  if (j.value("arch", "mamba1") != "mamba2") {
    throw Error(where + ": arch: scales for a Mamba-1 model (re-run ssmsim calibrate on the " +
                "Mamba-2 checkpoint)");
  }
  Mamba2Scales s;
  s.model = j.value("model", "");
  s.percentile = j.value("percentile", 0.0);
  s.samples = j.value("samples", 0);
  if (!j.contains("layers") || !j["layers"].is_array() ||
      static_cast<int64_t>(j["layers"].size()) != d.n_layer) {
    throw Error(where + ": layers: expected an array of " + std::to_string(d.n_layer) + " entries");
  }
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
// place.
quant::ErrorStats quantize_columns(std::vector<float>& m, int64_t L, int64_t width,
                                   const std::vector<int32_t>& cols, quant::QuantKind kind, float s,
                                   const quant::SoftEdgeParams& se) {
  thread_local std::vector<float> buf, qbuf;
  const size_t n = cols.size();
  buf.resize(static_cast<size_t>(L) * n);
  qbuf.resize(buf.size());
  for (int64_t t = 0; t < L; ++t) {
    for (size_t j = 0; j < n; ++j) buf[t * n + j] = m[t * width + cols[j]];
  }
  const quant::ErrorStats e = quant::measure(kind, buf.data(), buf.size(), s, se, qbuf.data());
  for (int64_t t = 0; t < L; ++t) {
    for (size_t j = 0; j < n; ++j) m[t * width + cols[j]] = qbuf[t * n + j];
  }
  return e;
}

}  // namespace

quant::ErrorStats quantize_ssm_input(std::vector<float>& x, int64_t L, const ModelDims& d,
                                     const Mamba2LayerScales& S, ScaleScheme scheme,
                                     quant::QuantKind kind, const quant::SoftEdgeParams& se) {
  const int64_t D = d.d_inner;
  if (static_cast<int64_t>(x.size()) != L * D) throw Error("quantize_ssm_input: x is not [L, D]");
  if (scheme == ScaleScheme::kPerTensor) {
    thread_local std::vector<float> in;
    in = x;  // measure() reads its input after writing its output
    return quant::measure(kind, in.data(), in.size(), S.x, se, x.data());
  }
  // Quamba2: each group's channels (in any order: a layout question only).
  std::vector<std::vector<int32_t>> members(S.x_group.size());
  for (int64_t c = 0; c < D; ++c) {
    members[S.groups.index(c, d.head_dim, d.n_heads / d.n_groups)].push_back(
        static_cast<int32_t>(c));
  }
  quant::ErrorStats e;
  for (size_t k = 0; k < members.size(); ++k) {
    if (!members[k].empty()) e.merge(quantize_columns(x, L, D, members[k], kind, S.x_group[k], se));
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
  const ModelDims& d = w_.dims;
  const int64_t L = static_cast<int64_t>(tokens.size()), dm = d.d_model, D = d.d_inner,
                G = d.n_groups, N = d.d_state, GN = G * N, H = d.n_heads, K = d.d_conv,
                V = d.vocab_size, CD = d.conv_dim(), R = w_.in_proj_rows();
  const int64_t prompt = prompt_tokens < 0 ? L : std::min(prompt_tokens, L);
  const size_t si = scheme == ScaleScheme::kQuamba2 ? 1 : 0;
  for (int32_t t : tokens) {
    if (t < 0 || t >= V) throw Error("token " + std::to_string(t) + " outside the vocabulary");
  }
  const auto sz = [](int64_t n) { return static_cast<size_t>(n); };
  std::vector<float> resid(sz(L * dm)), proj(sz(L * R)), conv(sz(L * CD)), delta(sz(L * H)),
      yh(sz(D));
  std::vector<int8_t> qin(sz(L * dm));
  std::vector<int32_t> qy(sz(L * D));
  for (int64_t t = 0; t < L; ++t) {
    std::copy_n(w_.embeddings.begin() + tokens[t] * dm, dm, resid.begin() + t * dm);
  }
  // Round half to even, saturating (RMSNorm output and GEMM epilogues).
  const auto rhe = [](float* v, size_t n, float s) {
    for (size_t i = 0; i < n; ++i) {
      v[i] = quant::dequantize_int8(quant::quantize_int8(v[i], s, quant::Rounding::kHalfToEven), s);
    }
  };
  const auto columns = [&](std::vector<float>& m, int64_t width, const std::vector<int32_t>& cols,
                           quant::QuantKind kind,
                           float s) { return quantize_columns(m, L, width, cols, kind, s, o_.se); };
  if (ssm_in_err) ssm_in_err->assign(sz(d.n_layer), {});
  std::vector<Mamba2Activations> out(sz(d.n_layer));
  for (int64_t l = 0; l < d.n_layer; ++l) {
    const Mamba2LayerWeights& W = w_.layers[sz(l)];
    const Mamba2LayerScales& S = scales_.layers[sz(l)];
    const Layer& Q = layers_[sz(l)];
    Mamba2Activations& a = out[sz(l)];
    a.mixer_in.resize(sz(L * dm));
    rms_norm(resid.data(), L, dm, W.norm.data(), d.rms_norm_eps, a.mixer_in.data());
    for (size_t i = 0; i < qin.size(); ++i) {
      qin[i] = quant::quantize_int8(a.mixer_in[i], S.mixer_in, quant::Rounding::kHalfToEven);
      a.mixer_in[i] = quant::dequantize_int8(qin[i], S.mixer_in);
    }
    gemm_s8(qin.data(), L, dm, Q.in_proj.q.data(), R, S.mixer_in * Q.in_proj.scale, proj.data());
    a.z.resize(sz(L * D));
    a.xBC.resize(sz(L * CD));
    a.dt.resize(sz(L * H));
    split_columns(proj.data(), L, R, {{a.z.data(), D}, {a.xBC.data(), CD}, {a.dt.data(), H}});
    for (int64_t t = 0; t < L; ++t) {
      float* xr = a.xBC.data() + t * CD;
      rhe(xr, sz(D), S.x_in);
      rhe(xr + D, sz(GN), S.B_in);
      rhe(xr + D + GN, sz(GN), S.C_in);
    }
    rhe(a.z.data(), a.z.size(), S.z);
    rhe(a.dt.data(), a.dt.size(), S.dt);
    // conv1d (INT8 weights) + SiLU on the dequantized inputs.
    causal_conv1d_silu(a.xBC.data(), CD, Q.conv.f.data(), W.conv_b.data(), K, 0, L, conv.data());
    a.x.resize(sz(L * D));
    a.B.resize(sz(L * GN));
    a.C.resize(sz(L * GN));
    split_columns(conv.data(), L, CD, {{a.x.data(), D}, {a.B.data(), GN}, {a.C.data(), GN}});
    // The SSM input through the swappable quantizer.
    const quant::ErrorStats xe = quantize_ssm_input(a.x, L, d, S, scheme, ssm_input, o_.se);
    if (ssm_in_err) (*ssm_in_err)[sz(l)] = xe;
    // B and C: INT8 (roundf, the conv kernel's epilogue) per tensor or per
    // state group.
    for (int64_t g = 0; g < (si ? G : 1); ++g) {
      std::vector<int32_t> cols(sz(si ? N : GN));
      std::iota(cols.begin(), cols.end(), static_cast<int32_t>(si ? g * N : 0));
      columns(a.B, GN, cols, quant::QuantKind::kInt8, si ? S.B_group[g] : S.B);
      columns(a.C, GN, cols, quant::QuantKind::kInt8, si ? S.C_group[g] : S.C);
    }
    mamba2_delta(a.dt.data(), W.dt_bias.data(), L, H, d.dt_limit_lo, d.dt_limit_hi, delta.data());
    // The SSD: the prompt in chunks, then decode steps; the state stored
    // INT8 (round half to even, saturating) after the prompt and each step.
    a.y.resize(sz(L * D));
    a.state.assign(sz(H * d.head_dim * N), 0.0f);
    const std::vector<float>& ss = Q.state_scale[si];
    const auto store_state = [&] {
      if (!o_.quantize_state) return;
      for (size_t i = 0; i < a.state.size(); ++i) {
        a.state[i] = quant::dequantize_int8(
            quant::quantize_int8(a.state[i], ss[i], quant::Rounding::kHalfToEven), ss[i]);
      }
    };
    if (prompt > 0) {
      ssd_chunked(a.x.data(), delta.data(), W.A.data(), a.B.data(), a.C.data(), W.D.data(), prompt,
                  w_.ssd(), d.chunk_size, a.state.data(), a.y.data());
      store_state();
    }
    for (int64_t t = prompt; t < L; ++t) {
      ssd_step(a.x.data() + t * D, delta.data() + t * H, W.A.data(), a.B.data() + t * GN,
               a.C.data() + t * GN, W.D.data(), w_.ssd(), a.state.data(), a.y.data() + t * D);
      store_state();
    }
    a.norm_out.resize(sz(L * D));
    gated_rms_norm(a.y.data(), a.z.data(), L, D, W.gnorm.data(), d.rms_norm_eps, a.norm_out.data());
    // H v, quantized as Quamba's Hadamard kernel does (roundf, no clamp).
    for (int64_t t = 0; t < L; ++t) {
      std::copy_n(a.norm_out.begin() + t * D, D, yh.begin());
      hadamard_transform(yh.data(), D);
      for (int64_t c = 0; c < D; ++c) qy[t * D + c] = quant::round_half_away(yh[c] / S.y_had);
    }
    a.mixer_out.resize(sz(L * dm));
    gemm_s32(qy.data(), L, D, Q.out_proj_had.q.data(), dm, S.y_had * Q.out_proj_had.scale,
             a.mixer_out.data());
    for (size_t i = 0; i < resid.size(); ++i) resid[i] += a.mixer_out[i];
  }
  std::vector<float> normed(sz(L * dm)), logits(sz(L * V));
  rms_norm(resid.data(), L, dm, w_.norm_f.data(), d.rms_norm_eps, normed.data());
  linear(normed.data(), L, dm, w_.lm_head.data(), V, logits.data());
  if (acts) *acts = std::move(out);
  return logits;
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
