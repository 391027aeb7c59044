#include "mamba/scoring.hpp"

#include <algorithm>
#include <cmath>

#include "common/error.hpp"

namespace ssmsim {

namespace {

// -log p(next) of one row, and its argmax.
double row_nll(const float* row, int64_t V, int32_t next, int64_t* arg) {
  double mx = row[0];
  *arg = 0;
  for (int64_t v = 1; v < V; ++v) {
    if (row[v] > mx) mx = row[v], *arg = v;
  }
  double sum = 0;
  for (int64_t v = 0; v < V; ++v) sum += std::exp(static_cast<double>(row[v]) - mx);
  return -(static_cast<double>(row[next]) - mx - std::log(sum));
}

}  // namespace

void score(const std::vector<float>& logits, const std::vector<int32_t>& tokens, int64_t V,
           const std::vector<float>* ref, Score& s) {
  const int64_t L = static_cast<int64_t>(tokens.size());
  for (int64_t t = 0; t + 1 < L; ++t) {
    int64_t arg = 0, rarg = 0;
    const double nll = row_nll(logits.data() + t * V, V, tokens[t + 1], &arg);
    s.nll += nll;
    ++s.predictions;
    if (ref) {
      // The paired per-token difference: its spread gives the noise of the
      // cross-entropy difference.
      const double d = nll - row_nll(ref->data() + t * V, V, tokens[t + 1], &rarg);
      s.diff_sum += d;
      s.diff_sq += d * d;
      s.agree += rarg == arg;
    }
  }
}

double Score::delta_ce_stderr() const {
  if (predictions < 2) return 0.0;
  const double n = static_cast<double>(predictions), m = diff_sum / n;
  return std::sqrt(std::max(0.0, (diff_sq / n - m * m) / (n - 1)));
}

nlohmann::ordered_json score_json(const Score& s, bool with_agreement) {
  nlohmann::ordered_json j;
  j["predictions"] = s.predictions;
  j["cross_entropy_nats"] = s.ce();
  j["bits_per_token"] = s.ce() / std::log(2.0);
  j["perplexity"] = std::exp(s.ce());
  if (with_agreement) {
    j["top1_agreement"] = s.predictions ? static_cast<double>(s.agree) / s.predictions : 0.0;
    j["delta_ce_stderr_nats"] = s.delta_ce_stderr();
  }
  return j;
}

const std::vector<std::string>& w8a8_tensor_names() {
  static const std::vector<std::string> names = {
      "mixer.in", "x", "z", "ssm.u", "ssm.dt", "ssm.B", "ssm.C", "ssm.y", "mixer.out", "ssm.h"};
  return names;
}

const std::vector<float>& activation(const LayerActivations& a, size_t i) {
  const std::vector<float>* f[] = {&a.mixer_in, &a.x, &a.z, &a.u,         &a.dt,
                                   &a.B,        &a.C, &a.y, &a.mixer_out, &a.h};
  return *f[i];
}

void merge_layer_errors(const std::vector<LayerActivations>& ref,
                        const std::vector<LayerActivations>& got, size_t tensors,
                        std::vector<quant::ErrorStats>& err) {
  const size_t n = w8a8_tensor_names().size();
  for (size_t l = 0; l < got.size(); ++l) {
    if (got[l].h_from != ref[l].h_from) throw Error("internal: states of different tokens");
    for (size_t ti = 0; ti < tensors; ++ti) {
      const std::vector<float>& a = activation(got[l], ti);
      const std::vector<float>& r = activation(ref[l], ti);
      if (a.size() != r.size())
        throw Error("internal: " + w8a8_tensor_names()[ti] + " sizes differ");
      err[l * n + ti].merge(quant::compare(r.data(), a.data(), a.size()));
    }
  }
}

}  // namespace ssmsim
