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
  __m256 p = _mm256_fmadd_ps(_mm256_set1_ps(g4), r, _mm256_set1_ps(g3));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(g2));
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
  const __m256d kd = _mm256_fmadd_pd(d, _mm256_set1_pd(inv_ln2), magic);
  const __m256d nf = _mm256_sub_pd(kd, magic);
  __m256d r = _mm256_fnmadd_pd(nf, _mm256_set1_pd(ln2_hi), d);
  r = _mm256_fnmadd_pd(nf, _mm256_set1_pd(ln2_lo), r);
  __m256d p = _mm256_fmadd_pd(_mm256_set1_pd(inv_fact[12]), r, _mm256_set1_pd(inv_fact[11]));
  for (int k = 10; k >= 0; --k) p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(inv_fact[k]));
  const __m256i e = _mm256_add_epi64(_mm256_castpd_si256(p), _mm256_slli_epi64(_mm256_castpd_si256(kd), 52));
  return _mm256_and_pd(_mm256_castsi256_pd(e), keep);
}

UNMASK_AVX2_INLINE double hsum(__m256 a) {
  const __m256d s = _mm256_add_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(a)), _mm256_cvtps_pd(_mm256_extractf128_ps(a, 1)));
  const __m128d h = _mm_add_pd(_mm256_castpd256_pd128(s), _mm256_extractf128_pd(s, 1));
  return _mm_cvtsd_f64(_mm_add_sd(h, _mm_unpackhi_pd(h, h)));
}
UNMASK_AVX2_INLINE double hsum(__m256d s) {
  const __m128d h = _mm_add_pd(_mm256_castpd256_pd128(s), _mm256_extractf128_pd(s, 1));
  return _mm_cvtsd_f64(_mm_add_sd(h, _mm_unpackhi_pd(h, h)));
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
  template <class T>
  [[nodiscard]] UNMASK_AVX2_FN static float max(const T* p, index_t n) noexcept {
    using namespace avx2;
    const __m256 ninf = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
    __m256 a0 = ninf, a1 = ninf, a2 = ninf, a3 = ninf, nan = _mm256_setzero_ps();
    index_t v = 0;
    for (; v + 32 <= n; v += 32) {
      const __m256 x0 = load8(p + v), x1 = load8(p + v + 8), x2 = load8(p + v + 16), x3 = load8(p + v + 24);
      a0 = _mm256_max_ps(x0, a0);  // a NaN entry loses (second operand returned) and is flagged
      a1 = _mm256_max_ps(x1, a1);
      a2 = _mm256_max_ps(x2, a2);
      a3 = _mm256_max_ps(x3, a3);
      nan = _mm256_or_ps(nan, _mm256_or_ps(_mm256_cmp_ps(x0, x1, _CMP_UNORD_Q), _mm256_cmp_ps(x2, x3, _CMP_UNORD_Q)));
    }
    for (; v + 8 <= n; v += 8) {
      const __m256 x = load8(p + v);
      a0 = _mm256_max_ps(x, a0);
      nan = _mm256_or_ps(nan, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
    }
    const float m = hmax(_mm256_max_ps(_mm256_max_ps(a0, a1), _mm256_max_ps(a2, a3)));
    const float t = chunk_ops_portable::max(p + v, n - v);
    if (_mm256_movemask_ps(nan) != 0 || t != t) return std::numeric_limits<float>::quiet_NaN();
    return t > m ? t : m;
  }

  template <class T>
  UNMASK_AVX2_FN static void top2(const T* p, index_t n, index_t base, top2_state& g) noexcept {
    using namespace avx2;
    const __m256 ninf = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
    __m256 m1 = ninf, m2 = ninf;
    __m256 i1 = _mm256_castsi256_ps(_mm256_set1_epi32(-1)), i2 = i1;  // indices as float bit patterns
    __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256i step = _mm256_set1_epi32(8);
    index_t v = 0;
    for (; v + 8 <= n; v += 8) {
      const __m256 x = load8(p + v);
      const __m256 fi = _mm256_castsi256_ps(idx);
      const __m256 gt1 = _mm256_cmp_ps(x, m1, _CMP_GT_OQ);
      const __m256 gt2 = _mm256_cmp_ps(x, m2, _CMP_GT_OQ);
      m2 = _mm256_blendv_ps(_mm256_blendv_ps(m2, x, gt2), m1, gt1);
      i2 = _mm256_blendv_ps(_mm256_blendv_ps(i2, fi, gt2), i1, gt1);
      m1 = _mm256_blendv_ps(m1, x, gt1);
      i1 = _mm256_blendv_ps(i1, fi, gt1);
      idx = _mm256_add_epi32(idx, step);
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

  template <class T>
  [[nodiscard]] UNMASK_AVX2_FN static exp_sums sums_f32(const T* p, index_t n, float m) noexcept {
    using namespace avx2;
    const __m256 mv = _mm256_set1_ps(m);
    __m256 s0 = _mm256_setzero_ps(), s1 = s0, t0 = s0, t1 = s0;
    index_t v = 0;
    for (; v + 16 <= n; v += 16) {
      __m256 k0, k1;
      const __m256 d0 = clamp_ps(_mm256_sub_ps(load8(p + v), mv), k0);
      const __m256 d1 = clamp_ps(_mm256_sub_ps(load8(p + v + 8), mv), k1);
      const __m256 e0 = exp_ps(d0, k0), e1 = exp_ps(d1, k1);
      s0 = _mm256_add_ps(s0, e0);
      s1 = _mm256_add_ps(s1, e1);
      t0 = _mm256_fmadd_ps(e0, d0, t0);
      t1 = _mm256_fmadd_ps(e1, d1, t1);
    }
    exp_sums r = chunk_ops_portable::sums_f32(p + v, n - v, m);
    r.s += hsum(s0) + hsum(s1);
    r.t += hsum(t0) + hsum(t1);
    return r;
  }

  template <class T>
  [[nodiscard]] UNMASK_AVX2_FN static exp_sums sums_f64(const T* p, index_t n, double m) noexcept {
    using namespace avx2;
    const __m256d mv = _mm256_set1_pd(m);
    __m256d s0 = _mm256_setzero_pd(), s1 = s0, t0 = s0, t1 = s0;
    index_t v = 0;
    for (; v + 8 <= n; v += 8) {
      const __m256 x = load8(p + v);
      __m256d k0, k1;
      const __m256d d0 = clamp_pd(_mm256_sub_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(x)), mv), k0);
      const __m256d d1 = clamp_pd(_mm256_sub_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(x, 1)), mv), k1);
      const __m256d e0 = exp_pd(d0, k0), e1 = exp_pd(d1, k1);
      s0 = _mm256_add_pd(s0, e0);
      s1 = _mm256_add_pd(s1, e1);
      t0 = _mm256_fmadd_pd(e0, d0, t0);
      t1 = _mm256_fmadd_pd(e1, d1, t1);
    }
    exp_sums r = chunk_ops_portable::sums_f64(p + v, n - v, m);
    r.s += hsum(_mm256_add_pd(s0, s1));
    r.t += hsum(_mm256_add_pd(t0, t1));
    r.st = r.s;
    return r;
  }

  template <bool StatsF64, class T>
  [[nodiscard]] UNMASK_AVX2_FN static exp_sums sums_tempered(const T* p, index_t n, double m,
                                                             double inv_t) noexcept {
    using namespace avx2;
    const __m256d mv = _mm256_set1_pd(m), it = _mm256_set1_pd(inv_t);
    const __m256 mf = _mm256_set1_ps(static_cast<float>(m));
    __m256d sd = _mm256_setzero_pd(), td = sd, q0 = sd, q1 = sd;
    __m256 sf = _mm256_setzero_ps(), tf = sf;
    index_t v = 0;
    for (; v + 8 <= n; v += 8) {
      const __m256 x = load8(p + v);
      const __m256d r0 = _mm256_sub_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(x)), mv);
      const __m256d r1 = _mm256_sub_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(x, 1)), mv);
      __m256d k0, k1;
      const __m256d u0 = clamp_pd(_mm256_mul_pd(r0, it), k0);
      const __m256d u1 = clamp_pd(_mm256_mul_pd(r1, it), k1);
      q0 = _mm256_add_pd(q0, exp_pd(u0, k0));
      q1 = _mm256_add_pd(q1, exp_pd(u1, k1));
      if constexpr (StatsF64) {
        __m256d j0, j1;
        const __m256d d0 = clamp_pd(r0, j0), d1 = clamp_pd(r1, j1);
        const __m256d e0 = exp_pd(d0, j0), e1 = exp_pd(d1, j1);
        sd = _mm256_add_pd(sd, _mm256_add_pd(e0, e1));
        td = _mm256_fmadd_pd(e0, d0, _mm256_fmadd_pd(e1, d1, td));
      } else {
        __m256 j;
        const __m256 d = clamp_ps(_mm256_sub_ps(x, mf), j);
        const __m256 e = exp_ps(d, j);
        sf = _mm256_add_ps(sf, e);
        tf = _mm256_fmadd_ps(e, d, tf);
      }
    }
    exp_sums r = chunk_ops_portable::sums_tempered<StatsF64>(p + v, n - v, m, inv_t);
    if constexpr (StatsF64) {
      r.s += hsum(sd);
      r.t += hsum(td);
    } else {
      r.s += hsum(sf);
      r.t += hsum(tf);
    }
    r.st += hsum(_mm256_add_pd(q0, q1));
    return r;
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
      const __m256d u1 = clamp_pd(_mm256_mul_pd(_mm256_sub_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(x, 1)), mv), it), k1);
      _mm256_storeu_pd(out + v, exp_pd(u0, k0));
      _mm256_storeu_pd(out + v + 4, exp_pd(u1, k1));
    }
    chunk_ops_portable::exps_tempered(p + v, n - v, m, inv_t, out + v);
  }
};

}  // namespace detail
UNMASK_NAMESPACE_END

#endif  // UNMASK_X86_SIMD
