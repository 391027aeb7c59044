#include "numeric/activations.hpp"

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace ssmsim {

namespace {

// W lanes as GCC vector types, W chosen per instruction set so that a float
// vector is one register (AVX-512: 16, AVX2: 8, SSE: 4) and the double
// halves one register each; element-wise IEEE operations, and the numeric
// library is built with -ffp-contract=off, so no operation is fused.
template <int W>
struct Lanes;
#define SSMSIM_LANES(W, BYTES)                                                     \
  template <>                                                                      \
  struct Lanes<W> {                                                                \
    typedef float F __attribute__((vector_size(BYTES)));                           \
    typedef int32_t I __attribute__((vector_size(BYTES)));                         \
    typedef uint32_t U __attribute__((vector_size(BYTES)));                        \
    typedef float HalfF __attribute__((vector_size(BYTES / 2))); /* W/2 floats */  \
    typedef double D __attribute__((vector_size(BYTES)));        /* W/2 doubles */ \
    typedef int64_t L __attribute__((vector_size(BYTES)));                         \
    typedef uint64_t UL __attribute__((vector_size(BYTES)));                       \
  };
SSMSIM_LANES(16, 64)
SSMSIM_LANES(8, 32)
SSMSIM_LANES(4, 16)
#undef SSMSIM_LANES

thread_local uint64_t fallbacks = 0;

template <typename V, typename T>
inline __attribute__((always_inline)) V splat(T v) {
  return V{} + v;
}

template <typename To, typename From>
inline __attribute__((always_inline)) To bits(const From& v) {
  static_assert(sizeof(To) == sizeof(From));
  To t;
  std::memcpy(&t, &v, sizeof t);
  return t;
}

inline float f32(uint32_t b) { return bits<float>(b); }

// Whether any lane is set, by halving (no lane extracted one by one).
template <typename I>
inline __attribute__((always_inline)) bool any(I m) {
  constexpr int w = sizeof(I) / 4;
  if constexpr (w == 16) {
    m |= __builtin_shufflevector(m, m, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7);
    m |= __builtin_shufflevector(m, m, 4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11);
    m |= __builtin_shufflevector(m, m, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
    m |= __builtin_shufflevector(m, m, 1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14);
  } else if constexpr (w == 8) {
    m |= __builtin_shufflevector(m, m, 4, 5, 6, 7, 0, 1, 2, 3);
    m |= __builtin_shufflevector(m, m, 2, 3, 0, 1, 6, 7, 4, 5);
    m |= __builtin_shufflevector(m, m, 1, 0, 3, 2, 5, 4, 7, 6);
  } else {
    m |= __builtin_shufflevector(m, m, 2, 3, 0, 1);
    m |= __builtin_shufflevector(m, m, 1, 0, 3, 2);
  }
  return m[0] != 0;
}

// Lanes Start, Start + Step, ... of the concatenation a:b, as many as R
// holds: the shuffles below, for every W by one definition (the indices of
// a shuffle must be constants).
template <typename R, int Start, int Step, typename V, std::size_t... K>
inline __attribute__((always_inline)) R take(V a, V b, std::index_sequence<K...>) {
  return __builtin_shufflevector(a, b, (Start + Step * static_cast<int>(K))...);
}
template <typename R, int Start, int Step, typename V>
inline __attribute__((always_inline)) R take(V a, V b) {
  constexpr std::size_t n = sizeof(R) / sizeof(a[0]);
  return take<R, Start, Step>(a, b, std::make_index_sequence<n>{});
}
// The two halves of a float vector, and a float vector from two halves.
template <int W>
inline __attribute__((always_inline)) typename Lanes<W>::HalfF half(typename Lanes<W>::F x,
                                                                    bool high) {
  using HalfF = typename Lanes<W>::HalfF;
  return high ? take<HalfF, W / 2, 1>(x, x) : take<HalfF, 0, 1>(x, x);
}
template <int W>
inline __attribute__((always_inline)) typename Lanes<W>::F join(typename Lanes<W>::HalfF a,
                                                                typename Lanes<W>::HalfF b) {
  return take<typename Lanes<W>::F, 0, 1>(a, b);
}
// The low 32 bits of each double of two halves, in lane order (x86 is
// little-endian: the even words).
template <int W>
inline __attribute__((always_inline)) typename Lanes<W>::I low_words(typename Lanes<W>::D a,
                                                                     typename Lanes<W>::D b) {
  using I = typename Lanes<W>::I;
  return take<I, 0, 2>(bits<I>(a), bits<I>(b));
}

// Lane masks (all ones or zero) and selections by integer arithmetic only:
// GCC lowers a generic vector comparison whose result is combined with
// others lane by lane on some targets (float compares on AVX-512F among
// them); subtractions, shifts and logic it never does.
template <typename I>
inline __attribute__((always_inline)) I less(I a, I b) {  // signed a < b
  using U = typename Lanes<sizeof(I) / 4>::U;
  const I d = (I)((U)a - (U)b);
  return (d ^ ((a ^ b) & (a ^ d))) >> 31;  // the difference's sign, corrected for overflow
}
template <typename I>
inline __attribute__((always_inline)) I equal(I a, I b) {
  using U = typename Lanes<sizeof(I) / 4>::U;
  const I d = a ^ b;
  return ~((d | (I)(0u - (U)d)) >> 31);
}
template <typename I, typename V>
inline __attribute__((always_inline)) V select(I m, V a, V b) {
  return bits<V>((m & bits<I>(a)) | (~m & bits<I>(b)));
}

// e^x in double precision for |x| <= 87: x = k ln2 + r, |r| <= ln2/2, with
// ln2 in two parts (k ln2hi exact for |k| < 2^7), e^r by its Taylor
// polynomial to r^9 (truncation below 2^-37), times 2^k. No table, so no
// gather. Relative error below 2^-36.9, which with libm's 1.69 * 2^-34
// stays below the 2^-32 that expf_lanes allows.
template <int W>
inline __attribute__((always_inline)) typename Lanes<W>::D exp_double(typename Lanes<W>::HalfF x) {
  using D = typename Lanes<W>::D;
  using L = typename Lanes<W>::L;
  using UL = typename Lanes<W>::UL;
  const D xd = __builtin_convertvector(x, D);
  const double log2e = 1.4426950408889634074;
  const double hi = 0x1.62e42fefa3800p-1;   // ln2 to 42 significant bits
  const double lo = 0x1.ef35793c76730p-45;  // ln2 - hi
  const double shift = 0x1.8p52;            // rounds to an integer, ties to even
  // k from the shifted sum's low bits: no double-to-integer conversion
  // (AVX-512F and AVX2 have none for 64-bit integers).
  const D shifted = xd * log2e + shift;
  const L k = bits<L>(shifted) - bits<L>(splat<D>(shift));
  const D kd = shifted - shift;
  const D r = (xd - kd * hi) - kd * lo;
  // Estrin's scheme: five independent pairs, then two levels.
  const D r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
  const D p01 = r + 1.0, p23 = r * (1.0 / 6) + 0.5;
  const D p45 = r * (1.0 / 120) + 1.0 / 24, p67 = r * (1.0 / 5040) + 1.0 / 720;
  const D p89 = r * (1.0 / 362880) + 1.0 / 40320;
  const D p = (p01 + r2 * p23) + r4 * (p45 + r2 * p67) + r8 * p89;
  return p * bits<D>((L)((UL)(k + 1023) << 52));
}

// expf(x) per lane, as libm gives it: the rounding of exp_double where it is
// certain (the header), libm's expf elsewhere. Where y lies between two
// floats shows in its low 29 bits (the bits a float drops, y being a normal
// float's): a midpoint is 2^28 there, and 2^-32 of y is less than 2^21 of
// them.
template <int W>
inline __attribute__((always_inline)) typename Lanes<W>::F expf_lanes(typename Lanes<W>::F x) {
  using F = typename Lanes<W>::F;
  using I = typename Lanes<W>::I;
  using HalfF = typename Lanes<W>::HalfF;
  // |x| <= 87: a normal result (not NaN).
  const I ok = less(bits<I>(x) & 0x7fffffff, splat<I>(0x42ae0001));
  const F xc = select(ok, x, splat<F>(0.0f));
  const auto y0 = exp_double<W>(half<W>(xc, false));
  const auto y1 = exp_double<W>(half<W>(xc, true));
  const F f = join<W>(__builtin_convertvector(y0, HalfF), __builtin_convertvector(y1, HalfF));
  const I from_mid = (low_words<W>(y0, y1) & 0x1fffffff) - 0x10000000;
  const I sign = from_mid >> 31;
  const I near = ~less(splat<I>(1 << 21), (from_mid ^ sign) - sign);
  const I bad = near | ~ok;
  F out = f;
  if (__builtin_expect(any(bad), 0)) {
    for (int i = 0; i < W; ++i) {
      if (bad[i]) {
        out[i] = std::exp(x[i]);
        fallbacks += ok[i] != 0;  // an uncertain rounding, not a range
      }
    }
  }
  return out;
}

// fdlibm's log1pf (s_log1pf.c, Sun Microsystems 1993) for x >= +0, NaN and
// +inf: every branch computed, the one C takes selected per lane. Constants
// as fdlibm's bit patterns.
template <int W>
inline __attribute__((always_inline)) typename Lanes<W>::F log1p_lanes(typename Lanes<W>::F x) {
  using F = typename Lanes<W>::F;
  using I = typename Lanes<W>::I;
  const float ln2_hi = f32(0x3f317180), ln2_lo = f32(0x3717f7d1);
  const float lp1 = f32(0x3f2aaaab), lp2 = f32(0x3ecccccd), lp3 = f32(0x3e924925),
              lp4 = f32(0x3e638e29), lp5 = f32(0x3e3a3325), lp6 = f32(0x3e1cd04f),
              lp7 = f32(0x3e178897);
  const I hx = bits<I>(x);
  // |x| < 2^-29: x, or x - x x / 2 from 2^-54.
  const F tiny = select(less(hx, splat<I>(0x24800000)), x, x - (x * x) * 0.5f);
  // x >= 0.41422 (k != 0 in fdlibm's terms until normalised): u = 1 + x
  // = 2^k (1 + f) with sqrt(2)/2 <= 1 + f < sqrt(2), and c corrects u's
  // rounding.
  const F u = 1.0f + x;
  I hu = bits<I>(u);
  I k = (hu >> 23) - 127;
  F c = select(less(splat<I>(0), k), 1.0f - (u - x), x - (u - 1.0f));
  c = c / u;
  hu &= 0x007fffff;
  const I low = less(hu, splat<I>(0x3504f7));
  const F un = bits<F>(select(low, hu | 0x3f800000, hu | 0x3f000000));
  k = select(low, k, k + 1);
  hu = select(low, hu, (0x00800000 - hu) >> 2);
  F f = un - 1.0f;
  // -0.2929 < x < 0.41422 (here 0 < x): k = 0, f = x.
  const I small = less(hx, splat<I>(0x3ed413d7));
  f = select(small, x, f);
  hu = select(small, splat<I>(1), hu);
  k = select(small, splat<I>(0), k);
  const F hfsq = (0.5f * f) * f;
  const F kf = __builtin_convertvector(k, F);
  const I k0 = equal(k, splat<I>(0));
  // hu == 0 (|f| < 2^-20).
  const F r0 = hfsq * (1.0f - lp1 * f);
  const F at_zero = select(k0, splat<F>(0.0f), kf * ln2_hi + (c + kf * ln2_lo));
  const F near_zero = select(k0, f - r0, kf * ln2_hi - ((r0 - (kf * ln2_lo + c)) - f));
  // The rest.
  const F s = f / (2.0f + f);
  const F z = s * s;
  const F r = z * (lp1 + z * (lp2 + z * (lp3 + z * (lp4 + z * (lp5 + z * (lp6 + z * lp7))))));
  const F general = select(k0, f - (hfsq - s * (hfsq + r)),
                           kf * ln2_hi - ((hfsq - (s * (hfsq + r) + (kf * ln2_lo + c))) - f));
  const I f0 = equal(bits<I>(f) & 0x7fffffff, splat<I>(0));
  F out = select(equal(hu, splat<I>(0)), select(f0, at_zero, near_zero), general);
  out = select(less(hx, splat<I>(0x31000000)), tiny, out);
  out = select(less(hx, splat<I>(0x7f800000)), out, x + x);
  if (__builtin_expect(any(I(hx >> 31)), 0)) {
    for (int i = 0; i < W; ++i) {
      if (hx[i] < 0) out[i] = std::log1p(x[i]);  // negative: not softplus's
    }
  }
  return out;
}

template <int W>
inline __attribute__((always_inline)) typename Lanes<W>::F softplus_lanes(typename Lanes<W>::F x) {
  using I = typename Lanes<W>::I;
  // x > 20, by the float's bits as an integer in the same order (NaN above +inf).
  const I h = bits<I>(x);
  const I key = h ^ ((h >> 31) & 0x7fffffff);
  return select(less(splat<I>(0x41a00000), key), x, log1p_lanes<W>(expf_lanes<W>(x)));
}

template <int W>
inline __attribute__((always_inline)) typename Lanes<W>::F silu_lanes(typename Lanes<W>::F x) {
  return x / (1.0f + expf_lanes<W>(-x));
}

// Every call inlined: a vector argument to a function compiled for another
// target than its caller's would cross an ABI boundary.
enum class Act { kSoftplus, kSilu, kSiluMul };

// out = act(in) (times y for the gate), W lanes at a time, the tail padded.
template <int W, Act kAct>
inline __attribute__((always_inline)) void apply_n(const float* in, const float* y, float* out,
                                                   int64_t n) {
  using F = typename Lanes<W>::F;
  const auto act = [](F v, F g) __attribute__((always_inline)) {
    if constexpr (kAct == Act::kSoftplus) return softplus_lanes<W>(v);
    if constexpr (kAct == Act::kSilu) return silu_lanes<W>(v);
    if constexpr (kAct == Act::kSiluMul) return g * silu_lanes<W>(v);
  };
  int64_t i = 0;
  F v = {}, g = {};
  for (; i + W <= n; i += W) {
    std::memcpy(&v, in + i, sizeof v);
    if (kAct == Act::kSiluMul) std::memcpy(&g, y + i, sizeof g);
    v = act(v, g);
    std::memcpy(out + i, &v, sizeof v);
  }
  if (i == n) return;
  const auto tail = static_cast<size_t>(n - i) * sizeof(float);
  v = F{};
  g = F{};
  std::memcpy(&v, in + i, tail);
  if (kAct == Act::kSiluMul) std::memcpy(&g, y + i, tail);
  v = act(v, g);
  std::memcpy(out + i, &v, tail);
}

}  // namespace

float log1p_fdlibm(float x) { return log1p_lanes<4>(splat<Lanes<4>::F>(x))[0]; }

float softplus(float x) { return x > 20.0f ? x : log1p_fdlibm(std::exp(x)); }

namespace {

// One body per instruction set; the helpers inline into each.
template <Act kAct>
__attribute__((target("avx512f"))) void act_avx512(const float* in, const float* y, float* out,
                                                   int64_t n) {
  apply_n<16, kAct>(in, y, out, n);
}
template <Act kAct>
__attribute__((target("avx2"))) void act_avx2(const float* in, const float* y, float* out,
                                              int64_t n) {
  apply_n<8, kAct>(in, y, out, n);
}
template <Act kAct>
void act_portable(const float* in, const float* y, float* out, int64_t n) {
  apply_n<4, kAct>(in, y, out, n);
}

template <Act kAct>
void act(const float* in, const float* y, float* out, int64_t n, VectorIsa isa) {
  if (!isa_supported(isa)) throw std::invalid_argument("activations: ISA not on this CPU");
  switch (isa) {
    case VectorIsa::kAvx512:
      return act_avx512<kAct>(in, y, out, n);
    case VectorIsa::kAvx2:
      return act_avx2<kAct>(in, y, out, n);
    case VectorIsa::kPortable:
      return act_portable<kAct>(in, y, out, n);
  }
}

}  // namespace

bool isa_supported(VectorIsa isa) {
  switch (isa) {
    case VectorIsa::kAvx512:
      return __builtin_cpu_supports("avx512f");
    case VectorIsa::kAvx2:
      return __builtin_cpu_supports("avx2");
    case VectorIsa::kPortable:
      return true;
  }
  return false;
}

const char* isa_name(VectorIsa isa) {
  switch (isa) {
    case VectorIsa::kAvx512:
      return "avx512f";
    case VectorIsa::kAvx2:
      return "avx2";
    case VectorIsa::kPortable:
      break;
  }
  return "portable";
}

VectorIsa activation_isa() {
  static const VectorIsa best = isa_supported(VectorIsa::kAvx512) ? VectorIsa::kAvx512
                                : isa_supported(VectorIsa::kAvx2) ? VectorIsa::kAvx2
                                                                  : VectorIsa::kPortable;
  return best;
}

void softplus_n(const float* in, float* out, int64_t n, VectorIsa isa) {
  act<Act::kSoftplus>(in, nullptr, out, n, isa);
}
void silu_n(const float* in, float* out, int64_t n, VectorIsa isa) {
  act<Act::kSilu>(in, nullptr, out, n, isa);
}
void silu_mul_n(const float* z, const float* y, float* out, int64_t n, VectorIsa isa) {
  act<Act::kSiluMul>(z, y, out, n, isa);
}

uint64_t activation_fallbacks() { return fallbacks; }

}  // namespace ssmsim
