// softplus and SiLU, one at a time and 16 at a time: hand values, and the
// vector versions on every instruction set the CPU has against libm bit for
// bit on every 1021st float (the exhaustive run is bench/check_activations),
// with the lanes whose rounding is uncertain among them.
#include <gnu/libc-version.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "numeric/activations.hpp"
#include "tests/support/float_bits.hpp"

using namespace ssmsim;
using test::float_bits;

namespace {

bool same(float a, float b) {
  return (std::isnan(a) && std::isnan(b)) || float_bits(a) == float_bits(b);
}

// glibc up to 2.40 has fdlibm's log1pf; 2.41 rounds it correctly.
bool libm_log1pf_is_fdlibm() {
  int major = 0, minor = 0;
  std::sscanf(gnu_get_libc_version(), "%d.%d", &major, &minor);
  return major == 2 && minor < 41;
}

// Every 1021st bit pattern: 4.2 M floats of every sign, binade and class.
std::vector<float> sampled_floats() {
  std::vector<float> v;
  for (uint64_t b = 0; b <= 0xffffffffu; b += 1021) {
    const auto u = static_cast<uint32_t>(b);
    float f;
    std::memcpy(&f, &u, sizeof f);
    v.push_back(f);
  }
  return v;
}

}  // namespace

TEST(Activations, HandValues) {
  EXPECT_NEAR(softplus(0.0f), std::log(2.0f), 1e-7);
  EXPECT_EQ(softplus(25.0f), 25.0f);  // torch's threshold
  EXPECT_EQ(softplus(-200.0f), 0.0f);
  EXPECT_NEAR(silu(1.0f), 1.0f / (1.0f + std::exp(-1.0f)), 1e-7);
  EXPECT_EQ(log1p_fdlibm(0.0f), 0.0f);
  EXPECT_NEAR(log1p_fdlibm(1.0f), std::log(2.0f), 1e-7);
  EXPECT_TRUE(std::isinf(log1p_fdlibm(INFINITY)));
  EXPECT_TRUE(std::isnan(log1p_fdlibm(NAN)));
}

// Every instruction set this CPU has (the portable path always).
class ActivationsOn : public ::testing::TestWithParam<VectorIsa> {};

INSTANTIATE_TEST_SUITE_P(Isa, ActivationsOn,
                         ::testing::Values(VectorIsa::kPortable, VectorIsa::kAvx2,
                                           VectorIsa::kAvx512),
                         [](const auto& info) { return std::string(isa_name(info.param)); });

TEST_P(ActivationsOn, VectorsMatchLibmOnSampledFloats) {
  const VectorIsa isa = GetParam();
  if (!isa_supported(isa)) GTEST_SKIP() << "not on this CPU";
  const std::vector<float> x = sampled_floats();
  const auto n = static_cast<int64_t>(x.size());
  std::vector<float> sp(x.size()), si(x.size()), gate(x.size());
  const uint64_t before = activation_fallbacks();
  softplus_n(x.data(), sp.data(), n, isa);
  silu_n(x.data(), si.data(), n, isa);
  std::vector<float> y(x.size(), 0.75f);
  silu_mul_n(x.data(), y.data(), gate.data(), n, isa);
  const uint64_t fallbacks = activation_fallbacks() - before;
  const bool fdlibm = libm_log1pf_is_fdlibm();
  int64_t bad_softplus = 0, bad_scalar = 0, bad_silu = 0, bad_gate = 0, bad_log1p = 0;
  int64_t libm_misrounds = 0;  // expf not correctly rounded: the rounding the vector must copy
  for (size_t i = 0; i < x.size(); ++i) {
    const float v = x[i];
    bad_scalar += !same(sp[i], softplus(v));
    if (fdlibm) {
      bad_softplus += !same(sp[i], v > 20.0f ? v : std::log1p(std::exp(v)));
      if (!std::signbit(v)) bad_log1p += !same(log1p_fdlibm(v), std::log1p(v));
    }
    const float s = v / (1.0f + std::exp(-v));
    bad_silu += !same(si[i], s);
    bad_gate += !same(gate[i], 0.75f * s);
    if (std::fabs(v) <= 87.0f) {
      libm_misrounds += std::exp(v) != static_cast<float>(std::exp(static_cast<double>(v)));
    }
  }
  EXPECT_EQ(bad_scalar, 0) << "softplus_n against softplus";
  EXPECT_EQ(bad_silu, 0) << "silu_n against x / (1 + expf(-x))";
  EXPECT_EQ(bad_gate, 0) << "silu_mul_n against y * silu(z)";
  if (fdlibm) {
    EXPECT_EQ(bad_softplus, 0) << "softplus_n against log1pf(expf(x))";
    EXPECT_EQ(bad_log1p, 0) << "log1p_fdlibm against log1pf";
  }
  // The sample holds expf results that are not correctly rounded, and the
  // vectors matched libm there: those lanes went to libm.
  EXPECT_GT(libm_misrounds, 0);
  EXPECT_GT(fallbacks, static_cast<uint64_t>(libm_misrounds));
  EXPECT_LT(fallbacks, x.size() / 20) << "about 1 % of lanes expected";
}

TEST(Activations, Log1pWithinOneUlp) {
  // fdlibm's log1pf errs by less than one ulp.
  for (float v : sampled_floats()) {
    if (std::signbit(v) || !std::isfinite(v)) continue;
    const float want = static_cast<float>(std::log1p(static_cast<double>(v)));
    const auto d =
        static_cast<int64_t>(float_bits(log1p_fdlibm(v))) - static_cast<int64_t>(float_bits(want));
    ASSERT_LE(std::llabs(d), 1) << v;
  }
}

TEST_P(ActivationsOn, TailsAndInPlace) {
  const VectorIsa isa = GetParam();
  if (!isa_supported(isa)) GTEST_SKIP() << "not on this CPU";
  // Every length around the 16 lanes, in place, the same as element by element.
  for (int64_t n = 0; n <= 40; ++n) {
    std::vector<float> x(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) x[i] = -7.5f + 0.37f * static_cast<float>(i);
    std::vector<float> a = x, b = x;
    softplus_n(a.data(), a.data(), n, isa);
    silu_n(b.data(), b.data(), n, isa);
    for (int64_t i = 0; i < n; ++i) {
      EXPECT_TRUE(same(a[i], softplus(x[i]))) << n << " " << i;
      EXPECT_TRUE(same(b[i], silu(x[i]))) << n << " " << i;
    }
  }
}
