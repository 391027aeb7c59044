#include "numeric/ssd.hpp"

#include <algorithm>
#include <vector>

#include "numeric/gemm.hpp"
#include "numeric/selective_scan.hpp"

namespace ssmsim {

void ssd_chunked(const float* x, const float* delta, const float* A, const float* B, const float* C,
                 const float* Dv, int64_t L, const SsdShape& s, int64_t chunk, float* state,
                 float* y) {
  const int64_t H = s.heads, P = s.head_dim, G = s.groups, N = s.d_state, W = s.width(),
                hpg = H / G;
  // Per-thread scratch, reused (calibration runs many sequences).
  thread_local std::vector<float> Cc, Bc, Bt, CB, acum, M, xt, Y, Yoff, xw, diff, wdec;
  const auto fit = [](std::vector<float>& v, int64_t n) { v.resize(static_cast<size_t>(n)); };
  for (int64_t c0 = 0; c0 < L; c0 += chunk) {
    const int64_t T = std::min(chunk, L - c0);
    fit(Cc, T * N);
    fit(Bc, T * N);
    fit(Bt, N * T);
    fit(CB, T * T);
    fit(acum, T);
    fit(M, T * T);
    fit(xt, P * T);
    fit(Y, T * P);
    fit(Yoff, T * P);
    fit(xw, P * T);
    fit(diff, T);
    fit(wdec, T);
    for (int64_t g = 0; g < G; ++g) {
      // The group's C and B [T, N] and B^T [N, T]; CB[t, s] = C_t . B_s (one per
      // group, shared by its heads).
      for (int64_t t = 0; t < T; ++t) {
        const float* cr = C + (c0 + t) * G * N + g * N;
        const float* br = B + (c0 + t) * G * N + g * N;
        std::copy_n(cr, N, &Cc[t * N]);
        std::copy_n(br, N, &Bc[t * N]);
        for (int64_t n = 0; n < N; ++n) Bt[n * T + t] = br[n];
      }
      gemm_f32(Cc.data(), T, N, Bc.data(), T, CB.data());
      for (int64_t h = g * hpg; h < (g + 1) * hpg; ++h) {
        // Cumulative log-decay within the chunk.
        float a = 0;
        for (int64_t t = 0; t < T; ++t) {
          a += delta[(c0 + t) * H + h] * A[h];
          acum[t] = a;
        }
        // Intra-chunk: Y = (CB o decay mask o delta_s) X, the mask
        // exp(acum_t - acum_s) for s <= t and 0 above the diagonal.
        for (int64_t t = 0; t < T; ++t) {
          for (int64_t u = 0; u < T; ++u) {
            M[t * T + u] =
                u <= t ? CB[t * T + u] * exp_fixed(acum[t] - acum[u]) * delta[(c0 + u) * H + h]
                       : 0.0f;
          }
        }
        for (int64_t t = 0; t < T; ++t) {
          for (int64_t p = 0; p < P; ++p) xt[p * T + t] = x[(c0 + t) * W + h * P + p];
        }
        gemm_f32(M.data(), T, T, xt.data(), P, Y.data());
        // The state entering the chunk, seen through C and decayed:
        // Yoff[t, p] = exp(acum_t) sum_n C_t[n] S[p, n].
        float* S = state + h * P * N;
        gemm_f32(Cc.data(), T, N, S, P, Yoff.data());
        exp_fixed_n(acum.data(), diff.data(), T);  // exp(acum_t)
        for (int64_t t = 0; t < T; ++t) {
          const float e = diff[t];
          float* yr = y + (c0 + t) * W + h * P;
          const float* xr = x + (c0 + t) * W + h * P;
          for (int64_t p = 0; p < P; ++p) {
            yr[p] = Y[t * P + p] + e * Yoff[t * P + p] + Dv[h] * xr[p];
          }
        }
        // The chunk's state: S <- exp(acum_T) S + sum_s exp(acum_T - acum_s)
        // delta_s x_s (x) B_s, the sum as X_w^T B (X_w [P, T]).
        const float last = acum[T - 1];
        for (int64_t t = 0; t < T; ++t) diff[t] = last - acum[t];
        exp_fixed_n(diff.data(), wdec.data(), T);
        for (int64_t t = 0; t < T; ++t) wdec[t] *= delta[(c0 + t) * H + h];
        for (int64_t p = 0; p < P; ++p) {
          for (int64_t t = 0; t < T; ++t) xw[p * T + t] = xt[p * T + t] * wdec[t];
        }
        fit(Yoff, P * N);  // reused as the chunk's new contribution [P, N]
        gemm_f32(xw.data(), P, T, Bt.data(), N, Yoff.data());
        const float eT = exp_fixed(last);
        for (int64_t i = 0; i < P * N; ++i) S[i] = eT * S[i] + Yoff[i];
        fit(Yoff, T * P);
      }
    }
  }
}

void ssd_step(const float* x, const float* delta, const float* A, const float* B, const float* C,
              const float* Dv, const SsdShape& s, float* state, float* y) {
  const int64_t H = s.heads, P = s.head_dim, G = s.groups, N = s.d_state, hpg = H / G;
  for (int64_t h = 0; h < H; ++h) {
    const int64_t g = h / hpg;
    const float* b = B + g * N;
    const float* c = C + g * N;
    const float e = exp_fixed(delta[h] * A[h]);
    for (int64_t p = 0; p < P; ++p) {
      float* S = state + (h * P + p) * N;
      const float dx = delta[h] * x[h * P + p];
      float acc = 0;
      for (int64_t n = 0; n < N; ++n) {
        S[n] = e * S[n] + dx * b[n];
        acc += S[n] * c[n];
      }
      y[h * P + p] = acc + Dv[h] * x[h * P + p];
    }
  }
}

}  // namespace ssmsim
