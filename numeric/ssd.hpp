// Mamba-2's SSD (state space duality) mixer in fp32, per head h of P
// channels with B/C group g = h / (H / G) and scalar decay A[h] < 0:
//   S_t = exp(delta_t A) S_{t-1} + delta_t x_t (x) B_t,   y_t = S_t C_t + D x_t
// for a state S of P x N. Prefill runs it in chunks as the SSD algorithm
// does (the intra-chunk C.B^T with the decay mask, the chunk states, the
// state passed from chunk to chunk: three of them matmuls on gemm_f32);
// decode runs the recurrence one token at a time. Both give the same values
// within fp32 rounding (tests/numeric/test_ssd.cpp).
#pragma once

#include <cstdint>

namespace ssmsim {

struct SsdShape {
  int64_t heads = 0, head_dim = 0, groups = 0, d_state = 0;
  int64_t width() const { return heads * head_dim; }  // x and y channels
};

// delta [L, H] (softplus(dt + dt_bias), already applied), x [L, H*P],
// B/C [L, G*N], A/Dv [H]; state [H, P, N] in and out (zeros for a fresh
// sequence); y [L, H*P] (before the gate). chunk: tokens per chunk (> 0).
void ssd_chunked(const float* x, const float* delta, const float* A, const float* B, const float* C,
                 const float* Dv, int64_t L, const SsdShape& s, int64_t chunk, float* state,
                 float* y);

// One token: x [H*P], delta [H], B/C [G*N]; state [H, P, N] updated in place.
void ssd_step(const float* x, const float* delta, const float* A, const float* B, const float* C,
              const float* Dv, const SsdShape& s, float* state, float* y);

}  // namespace ssmsim
