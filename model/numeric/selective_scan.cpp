#include "model/numeric/selective_scan.hpp"

namespace ssmsim {

void selective_scan_token(const float* dt, const float* u, const float* B, const float* C,
                          const float* A, const float* Dv, float* h, float* y, int64_t D,
                          int64_t N) {
  for (int64_t c = 0; c < D; ++c) {
    const float delta = softplus(dt[c]);
    const float du = delta * u[c];
    float* hc = h + c * N;
    const float* Ac = A + c * N;
    float acc = 0.0f;
    for (int64_t n = 0; n < N; ++n) {
      hc[n] = std::exp(delta * Ac[n]) * hc[n] + du * B[n];
      acc += hc[n] * C[n];
    }
    y[c] = acc + Dv[c] * u[c];
  }
}

}  // namespace ssmsim
