// unmask: the chunk primitives of the one-pass kernels with AVX-512F intrinsics.
// Compiled by target attribute (no -march needed); called only when the CPU has AVX-512F.
#pragma once

#include <unmask/kernels/detail/chunk_ops_portable.hpp>
#include <unmask/kernels/detail/exp_constants.hpp>
#include <unmask/kernels/simd_level.hpp>

#if UNMASK_X86_SIMD
#include <immintrin.h>

#include <cstdint>
#include <limits>

#define UNMASK_AVX512_FN __attribute__((target("avx512f,avx2,fma,f16c")))
#define UNMASK_AVX512_INLINE __attribute__((target("avx512f,avx2,fma,f16c"), always_inline)) inline

UNMASK_NAMESPACE_BEGIN
namespace detail::avx512 {

// GCC 12 warns (-Wmaybe-uninitialized, bug 105593) on intrinsics built on
// _mm512_undefined_*; the all-lanes masked forms below are the same instructions.
UNMASK_AVX512_INLINE __m512 max_ps(__m512 a, __m512 b) { return _mm512_mask_max_ps(b, 0xffff, a, b); }
UNMASK_AVX512_INLINE __m512d max_pd(__m512d a, __m512d b) { return _mm512_mask_max_pd(b, 0xff, a, b); }
UNMASK_AVX512_INLINE __m512d cvt_pd(__m256 a) { return _mm512_mask_cvtps_pd(_mm512_setzero_pd(), 0xff, a); }
UNMASK_AVX512_INLINE __m512i slli48(__m512i a) { return _mm512_mask_slli_epi64(a, 0xff, a, 48); }

UNMASK_AVX512_INLINE __m512 load16(const float* p) { return _mm512_loadu_ps(p); }
UNMASK_AVX512_INLINE __m512 load16(const bfloat16* p) {
  const __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
}
UNMASK_AVX512_INLINE __m512 load16(const float16* p) {
  return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
}
UNMASK_AVX512_INLINE __m256 load8(const float* p) { return _mm256_loadu_ps(p); }
UNMASK_AVX512_INLINE __m256 load8(const bfloat16* p) {
  const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
}
UNMASK_AVX512_INLINE __m256 load8(const float16* p) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

// exp(d) for d = max(cut, raw d) (NaN kept), zeroed where raw d < cut.
UNMASK_AVX512_INLINE __m512 exp_ps(__m512 d, __mmask16 keep) {
  using namespace expc;
  const __m512 magic = _mm512_set1_ps(magic_f);
  const __m512 kf = _mm512_fmadd_ps(d, _mm512_set1_ps(log2e_f), magic);
  const __m512 nf = _mm512_sub_ps(kf, magic);
  __m512 r = _mm512_fnmadd_ps(nf, _mm512_set1_ps(ln2_hi_f), d);
  r = _mm512_fnmadd_ps(nf, _mm512_set1_ps(ln2_lo_f), r);
  __m512 p = _mm512_fmadd_ps(_mm512_set1_ps(g4), r, _mm512_set1_ps(g3));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(g2));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(g1));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(g0));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
  return _mm512_maskz_scalef_ps(keep, p, nf);
}

UNMASK_AVX512_INLINE __m512d exp_pd(__m512d d, __mmask8 keep) {
  using namespace expc;
  const __m512d magic = _mm512_set1_pd(magic_d);
  const __m512d kd = _mm512_fmadd_pd(d, _mm512_set1_pd(inv_ln2_16), magic);
  const __m512d nf = _mm512_sub_pd(kd, magic);
  __m512d r = _mm512_fnmadd_pd(nf, _mm512_set1_pd(ln2_16_hi), d);
  r = _mm512_fnmadd_pd(nf, _mm512_set1_pd(ln2_16_lo), r);
  const __m512i kbits = _mm512_castpd_si512(kd);
  const __m512d tab = _mm512_permutex2var_pd(_mm512_load_pd(exp2_j16), kbits, _mm512_load_pd(exp2_j16 + 8));
  __m512d h = _mm512_fmadd_pd(_mm512_set1_pd(inv_fact[7]), r, _mm512_set1_pd(inv_fact[6]));
  h = _mm512_fmadd_pd(h, r, _mm512_set1_pd(inv_fact[5]));
  h = _mm512_fmadd_pd(h, r, _mm512_set1_pd(inv_fact[4]));
  h = _mm512_fmadd_pd(h, r, _mm512_set1_pd(inv_fact[3]));
  h = _mm512_fmadd_pd(h, r, _mm512_set1_pd(inv_fact[2]));
  const __m512d q = _mm512_fmadd_pd(_mm512_mul_pd(r, r), h, r);
  const __m512d e = _mm512_fmadd_pd(tab, q, tab);
  // 2^(n >> 4): n sits in the low bits of kd; (bits << 48) & ~(15 << 48) = (n >> 4) << 52.
  const __m512i scale = _mm512_and_si512(slli48(kbits), _mm512_set1_epi64(INT64_C(-4503599627370496)));
  return _mm512_castsi512_pd(_mm512_maskz_add_epi64(keep, _mm512_castpd_si512(e), scale));
}

// d - clamped and the keep mask (d >= cut or NaN).
UNMASK_AVX512_INLINE __m512 clamp_ps(__m512 d, __mmask16& keep) {
  const __m512 cut = _mm512_set1_ps(exp_cut_f32);
  keep = _mm512_cmp_ps_mask(d, cut, _CMP_NLT_UQ);
  return max_ps(cut, d);  // a NaN d is returned (second operand)
}
UNMASK_AVX512_INLINE __m512d clamp_pd(__m512d d, __mmask8& keep) {
  const __m512d cut = _mm512_set1_pd(exp_cut_f64);
  keep = _mm512_cmp_pd_mask(d, cut, _CMP_NLT_UQ);
  return max_pd(cut, d);
}

// Horizontal reductions through memory, in lane order (per chunk, so cheap), in double.
UNMASK_AVX512_INLINE double hsum(__m512 a) {
  alignas(64) float l[16];
  _mm512_store_ps(l, a);
  double s = 0;
  for (float x : l) s += static_cast<double>(x);
  return s;
}
UNMASK_AVX512_INLINE double hsum(__m512d a) {
  alignas(64) double l[8];
  _mm512_store_pd(l, a);
  double s = 0;
  for (double x : l) s += x;
  return s;
}
UNMASK_AVX512_INLINE float hmax(__m512 a) {
  alignas(64) float l[16];
  _mm512_store_ps(l, a);
  float m = l[0];
  for (float x : l) m = x > m ? x : m;
  return m;
}

}  // namespace detail::avx512

namespace detail {

/// AVX-512F chunk primitives (contract: chunk_ops_portable).
struct chunk_ops_avx512 {
  template <class T>
  [[nodiscard]] UNMASK_AVX512_FN static float max(const T* p, index_t n) noexcept {
    using namespace avx512;
    const __m512 ninf = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
    __m512 a0 = ninf, a1 = ninf, a2 = ninf, a3 = ninf;
    __mmask16 nan = 0;
    index_t v = 0;
    for (; v + 64 <= n; v += 64) {
      const __m512 x0 = load16(p + v), x1 = load16(p + v + 16), x2 = load16(p + v + 32), x3 = load16(p + v + 48);
      a0 = max_ps(x0, a0);  // a NaN entry loses (second operand returned) and is flagged
      a1 = max_ps(x1, a1);
      a2 = max_ps(x2, a2);
      a3 = max_ps(x3, a3);
      nan |= _mm512_cmp_ps_mask(x0, x1, _CMP_UNORD_Q) | _mm512_cmp_ps_mask(x2, x3, _CMP_UNORD_Q);
    }
    for (; v + 16 <= n; v += 16) {
      const __m512 x = load16(p + v);
      a0 = max_ps(x, a0);
      nan |= _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q);
    }
    const float m = hmax(max_ps(max_ps(a0, a1), max_ps(a2, a3)));
    const float t = chunk_ops_portable::max(p + v, n - v);
    if (nan != 0 || t != t) return std::numeric_limits<float>::quiet_NaN();
    return t > m ? t : m;
  }

  template <class T>
  UNMASK_AVX512_FN static void top2(const T* p, index_t n, index_t base, top2_state& g) noexcept {
    using namespace avx512;
    const __m512 ninf = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
    __m512 m1 = ninf, m2 = ninf;
    __m512i i1 = _mm512_set1_epi32(-1), i2 = i1;
    __m512i idx = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m512i step = _mm512_set1_epi32(16);
    index_t v = 0;
    for (; v + 16 <= n; v += 16) {
      const __m512 x = load16(p + v);
      const __mmask16 gt1 = _mm512_cmp_ps_mask(x, m1, _CMP_GT_OQ);
      const __mmask16 gt2 = _mm512_cmp_ps_mask(x, m2, _CMP_GT_OQ);
      m2 = _mm512_mask_blend_ps(gt1, _mm512_mask_blend_ps(gt2, m2, x), m1);
      i2 = _mm512_mask_blend_epi32(gt1, _mm512_mask_blend_epi32(gt2, i2, idx), i1);
      m1 = _mm512_mask_blend_ps(gt1, m1, x);
      i1 = _mm512_mask_blend_epi32(gt1, i1, idx);
      idx = _mm512_add_epi32(idx, step);
    }
    alignas(64) float f1[16], f2[16];
    alignas(64) std::int32_t j1[16], j2[16];
    _mm512_store_ps(f1, m1);
    _mm512_store_ps(f2, m2);
    _mm512_store_si512(j1, i1);
    _mm512_store_si512(j2, i2);
    for (int l = 0; l < 16; ++l) {
      if (j1[l] >= 0) g.offer(f1[l], base + j1[l]);
      if (j2[l] >= 0) g.offer(f2[l], base + j2[l]);
    }
    chunk_ops_portable::top2(p + v, n - v, base + v, g);
  }

  template <class T>
  [[nodiscard]] UNMASK_AVX512_FN static index_t find_greater(const T* p, index_t n, float thr) noexcept {
    using namespace avx512;
    const __m512 tv = _mm512_set1_ps(thr);
    index_t v = 0;
    for (; v + 64 <= n; v += 64) {
      const __mmask16 k0 = _mm512_cmp_ps_mask(load16(p + v), tv, _CMP_GT_OQ);
      const __mmask16 k1 = _mm512_cmp_ps_mask(load16(p + v + 16), tv, _CMP_GT_OQ);
      const __mmask16 k2 = _mm512_cmp_ps_mask(load16(p + v + 32), tv, _CMP_GT_OQ);
      const __mmask16 k3 = _mm512_cmp_ps_mask(load16(p + v + 48), tv, _CMP_GT_OQ);
      if ((k0 | k1 | k2 | k3) != 0) break;
    }
    for (; v + 16 <= n; v += 16) {
      const unsigned k = _mm512_cmp_ps_mask(load16(p + v), tv, _CMP_GT_OQ);
      if (k != 0) return v + __builtin_ctz(k);
    }
    return v + chunk_ops_portable::find_greater(p + v, n - v, thr);
  }

  template <class T>
  [[nodiscard]] UNMASK_AVX512_FN static exp_sums sums_f32(const T* p, index_t n, float m) noexcept {
    using namespace avx512;
    const __m512 mv = _mm512_set1_ps(m);
    __m512 s0 = _mm512_setzero_ps(), s1 = s0, t0 = s0, t1 = s0;
    index_t v = 0;
    for (; v + 32 <= n; v += 32) {
      __mmask16 k0, k1;
      const __m512 d0 = clamp_ps(_mm512_sub_ps(load16(p + v), mv), k0);
      const __m512 d1 = clamp_ps(_mm512_sub_ps(load16(p + v + 16), mv), k1);
      const __m512 e0 = exp_ps(d0, k0), e1 = exp_ps(d1, k1);
      s0 = _mm512_add_ps(s0, e0);
      s1 = _mm512_add_ps(s1, e1);
      t0 = _mm512_fmadd_ps(e0, d0, t0);
      t1 = _mm512_fmadd_ps(e1, d1, t1);
    }
    for (; v + 16 <= n; v += 16) {
      __mmask16 k0;
      const __m512 d0 = clamp_ps(_mm512_sub_ps(load16(p + v), mv), k0);
      const __m512 e0 = exp_ps(d0, k0);
      s0 = _mm512_add_ps(s0, e0);
      t0 = _mm512_fmadd_ps(e0, d0, t0);
    }
    exp_sums r = chunk_ops_portable::sums_f32(p + v, n - v, m);
    r.s += hsum(_mm512_add_ps(s0, s1));
    r.t += hsum(_mm512_add_ps(t0, t1));
    return r;
  }

  template <class T>
  [[nodiscard]] UNMASK_AVX512_FN static exp_sums sums_f64(const T* p, index_t n, double m) noexcept {
    using namespace avx512;
    const __m512d mv = _mm512_set1_pd(m);
    __m512d s0 = _mm512_setzero_pd(), s1 = s0, t0 = s0, t1 = s0;
    index_t v = 0;
    for (; v + 16 <= n; v += 16) {
      __mmask8 k0, k1;
      const __m512d d0 = clamp_pd(_mm512_sub_pd(cvt_pd(load8(p + v)), mv), k0);
      const __m512d d1 = clamp_pd(_mm512_sub_pd(cvt_pd(load8(p + v + 8)), mv), k1);
      const __m512d e0 = exp_pd(d0, k0), e1 = exp_pd(d1, k1);
      s0 = _mm512_add_pd(s0, e0);
      s1 = _mm512_add_pd(s1, e1);
      t0 = _mm512_fmadd_pd(e0, d0, t0);
      t1 = _mm512_fmadd_pd(e1, d1, t1);
    }
    exp_sums r = chunk_ops_portable::sums_f64(p + v, n - v, m);
    r.s += hsum(_mm512_add_pd(s0, s1));
    r.t += hsum(_mm512_add_pd(t0, t1));
    r.st = r.s;
    return r;
  }

  template <bool StatsF64, class T>
  [[nodiscard]] UNMASK_AVX512_FN static exp_sums sums_tempered(const T* p, index_t n, double m,
                                                               double inv_t) noexcept {
    using namespace avx512;
    const __m512d mv = _mm512_set1_pd(m), it = _mm512_set1_pd(inv_t);
    const __m512 mf = _mm512_set1_ps(static_cast<float>(m));
    __m512d sd = _mm512_setzero_pd(), td = sd, q0 = sd, q1 = sd;
    __m512 sf = _mm512_setzero_ps(), tf = sf;
    index_t v = 0;
    for (; v + 16 <= n; v += 16) {
      const __m512 x = load16(p + v);
      const __m512d x0 = cvt_pd(load8(p + v)), x1 = cvt_pd(load8(p + v + 8));  // L1 hits
      const __m512d r0 = _mm512_sub_pd(x0, mv), r1 = _mm512_sub_pd(x1, mv);
      __mmask8 k0, k1;
      const __m512d u0 = clamp_pd(_mm512_mul_pd(r0, it), k0);
      const __m512d u1 = clamp_pd(_mm512_mul_pd(r1, it), k1);
      q0 = _mm512_add_pd(q0, exp_pd(u0, k0));
      q1 = _mm512_add_pd(q1, exp_pd(u1, k1));
      if constexpr (StatsF64) {
        __mmask8 j0, j1;
        const __m512d d0 = clamp_pd(r0, j0), d1 = clamp_pd(r1, j1);
        const __m512d e0 = exp_pd(d0, j0), e1 = exp_pd(d1, j1);
        sd = _mm512_add_pd(sd, _mm512_add_pd(e0, e1));
        td = _mm512_fmadd_pd(e0, d0, _mm512_fmadd_pd(e1, d1, td));
      } else {
        __mmask16 j;
        const __m512 d = clamp_ps(_mm512_sub_ps(x, mf), j);
        const __m512 e = exp_ps(d, j);
        sf = _mm512_add_ps(sf, e);
        tf = _mm512_fmadd_ps(e, d, tf);
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
    r.st += hsum(_mm512_add_pd(q0, q1));
    return r;
  }

  template <class T>
  UNMASK_AVX512_FN static void exps_tempered(const T* p, index_t n, double m, double inv_t, double* out) noexcept {
    using namespace avx512;
    const __m512d mv = _mm512_set1_pd(m), it = _mm512_set1_pd(inv_t);
    index_t v = 0;
    for (; v + 16 <= n; v += 16) {  // the same 16-wide split as sums_tempered
      __mmask8 k0, k1;
      const __m512d u0 = clamp_pd(_mm512_mul_pd(_mm512_sub_pd(cvt_pd(load8(p + v)), mv), it), k0);
      const __m512d u1 = clamp_pd(_mm512_mul_pd(_mm512_sub_pd(cvt_pd(load8(p + v + 8)), mv), it), k1);
      _mm512_storeu_pd(out + v, exp_pd(u0, k0));
      _mm512_storeu_pd(out + v + 8, exp_pd(u1, k1));
    }
    chunk_ops_portable::exps_tempered(p + v, n - v, m, inv_t, out + v);
  }
};

}  // namespace detail
UNMASK_NAMESPACE_END

#endif  // UNMASK_X86_SIMD
