// Random inputs of the SSD kernels' shapes (numeric/ssd.hpp), for their
// test and their benchmark: x, B, C, D uniform in (-1, 1), delta and -A
// positive, the state random or zero.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "numeric/ssd.hpp"

namespace ssmsim::test {

struct SsdProblem {
  SsdShape s;
  int64_t L;
  std::vector<float> x, delta, A, B, C, D, state;
  // delta in [delta_lo, delta_hi); A = -a_scale * (a value in that range).
  SsdProblem(SsdShape shape, int64_t tokens, uint32_t seed, float delta_lo, float delta_hi,
             float a_scale, bool random_state)
      : s(shape), L(tokens) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> u(-1, 1), pos(delta_lo, delta_hi);
    const auto fill = [&](std::vector<float>& v, int64_t n, auto& dist) {
      v.resize(static_cast<size_t>(n));
      for (float& e : v) e = dist(rng);
    };
    fill(x, L * s.width(), u);
    fill(delta, L * s.heads, pos);
    fill(A, s.heads, pos);
    for (float& a : A) a = -a * a_scale;
    fill(B, L * s.groups * s.d_state, u);
    fill(C, L * s.groups * s.d_state, u);
    fill(D, s.heads, u);
    const int64_t state_n = s.heads * s.head_dim * s.d_state;
    if (random_state) {
      fill(state, state_n, u);
    } else {
      state.assign(static_cast<size_t>(state_n), 0.0f);
    }
  }
};

}  // namespace ssmsim::test
