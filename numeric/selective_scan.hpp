// The Mamba-1 selective scan for one token, fp32 as in the reference kernel:
//   delta = softplus(dt), h = exp(delta A) h + delta B u, y = C . h + D u
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

namespace ssmsim {

// exp(x) for finite x, within 1 ulp of the true value for normal results
// (subnormal results are rounded once more; below about -103.97 the result
// is 0). A fixed sequence of IEEE operations (Cody-Waite reduction, Cephes'
// degree-5 polynomial, scaling by two exact powers of two), so every lane
// of every vector width gives the same bits on any x86-64.
float exp_fixed(float x);
// out[i] = exp_fixed(in[i]) for i < n, 16 at a time (the same bits).
void exp_fixed_n(const float* in, float* out, int64_t n);

// The scan's A from the checkpoint's A_log [d_inner, d_state]: -exp(A_log),
// transposed to [d_state, d_inner] (the scan vectorises over channels).
std::vector<float> scan_a_from_a_log(const std::vector<float>& a_log, int64_t D, int64_t N);

// One token: dt, u [D]; B, C [N]; At [N, D] (scan_a_from_a_log); Dv [D];
// h [N, D] updated in place; y [D] = scan output + D * u (before the gate).
// Per channel: h[n] = exp_fixed(delta A[n]) h[n] + (delta u) B[n], and y
// sums h[n] C[n] over n in order from 0.0f, then adds D u.
void selective_scan_token(const float* dt, const float* u, const float* B, const float* C,
                          const float* At, const float* Dv, float* h, float* y, int64_t D,
                          int64_t N);

}  // namespace ssmsim
