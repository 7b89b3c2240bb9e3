// unmask: the chunk primitives of the one-pass kernels with AVX2 + FMA + F16C intrinsics.
// Compiled by target attribute (no -march needed); called only when the CPU has them.
#pragma once

#include <unmask/kernels/detail/chunk_ops_portable.hpp>
#include <unmask/kernels/detail/exp_constants.hpp>
#include <unmask/kernels/simd_level.hpp>

#if UNMASK_X86_SIMD
#include <immintrin.h>

#include <cstdint>
#include <limits>

#define UNMASK_AVX2_FN __attribute__((target("avx2,fma,f16c")))
#define UNMASK_AVX2_INLINE __attribute__((target("avx2,fma,f16c"), always_inline)) inline

UNMASK_NAMESPACE_BEGIN
namespace detail::avx2 {

// Pulls the bytes that follow the chunk (the next chunk, or the next row) toward L1
// while the exponentials run, so memory and arithmetic overlap.
template <class T>
UNMASK_AVX2_INLINE void prefetch_ahead(const T* p) {
  _mm_prefetch(reinterpret_cast<const char*>(p), _MM_HINT_T0);
}

UNMASK_AVX2_INLINE __m256 load8(const float* p) { return _mm256_loadu_ps(p); }
UNMASK_AVX2_INLINE __m256 load8(const bfloat16* p) {
  const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
}
UNMASK_AVX2_INLINE __m256 load8(const float16* p) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

// d clamped to the cut-off (NaN kept) and the keep mask (d >= cut or NaN) as all-ones lanes.
UNMASK_AVX2_INLINE __m256 clamp_ps(__m256 d, __m256& keep) {
  const __m256 cut = _mm256_set1_ps(exp_cut_f32);
  keep = _mm256_cmp_ps(d, cut, _CMP_NLT_UQ);
  return _mm256_max_ps(cut, d);  // a NaN d is returned (second operand)
}
UNMASK_AVX2_INLINE __m256d clamp_pd(__m256d d, __m256d& keep) {
  const __m256d cut = _mm256_set1_pd(exp_cut_f64);
  keep = _mm256_cmp_pd(d, cut, _CMP_NLT_UQ);
  return _mm256_max_pd(cut, d);
}

UNMASK_AVX2_INLINE __m256 exp_ps(__m256 d, __m256 keep) {
  using namespace expc;
  const __m256 magic = _mm256_set1_ps(magic_f);
  const __m256 kf = _mm256_fmadd_ps(d, _mm256_set1_ps(log2e_f), magic);
  const __m256 nf = _mm256_sub_ps(kf, magic);
  __m256 r = _mm256_fnmadd_ps(nf, _mm256_set1_ps(ln2_hi_f), d);
  r = _mm256_fnmadd_ps(nf, _mm256_set1_ps(ln2_lo_f), r);
  __m256 p = _mm256_fmadd_ps(_mm256_set1_ps(g3), r, _mm256_set1_ps(g2));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(g1));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(g0));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
  // 2^n: n sits in the low mantissa bits of kf, so bits(kf) << 23 = n << 23.
  const __m256i e = _mm256_add_epi32(_mm256_castps_si256(p), _mm256_slli_epi32(_mm256_castps_si256(kf), 23));
  return _mm256_and_ps(_mm256_castsi256_ps(e), keep);
}

UNMASK_AVX2_INLINE __m256d exp_pd(__m256d d, __m256d keep) {
  using namespace expc;
  const __m256d magic = _mm256_set1_pd(magic_d);
  const __m256d kd = _mm256_fmadd_pd(d, _mm256_set1_pd(inv_ln2_16), magic);
  const __m256d nf = _mm256_sub_pd(kd, magic);
  const __m256d r = _mm256_fnmadd_pd(nf, _mm256_set1_pd(ln2_16), d);
  const __m256i kbits = _mm256_castpd_si256(kd);
  const __m256d tab = _mm256_i64gather_pd(exp2_j16, _mm256_and_si256(kbits, _mm256_set1_epi64x(15)), 8);
  __m256d h = _mm256_fmadd_pd(_mm256_set1_pd(h3), r, _mm256_set1_pd(h2));
  h = _mm256_fmadd_pd(h, r, _mm256_set1_pd(h1));
  h = _mm256_fmadd_pd(h, r, _mm256_set1_pd(h0));
  h = _mm256_fmadd_pd(h, r, _mm256_set1_pd(0.5));
  const __m256d q = _mm256_fmadd_pd(_mm256_mul_pd(r, r), h, r);
  const __m256d e = _mm256_fmadd_pd(tab, q, tab);
  // 2^(n >> 4): n sits in the low bits of kd; (bits << 48) & ~(15 << 48) = (n >> 4) << 52.
  const __m256i scale = _mm256_and_si256(_mm256_slli_epi64(kbits, 48), _mm256_set1_epi64x(INT64_C(-4503599627370496)));
  return _mm256_and_pd(_mm256_castsi256_pd(_mm256_add_epi64(_mm256_castpd_si256(e), scale)), keep);
}

template <bool Safe>
UNMASK_AVX2_INLINE __m256 exp_ps_checked(__m256& d) {
  if constexpr (Safe) {
    return exp_ps(d, _mm256_castsi256_ps(_mm256_set1_epi32(-1)));
  } else {
    __m256 k;
    d = clamp_ps(d, k);
    return exp_ps(d, k);
  }
}
template <bool Safe>
UNMASK_AVX2_INLINE __m256d exp_pd_checked(__m256d& d) {
  if constexpr (Safe) {
    return exp_pd(d, _mm256_castsi256_pd(_mm256_set1_epi64x(-1)));
  } else {
    __m256d k;
    d = clamp_pd(d, k);
    return exp_pd(d, k);
  }
}

UNMASK_AVX2_INLINE double hsum(__m256 a) {
  const __m256d s =
      _mm256_add_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(a)), _mm256_cvtps_pd(_mm256_extractf128_ps(a, 1)));
  const __m128d h = _mm_add_pd(_mm256_castpd256_pd128(s), _mm256_extractf128_pd(s, 1));
  return _mm_cvtsd_f64(_mm_add_sd(h, _mm_unpackhi_pd(h, h)));
}
UNMASK_AVX2_INLINE double hsum(__m256d s) {
  const __m128d h = _mm_add_pd(_mm256_castpd256_pd128(s), _mm256_extractf128_pd(s, 1));
  return _mm_cvtsd_f64(_mm_add_sd(h, _mm_unpackhi_pd(h, h)));
}
UNMASK_AVX2_INLINE float hmin(__m256 a) {
  __m128 m = _mm_min_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
  m = _mm_min_ps(m, _mm_movehl_ps(m, m));
  m = _mm_min_ss(m, _mm_movehdup_ps(m));
  return _mm_cvtss_f32(m);
}
UNMASK_AVX2_INLINE float hmax(__m256 a) {
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  m = _mm_max_ss(m, _mm_movehdup_ps(m));
  return _mm_cvtss_f32(m);
}

}  // namespace detail::avx2

namespace detail {

/// AVX2 chunk primitives (contract: chunk_ops_portable).
struct chunk_ops_avx2 {
  /// The argument term of sums_tempered's float weights (chunk_types.hpp).
  static constexpr double tempered_arg_bound = detail::tempered_arg_bound;

  template <class T>
  [[nodiscard]] UNMASK_AVX2_FN static chunk_range range(const T* p, index_t n) noexcept {
    using namespace avx2;
    const __m256 ninf = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
    const __m256 pinf = _mm256_set1_ps(std::numeric_limits<float>::infinity());
    __m256 a0 = ninf, a1 = ninf, b0 = pinf, b1 = pinf, nan = _mm256_setzero_ps();
    index_t v = 0;
    for (; v + 16 <= n; v += 16) {
      const __m256 x0 = load8(p + v), x1 = load8(p + v + 8);
      a0 = _mm256_max_ps(x0, a0);  // a NaN entry loses (second operand returned) and is flagged
      a1 = _mm256_max_ps(x1, a1);
      b0 = _mm256_min_ps(x0, b0);
      b1 = _mm256_min_ps(x1, b1);
      nan = _mm256_or_ps(nan, _mm256_cmp_ps(x0, x1, _CMP_UNORD_Q));
    }
    for (; v + 8 <= n; v += 8) {
      const __m256 x = load8(p + v);
      a0 = _mm256_max_ps(x, a0);
      b0 = _mm256_min_ps(x, b0);
      nan = _mm256_or_ps(nan, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
    }
    chunk_range r = chunk_ops_portable::range(p + v, n - v);
    const float hi = hmax(_mm256_max_ps(a0, a1)), lo = hmin(_mm256_min_ps(b0, b1));
    if (_mm256_movemask_ps(nan) != 0 || r.max != r.max) {
      r.max = std::numeric_limits<float>::quiet_NaN();
      return r;
    }
    r.max = hi > r.max ? hi : r.max;
    r.min = lo < r.min ? lo : r.min;
    return r;
  }

  template <class T>
  UNMASK_AVX2_FN static void top2(const T* p, index_t n, index_t base, top2_state& g) noexcept {
    using namespace avx2;
    const __m256 ninf = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
    // Entries <= the running second best cannot enter (they come later, so they lose
    // ties): vectors without one above it are skipped with one compare.
    const __m256 thr = g.i2 < 0 ? ninf : _mm256_set1_ps(g.m2);
    const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    __m256 m1 = ninf, m2 = ninf;
    __m256 i1 = _mm256_castsi256_ps(_mm256_set1_epi32(-1)), i2 = i1;  // indices as float bit patterns
    index_t v = 0;
    for (; v + 8 <= n; v += 8) {
      const __m256 x = load8(p + v);
      if (_mm256_movemask_ps(_mm256_cmp_ps(x, thr, _CMP_GT_OQ)) == 0) continue;
      const __m256 fi = _mm256_castsi256_ps(_mm256_add_epi32(iota, _mm256_set1_epi32(static_cast<int>(v))));
      const __m256 gt1 = _mm256_cmp_ps(x, m1, _CMP_GT_OQ);
      const __m256 gt2 = _mm256_cmp_ps(x, m2, _CMP_GT_OQ);
      m2 = _mm256_blendv_ps(_mm256_blendv_ps(m2, x, gt2), m1, gt1);
      i2 = _mm256_blendv_ps(_mm256_blendv_ps(i2, fi, gt2), i1, gt1);
      m1 = _mm256_blendv_ps(m1, x, gt1);
      i1 = _mm256_blendv_ps(i1, fi, gt1);
    }
    alignas(32) float f1[8], f2[8];
    alignas(32) std::int32_t j1[8], j2[8];
    _mm256_store_ps(f1, m1);
    _mm256_store_ps(f2, m2);
    _mm256_store_si256(reinterpret_cast<__m256i*>(j1), _mm256_castps_si256(i1));
    _mm256_store_si256(reinterpret_cast<__m256i*>(j2), _mm256_castps_si256(i2));
    for (int l = 0; l < 8; ++l) {
      if (j1[l] >= 0) g.offer(f1[l], base + j1[l]);
      if (j2[l] >= 0) g.offer(f2[l], base + j2[l]);
    }
    chunk_ops_portable::top2(p + v, n - v, base + v, g);
  }

  template <class T>
  [[nodiscard]] UNMASK_AVX2_FN static index_t find_greater(const T* p, index_t n, float thr) noexcept {
    using namespace avx2;
    const __m256 tv = _mm256_set1_ps(thr);
    index_t v = 0;
    for (; v + 32 <= n; v += 32) {
      const __m256 k0 = _mm256_cmp_ps(load8(p + v), tv, _CMP_GT_OQ);
      const __m256 k1 = _mm256_cmp_ps(load8(p + v + 8), tv, _CMP_GT_OQ);
      const __m256 k2 = _mm256_cmp_ps(load8(p + v + 16), tv, _CMP_GT_OQ);
      const __m256 k3 = _mm256_cmp_ps(load8(p + v + 24), tv, _CMP_GT_OQ);
      if (_mm256_movemask_ps(_mm256_or_ps(_mm256_or_ps(k0, k1), _mm256_or_ps(k2, k3))) != 0) break;
    }
    for (; v + 8 <= n; v += 8) {
      const unsigned k = static_cast<unsigned>(_mm256_movemask_ps(_mm256_cmp_ps(load8(p + v), tv, _CMP_GT_OQ)));
      if (k != 0) return v + __builtin_ctz(k);
    }
    return v + chunk_ops_portable::find_greater(p + v, n - v, thr);
  }

  template <bool Safe, bool Entropy, class T>
  [[nodiscard]] UNMASK_AVX2_FN static exp_sums sums_f32(const T* p, index_t n, float m) noexcept {
    using namespace avx2;
    const __m256 mv = _mm256_set1_ps(m);
    __m256 s0 = _mm256_setzero_ps(), s1 = s0, t0 = s0, t1 = s0;
    index_t v = 0;
    for (; v + 16 <= n; v += 16) {
      prefetch_ahead(p + n + v);
      __m256 d0 = _mm256_sub_ps(load8(p + v), mv), d1 = _mm256_sub_ps(load8(p + v + 8), mv);
      const __m256 e0 = exp_ps_checked<Safe>(d0), e1 = exp_ps_checked<Safe>(d1);
      s0 = _mm256_add_ps(s0, e0);
      s1 = _mm256_add_ps(s1, e1);
      if constexpr (Entropy) {
        t0 = _mm256_fmadd_ps(e0, d0, t0);
        t1 = _mm256_fmadd_ps(e1, d1, t1);
      }
    }
    exp_sums r = chunk_ops_portable::sums_f32<Safe, Entropy>(p + v, n - v, m);
    r.s += hsum(s0) + hsum(s1);
    if constexpr (Entropy) r.t += hsum(t0) + hsum(t1);
    return r;
  }

  template <bool Safe, bool Entropy, class T>
  [[nodiscard]] UNMASK_AVX2_FN static exp_sums sums_f64(const T* p, index_t n, double m) noexcept {
    using namespace avx2;
    const __m256d mv = _mm256_set1_pd(m);
    __m256d s0 = _mm256_setzero_pd(), s1 = s0, t0 = s0, t1 = s0;
    index_t v = 0;
    for (; v + 8 <= n; v += 8) {
      prefetch_ahead(p + n + v);
      const __m256 x = load8(p + v);
      __m256d d0 = _mm256_sub_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(x)), mv);
      __m256d d1 = _mm256_sub_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(x, 1)), mv);
      const __m256d e0 = exp_pd_checked<Safe>(d0), e1 = exp_pd_checked<Safe>(d1);
      s0 = _mm256_add_pd(s0, e0);
      s1 = _mm256_add_pd(s1, e1);
      if constexpr (Entropy) {
        t0 = _mm256_fmadd_pd(e0, d0, t0);
        t1 = _mm256_fmadd_pd(e1, d1, t1);
      }
    }
    exp_sums r = chunk_ops_portable::sums_f64<Safe, Entropy>(p + v, n - v, m);
    r.s += hsum(_mm256_add_pd(s0, s1));
    if constexpr (Entropy) r.t += hsum(_mm256_add_pd(t0, t1));
    r.st = r.s;
    return r;
  }

  template <bool Safe, bool HasMax, class T>
  [[nodiscard]] UNMASK_AVX2_FN static exp_sums sums_bounded(const T* p, index_t n, float m) noexcept {
    using namespace avx2;
    const __m256 mf = _mm256_set1_ps(m), zero = _mm256_setzero_ps();
    __m256 b0 = zero, b1 = zero;
    __m256d wd = _mm256_setzero_pd();  // float lanes of <= 4 terms, then double
    unsigned ones = 0;                 // terms with d = 0: exactly 1, kept out of the lanes
    index_t v = 0;
    while (v + 16 <= n) {
      __m256 w0 = zero, w1 = zero;
      for (int k = 0; k < 4 && v + 16 <= n; ++k, v += 16) {
        prefetch_ahead(p + n + v);
        __m256 d0 = _mm256_sub_ps(load8(p + v), mf), d1 = _mm256_sub_ps(load8(p + v + 8), mf);
        __m256 e0 = exp_ps_checked<Safe>(d0), e1 = exp_ps_checked<Safe>(d1);
        if constexpr (HasMax) {
          const __m256 z0 = _mm256_cmp_ps(d0, zero, _CMP_EQ_OQ), z1 = _mm256_cmp_ps(d1, zero, _CMP_EQ_OQ);
          ones += static_cast<unsigned>(__builtin_popcount(static_cast<unsigned>(_mm256_movemask_ps(z0))) +
                                        __builtin_popcount(static_cast<unsigned>(_mm256_movemask_ps(z1))));
          e0 = _mm256_andnot_ps(z0, e0);
          e1 = _mm256_andnot_ps(z1, e1);
        }
        w0 = _mm256_add_ps(w0, e0);
        w1 = _mm256_add_ps(w1, e1);
        b0 = _mm256_fnmadd_ps(e0, d0, b0);
        b1 = _mm256_fnmadd_ps(e1, d1, b1);
      }
      wd = _mm256_add_pd(wd, _mm256_add_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(w0)),
                                           _mm256_cvtps_pd(_mm256_castps256_ps128(w1))));
      wd = _mm256_add_pd(wd, _mm256_add_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(w0, 1)),
                                           _mm256_cvtps_pd(_mm256_extractf128_ps(w1, 1))));
    }
    exp_sums r = chunk_ops_portable::sums_bounded<Safe, HasMax>(p + v, n - v, m);
    const double lanes = hsum(wd);
    r.st += lanes;
    r.s += lanes + static_cast<double>(ones);
    r.sb += hsum(b0) + hsum(b1);
    return r;
  }

  template <bool StatsF64, bool Safe, bool Entropy, class T>
  [[nodiscard]] UNMASK_AVX2_FN static exp_sums sums_tempered(const T* p, index_t n, double m, double inv_t) noexcept {
    using namespace avx2;
    if constexpr (StatsF64) {
      const __m256d mv = _mm256_set1_pd(m), it = _mm256_set1_pd(inv_t);
      __m256d sd = _mm256_setzero_pd(), td = sd, q0 = sd, q1 = sd;
      index_t v = 0;
      for (; v + 8 <= n; v += 8) {
        prefetch_ahead(p + n + v);
        const __m256 x = load8(p + v);
        const __m256d r0 = _mm256_sub_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(x)), mv);
        const __m256d r1 = _mm256_sub_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(x, 1)), mv);
        __m256d u0 = _mm256_mul_pd(r0, it), u1 = _mm256_mul_pd(r1, it);
        q0 = _mm256_add_pd(q0, exp_pd_checked<Safe>(u0));
        q1 = _mm256_add_pd(q1, exp_pd_checked<Safe>(u1));
        __m256d d0 = r0, d1 = r1;
        const __m256d e0 = exp_pd_checked<Safe>(d0), e1 = exp_pd_checked<Safe>(d1);
        sd = _mm256_add_pd(sd, _mm256_add_pd(e0, e1));
        if constexpr (Entropy) td = _mm256_fmadd_pd(e0, d0, _mm256_fmadd_pd(e1, d1, td));
      }
      exp_sums r = chunk_ops_portable::sums_tempered<true, Safe, Entropy>(p + v, n - v, m, inv_t);
      r.s += hsum(sd);
      if constexpr (Entropy) r.t += hsum(td);
      r.st += hsum(_mm256_add_pd(q0, q1));
      return r;
    } else {
      const __m256 mf = _mm256_set1_ps(static_cast<float>(m)), itf = _mm256_set1_ps(static_cast<float>(inv_t));
      __m256 s0 = _mm256_setzero_ps(), t0 = s0, b0 = s0, b1 = s0;
      __m256d wd = _mm256_setzero_pd();  // tempered weights: float lanes of <= 4 terms, then double
      index_t v = 0;
      while (v + 16 <= n) {
        __m256 w0 = _mm256_setzero_ps(), w1 = w0;
        for (int k = 0; k < 4 && v + 16 <= n; ++k, v += 16) {
          prefetch_ahead(p + n + v);
          __m256 d0 = _mm256_sub_ps(load8(p + v), mf), d1 = _mm256_sub_ps(load8(p + v + 8), mf);
          __m256 u0 = _mm256_mul_ps(d0, itf), u1 = _mm256_mul_ps(d1, itf);
          const __m256 e0 = exp_ps_checked<Safe>(d0), e1 = exp_ps_checked<Safe>(d1);
          s0 = _mm256_add_ps(s0, _mm256_add_ps(e0, e1));
          if constexpr (Entropy) t0 = _mm256_fmadd_ps(e0, d0, _mm256_fmadd_ps(e1, d1, t0));
          const __m256 x0 = exp_ps_checked<Safe>(u0), x1 = exp_ps_checked<Safe>(u1);
          w0 = _mm256_add_ps(w0, x0);
          w1 = _mm256_add_ps(w1, x1);
          b0 = _mm256_fnmadd_ps(x0, u0, b0);
          b1 = _mm256_fnmadd_ps(x1, u1, b1);
        }
        wd = _mm256_add_pd(wd, _mm256_add_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(w0)),
                                             _mm256_cvtps_pd(_mm256_castps256_ps128(w1))));
        wd = _mm256_add_pd(wd, _mm256_add_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(w0, 1)),
                                             _mm256_cvtps_pd(_mm256_extractf128_ps(w1, 1))));
      }
      exp_sums r = chunk_ops_portable::sums_tempered<false, Safe, Entropy>(p + v, n - v, m, inv_t);
      r.s += hsum(s0);
      if constexpr (Entropy) r.t += hsum(t0);
      r.st += hsum(wd);
      r.sb += hsum(b0) + hsum(b1);
      return r;
    }
  }

  template <class T>
  [[nodiscard]] UNMASK_AVX2_FN static double sum_tempered(const T* p, index_t n, double m, double inv_t) noexcept {
    using namespace avx2;
    const __m256d mv = _mm256_set1_pd(m), it = _mm256_set1_pd(inv_t);
    __m256d q0 = _mm256_setzero_pd(), q1 = q0;
    index_t v = 0;
    for (; v + 8 <= n; v += 8) {
      prefetch_ahead(p + n + v);  // the same 8-wide split as exps_tempered
      const __m256 x = load8(p + v);
      __m256d k0, k1;
      const __m256d u0 = clamp_pd(_mm256_mul_pd(_mm256_sub_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(x)), mv), it), k0);
      const __m256d u1 =
          clamp_pd(_mm256_mul_pd(_mm256_sub_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(x, 1)), mv), it), k1);
      q0 = _mm256_add_pd(q0, exp_pd(u0, k0));
      q1 = _mm256_add_pd(q1, exp_pd(u1, k1));
    }
    return hsum(_mm256_add_pd(q0, q1)) + chunk_ops_portable::sum_tempered(p + v, n - v, m, inv_t);
  }

  template <class T>
  UNMASK_AVX2_FN static void exps_tempered(const T* p, index_t n, double m, double inv_t, double* out) noexcept {
    using namespace avx2;
    const __m256d mv = _mm256_set1_pd(m), it = _mm256_set1_pd(inv_t);
    index_t v = 0;
    for (; v + 8 <= n; v += 8) {  // the same 8-wide split as sums_tempered
      const __m256 x = load8(p + v);
      __m256d k0, k1;
      const __m256d u0 = clamp_pd(_mm256_mul_pd(_mm256_sub_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(x)), mv), it), k0);
      const __m256d u1 =
          clamp_pd(_mm256_mul_pd(_mm256_sub_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(x, 1)), mv), it), k1);
      _mm256_storeu_pd(out + v, exp_pd(u0, k0));
      _mm256_storeu_pd(out + v + 4, exp_pd(u1, k1));
    }
    chunk_ops_portable::exps_tempered(p + v, n - v, m, inv_t, out + v);
  }
};

}  // namespace detail
UNMASK_NAMESPACE_END

#endif  // UNMASK_X86_SIMD
