#include "numeric/selective_scan.hpp"

#include <algorithm>
#include <cstring>

#include "numeric/activations.hpp"

namespace ssmsim {

namespace {

// 16 lanes as GCC vector types: one AVX-512 register, two AVX2 or four SSE
// registers, the same element-wise IEEE operations on every target (the
// numeric library is built with -ffp-contract=off: no FMA).
typedef float v16f __attribute__((vector_size(64)));
typedef int32_t v16i __attribute__((vector_size(64)));
constexpr int kLanes = 16;

template <typename F>
inline __attribute__((always_inline)) F splat(float v) {
  return F{} + v;
}

// Cephes expf: x = k ln2 + r, |r| <= ln2 / 2 (ln2 in two parts), e^r by a
// degree-5 polynomial, then 2^k as 2^(k/2) 2^(k - k/2) so that k down to
// -150 (subnormal results) needs no special case.
inline __attribute__((always_inline)) v16f exp16(v16f x) {
  const v16f lo = splat<v16f>(-104.0f), hi = splat<v16f>(89.0f);
  x = x < lo ? lo : x;
  x = x > hi ? hi : x;
  const v16f magic = splat<v16f>(12582912.0f);  // 1.5 * 2^23: rounds to an integer
  const v16f kf = (x * 1.44269504088896341f + magic) - magic;
  v16f r = x - kf * 0.693359375f;
  r = r - kf * -2.12194440e-4f;
  v16f p = splat<v16f>(1.9875691500e-4f);
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const v16f e = (p * (r * r) + r) + 1.0f;
  const v16i k = __builtin_convertvector(kf, v16i);
  const v16i k1 = k >> 1, k2 = k - k1;
  const v16f s1 = (v16f)((k1 + 127) << 23), s2 = (v16f)((k2 + 127) << 23);
  return (e * s1) * s2;
}

inline __attribute__((always_inline)) v16f load16(const float* p) {
  v16f v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

inline __attribute__((always_inline)) void store16(float* p, v16f v) {
  std::memcpy(p, &v, sizeof v);
}

// 16 channels [c, c + 16) of one token; strides D for At and h.
inline __attribute__((always_inline)) void scan16(const float* delta, const float* du,
                                                  const float* u, const float* Dv, const float* B,
                                                  const float* C, const float* At, float* h,
                                                  float* y, int64_t D, int64_t N) {
  const v16f dl = load16(delta), dv = load16(du);
  v16f acc = {};
  for (int64_t n = 0; n < N; ++n) {
    const v16f hn = exp16(dl * load16(At + n * D)) * load16(h + n * D) + dv * B[n];
    store16(h + n * D, hn);
    acc = acc + hn * C[n];
  }
  store16(y, acc + load16(Dv) * load16(u));
}

}  // namespace

float exp_fixed(float x) {
  const v16f v = exp16(splat<v16f>(x));
  return v[0];
}

__attribute__((target_clones("avx512f", "avx2", "default"))) void exp_fixed_n(const float* in,
                                                                              float* out,
                                                                              int64_t n) {
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) store16(out + i, exp16(load16(in + i)));
  if (i == n) return;
  float buf[kLanes] = {};
  std::copy(in + i, in + n, buf);
  const v16f e = exp16(load16(buf));
  store16(buf, e);
  std::copy(buf, buf + (n - i), out + i);
}

std::vector<float> scan_a_from_a_log(const std::vector<float>& a_log, int64_t D, int64_t N) {
  std::vector<float> at(a_log.size());
  for (int64_t c = 0; c < D; ++c) {
    for (int64_t n = 0; n < N; ++n) at[n * D + c] = -std::exp(a_log[c * N + n]);
  }
  return at;
}

__attribute__((target_clones("avx512f", "avx2", "default"))) void selective_scan_token(
    const float* dt, const float* u, const float* B, const float* C, const float* At,
    const float* Dv, float* h, float* y, int64_t D, int64_t N) {
  // delta and delta * u per channel.
  thread_local std::vector<float> delta, du;
  delta.resize(static_cast<size_t>(D));
  du.resize(static_cast<size_t>(D));
  softplus_n(dt, delta.data(), D);
  for (int64_t c = 0; c < D; ++c) du[c] = delta[c] * u[c];
  int64_t c = 0;
  for (; c + kLanes <= D; c += kLanes) {
    scan16(&delta[c], &du[c], u + c, Dv + c, B, C, At + c, h + c, y + c, D, N);
  }
  if (c == D) return;
  // The last channels through the same lanes, padded (the same bits as a
  // full block): state rows gathered into a [N, 16] block and back.
  const int64_t m = D - c;
  float pd[kLanes] = {}, pdu[kLanes] = {}, pu[kLanes] = {}, pD[kLanes] = {}, py[kLanes];
  std::vector<float> pa(static_cast<size_t>(N * kLanes), 0.0f), ph(pa.size(), 0.0f);
  std::copy_n(&delta[c], m, pd);
  std::copy_n(&du[c], m, pdu);
  std::copy_n(u + c, m, pu);
  std::copy_n(Dv + c, m, pD);
  for (int64_t n = 0; n < N; ++n) {
    std::copy_n(At + n * D + c, m, &pa[n * kLanes]);
    std::copy_n(h + n * D + c, m, &ph[n * kLanes]);
  }
  scan16(pd, pdu, pu, pD, B, C, pa.data(), ph.data(), py, kLanes, N);
  for (int64_t n = 0; n < N; ++n) std::copy_n(&ph[n * kLanes], m, h + n * D + c);
  std::copy_n(py, m, y + c);
}

}  // namespace ssmsim
