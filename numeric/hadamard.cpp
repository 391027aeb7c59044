#include "numeric/hadamard.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "common/error.hpp"

namespace ssmsim {

namespace {

// Paley construction I for prime q = 3 (mod 4): H = I + [[0, 1^T], [-1, Q]]
// with Q[i][j] = chi(j - i), chi the quadratic character mod q.
std::vector<int8_t> paley(int64_t q) {
  std::vector<int> chi(q, -1);
  chi[0] = 0;
  for (int64_t x = 1; x < q; ++x) chi[(x * x) % q] = 1;
  const int64_t n = q + 1;
  std::vector<int8_t> h(n * n, 0);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      int v;
      if (i == 0 && j == 0)
        v = 0;
      else if (i == 0)
        v = 1;
      else if (j == 0)
        v = -1;
      else
        v = chi[((j - i) % q + q) % q];
      h[i * n + j] = static_cast<int8_t>(v + (i == j ? 1 : 0));
    }
  }
  return h;
}

std::vector<float> as_float(const std::vector<int8_t>& m) {
  return std::vector<float>(m.begin(), m.end());
}

}  // namespace

bool hadamard_shape(int64_t n, HadamardShape* shape) {
  if (n <= 0) return false;
  for (int64_t m : {int64_t(1), int64_t(12), int64_t(20)}) {
    if (n % m != 0) continue;
    const int64_t p = n / m;
    if ((p & (p - 1)) != 0) continue;
    shape->m = m;
    shape->k = 0;
    while ((int64_t(1) << shape->k) < p) ++shape->k;
    return true;
  }
  return false;
}

std::vector<int8_t> hadamard_matrix(int64_t m) {
  if (m == 1) return {1};
  if (m == 2) return {1, 1, 1, -1};
  if (m == 12) return paley(11);
  if (m == 20) return paley(19);
  throw Error("no Hadamard matrix of size " + std::to_string(m));
}

void hadamard_transform(float* x, int64_t n) {
  HadamardShape s;
  if (!hadamard_shape(n, &s)) {
    throw Error("Hadamard size " + std::to_string(n) + " is not 2^k, 12*2^k, 20*2^k or 40*2^k");
  }
  const int64_t p = int64_t(1) << s.k;
  // H_2^k on each contiguous block (index = a * p + b).
  for (int64_t a = 0; a < s.m; ++a) {
    float* blk = x + a * p;
    for (int64_t h = 1; h < p; h <<= 1) {
      for (int64_t i = 0; i < p; i += 2 * h) {
        for (int64_t j = i; j < i + h; ++j) {
          const float u = blk[j], v = blk[j + h];
          blk[j] = u + v;
          blk[j + h] = u - v;
        }
      }
    }
  }
  if (s.m > 1) {  // H_m across the blocks for each b
    // Output block i accumulates the input blocks j in order (the sum of
    // every element is taken j = 0, 1, ...), contiguous in b.
    static const std::vector<float> h12 = as_float(hadamard_matrix(12)),
                                    h20 = as_float(hadamard_matrix(20));
    const std::vector<float>& hm = s.m == 12 ? h12 : h20;
    thread_local std::vector<float> tmp;
    tmp.assign(static_cast<size_t>(n), 0.0f);
    for (int64_t i = 0; i < s.m; ++i) {
      float* acc = tmp.data() + i * p;
      for (int64_t j = 0; j < s.m; ++j) {
        const float c = hm[i * s.m + j];
        const float* src = x + j * p;
        for (int64_t b = 0; b < p; ++b) acc[b] += c * src[b];
      }
    }
    std::copy(tmp.begin(), tmp.end(), x);
  }
  const float norm = 1.0f / std::sqrt(static_cast<float>(n));
  for (int64_t i = 0; i < n; ++i) x[i] *= norm;
}

}  // namespace ssmsim
