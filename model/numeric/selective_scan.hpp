// The Mamba-1 selective scan for one token, fp32 as in the reference kernel:
//   delta = softplus(dt), h = exp(delta A) h + delta B u, y = C . h + D u
#pragma once

#include <cmath>
#include <cstdint>

namespace ssmsim {

// torch.nn.functional.softplus with its default threshold 20.
inline float softplus(float x) { return x > 20.0f ? x : std::log1p(std::exp(x)); }

inline float silu(float x) { return x / (1.0f + std::exp(-x)); }

// One token: dt, u [D]; B, C [N]; A [D, N] (= -exp(A_log)); Dv [D];
// h [D, N] updated in place; y [D] = scan output + D * u (before the gate).
void selective_scan_token(const float* dt, const float* u, const float* B, const float* C,
                          const float* A, const float* Dv, float* h, float* y, int64_t D,
                          int64_t N);

}  // namespace ssmsim
