// Normalised Hadamard transforms for the sizes Quamba uses before out_proj:
// n = m * 2^k with m in {1, 12, 20} (40 * 2^k = 20 * 2^(k+1)). H_n = H_m (x)
// H_2^k; H_12 and H_20 are Paley (type I) matrices from q = 11 and q = 19.
#pragma once

#include <cstdint>
#include <vector>

namespace ssmsim {

struct HadamardShape {
  int64_t m = 1;  // 1, 12 or 20
  int64_t k = 0;  // butterfly stages
};

// False when n is not m * 2^k with a supported m.
bool hadamard_shape(int64_t n, HadamardShape* shape);

// The m x m +-1 Hadamard matrix (m = 1, 2, 12 or 20), row-major.
std::vector<int8_t> hadamard_matrix(int64_t m);

// In place: x <- H_n x / sqrt(n).
void hadamard_transform(float* x, int64_t n);

}  // namespace ssmsim
