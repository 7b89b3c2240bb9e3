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
UNMASK_AVX512_INLINE __m512 min_ps(__m512 a, __m512 b) { return _mm512_mask_min_ps(b, 0xffff, a, b); }
UNMASK_AVX512_INLINE __m512d max_pd(__m512d a, __m512d b) { return _mm512_mask_max_pd(b, 0xff, a, b); }
UNMASK_AVX512_INLINE __m512d cvt_pd(__m256 a) { return _mm512_mask_cvtps_pd(_mm512_setzero_pd(), 0xff, a); }
UNMASK_AVX512_INLINE __m256 lower8(__m512 a) {
  return _mm256_castpd_ps(_mm512_mask_extractf64x4_pd(_mm256_setzero_pd(), 0xf, _mm512_castps_pd(a), 0));
}
UNMASK_AVX512_INLINE __m256 upper8(__m512 a) {
  return _mm256_castpd_ps(_mm512_mask_extractf64x4_pd(_mm256_setzero_pd(), 0xf, _mm512_castps_pd(a), 1));
}
UNMASK_AVX512_INLINE __m512i slli48(__m512i a) { return _mm512_maskz_slli_epi64(0xff, a, 48); }

// Pulls the bytes that follow the chunk (the next chunk, or the next row) toward L1
// while the exponentials run, so memory and arithmetic overlap.
template <class T>
UNMASK_AVX512_INLINE void prefetch_ahead(const T* p) {
  _mm_prefetch(reinterpret_cast<const char*>(p), _MM_HINT_T0);
}

UNMASK_AVX512_INLINE __m512 load16(const float* p) { return _mm512_loadu_ps(p); }
UNMASK_AVX512_INLINE __m512 load16(const bfloat16* p) {
  const __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  return _mm512_castsi512_ps(_mm512_maskz_slli_epi32(0xffff, _mm512_maskz_cvtepu16_epi32(0xffff, h), 16));
}
UNMASK_AVX512_INLINE __m512 load16(const float16* p) {
  return _mm512_maskz_cvtph_ps(0xffff, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
}
UNMASK_AVX512_INLINE __m256 load8(const float* p) { return _mm256_loadu_ps(p); }
UNMASK_AVX512_INLINE __m256 load8(const bfloat16* p) {
  const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
}
UNMASK_AVX512_INLINE __m256 load8(const float16* p) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

// 2^(n/32) (1 + r (a1 + a2 r)) for n = round(d l), r = d - n c (zeroed where keep is
// off): exp(d) with (l, c, a1, a2) = (32 log2 e, ln2/32, c1, c2); exp(d / T) with l
// scaled by 1/T, c by T, a1 by 1/T and a2 by 1/T^2 (exp(it r) = 1 + it r c1 + ...).
UNMASK_AVX512_INLINE __m512 exp_ps_scaled(__m512 d, __mmask16 keep, __m512 l, __m512 c, __m512 a1, __m512 a2) {
  const __m512 magic = _mm512_set1_ps(expc::magic_f);
  const __m512 kf = _mm512_fmadd_ps(d, l, magic);
  const __m512 r = _mm512_fnmadd_ps(_mm512_sub_ps(kf, magic), c, d);
  const __m512i kbits = _mm512_castps_si512(kf);
  // 2^(n/32) by n's low 5 bits; n sits in the low bits of kf, and n << 18 added to the
  // adjusted entry's bits scales it by 2^(n >> 5).
  const __m512i tj = _mm512_permutex2var_epi32(_mm512_load_si512(expc::exp2_j32_f_adj.data()), kbits,
                                               _mm512_load_si512(expc::exp2_j32_f_adj.data() + 16));
  const __m512 tab = _mm512_castsi512_ps(_mm512_add_epi32(tj, _mm512_maskz_slli_epi32(0xffff, kbits, 18)));
  const __m512 q = _mm512_mul_ps(_mm512_fmadd_ps(a2, r, a1), r);
  return _mm512_maskz_fmadd_ps(keep, tab, q, tab);
}

// exp_ps_scaled's constants for exp(d / T), and dcut: d / T is above the exp cut-off
// when d >= dcut (cut T nudged toward 0, so the kept arguments stay in range).
struct scaled_exp {
  float l, c, a1, a2, dcut;
};
inline scaled_exp scaled_exp_for(double inv_t) noexcept {
  using namespace expc;
  return {static_cast<float>(static_cast<double>(log2e32_f) * inv_t), static_cast<float>(ln2_32_d / inv_t),
          static_cast<float>(static_cast<double>(c1_32) * inv_t),
          static_cast<float>(static_cast<double>(c2_32) * inv_t * inv_t),
          static_cast<float>(exp_cut_f32 / inv_t * (1 - 0x1.0p-20))};
}

// exp(d) for d = max(cut, raw d) (NaN kept), zeroed where raw d < cut.
UNMASK_AVX512_INLINE __m512 exp_ps(__m512 d, __mmask16 keep) {
  using namespace expc;
  return exp_ps_scaled(d, keep, _mm512_set1_ps(log2e32_f), _mm512_set1_ps(ln2_32_f), _mm512_set1_ps(c1_32),
                       _mm512_set1_ps(c2_32));
}

UNMASK_AVX512_INLINE __m512d exp_pd(__m512d d, __mmask8 keep) {
  using namespace expc;
  const __m512d magic = _mm512_set1_pd(magic_d);
  const __m512d kd = _mm512_fmadd_pd(d, _mm512_set1_pd(inv_ln2_16), magic);
  const __m512d nf = _mm512_sub_pd(kd, magic);
  const __m512d r = _mm512_fnmadd_pd(nf, _mm512_set1_pd(ln2_16), d);
  const __m512i kbits = _mm512_castpd_si512(kd);
  // As exp_ps, with n << 48.
  const __m512i tj = _mm512_permutex2var_epi64(_mm512_load_si512(exp2_j16_adj.data()), kbits,
                                               _mm512_load_si512(exp2_j16_adj.data() + 8));
  const __m512d tab = _mm512_castsi512_pd(_mm512_add_epi64(tj, slli48(kbits)));
  __m512d h = _mm512_fmadd_pd(_mm512_set1_pd(h3), r, _mm512_set1_pd(h2));
  h = _mm512_fmadd_pd(h, r, _mm512_set1_pd(h1));
  h = _mm512_fmadd_pd(h, r, _mm512_set1_pd(h0));
  h = _mm512_fmadd_pd(h, r, _mm512_set1_pd(0.5));
  const __m512d q = _mm512_fmadd_pd(_mm512_mul_pd(r, r), h, r);
  return _mm512_maskz_fmadd_pd(keep, tab, q, tab);
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

// exp of d with the clamp unless Safe (every d known >= the cut-off); d becomes the
// argument used, for the entropy term.
template <bool Safe>
UNMASK_AVX512_INLINE __m512 exp_ps_checked(__m512& d) {
  if constexpr (Safe) {
    return exp_ps(d, 0xffff);
  } else {
    __mmask16 k;
    d = clamp_ps(d, k);
    return exp_ps(d, k);
  }
}
template <bool Safe>
UNMASK_AVX512_INLINE __m512d exp_pd_checked(__m512d& d) {
  if constexpr (Safe) {
    return exp_pd(d, 0xff);
  } else {
    __mmask8 k;
    d = clamp_pd(d, k);
    return exp_pd(d, k);
  }
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
UNMASK_AVX512_INLINE float hmin(__m512 a) {
  alignas(64) float l[16];
  _mm512_store_ps(l, a);
  float m = l[0];
  for (float x : l) m = x < m ? x : m;
  return m;
}
UNMASK_AVX512_INLINE float hmax(__m512 a) {
  alignas(64) float l[16];
  _mm512_store_ps(l, a);
  float m = l[0];
  for (float x : l) m = x > m ? x : m;
  return m;
}

// The range of a ranged sums pass: max / min lanes over its vectors, merged with the
// range of the entries after them. A NaN is lost by the lanes (max_ps keeps the lane)
// but not by the pass: it makes the sums NaN, which the caller checks.
UNMASK_AVX512_INLINE void range_add(__m512& hi, __m512& lo, __m512 x0, __m512 x1) {
  hi = max_ps(x0, max_ps(x1, hi));
  lo = min_ps(x0, min_ps(x1, lo));
}
UNMASK_AVX512_INLINE chunk_range range_finish(__m512 hi, __m512 lo, chunk_range tail) {
  const float h = hmax(hi), l = hmin(lo);
  if (tail.max == tail.max) tail.max = h > tail.max ? h : tail.max;  // a NaN tail stays NaN
  tail.min = l < tail.min ? l : tail.min;
  return tail;
}

}  // namespace detail::avx512

namespace detail {

/// AVX-512F chunk primitives (contract: chunk_ops_portable).
struct chunk_ops_avx512 {
  /// sums_f32 and the float sums_tempered take Ranged = true and a chunk_range*: the
  /// chunk's range comes out of the same read (one pass instead of range() then sums;
  /// walk_chunks' one-read path). NaN entries there show as NaN sums, not in the range.
  static constexpr bool ranged_sums = true;
  /// The argument term of sums_tempered's float weights (chunk_types.hpp): d = fl(x - m)
  /// and T ln2/32 rounded to float are the two roundings, 2 |u| 2^-24 (first order).
  static constexpr double tempered_arg_bound = 2.2 * 0x1.0p-24;

  template <class T>
  [[nodiscard]] UNMASK_AVX512_FN static chunk_range range(const T* p, index_t n) noexcept {
    using namespace avx512;
    const __m512 ninf = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
    const __m512 pinf = _mm512_set1_ps(std::numeric_limits<float>::infinity());
    __m512 a0 = ninf, a1 = ninf, b0 = pinf, b1 = pinf;
    __mmask16 nan = 0;
    index_t v = 0;
    for (; v + 32 <= n; v += 32) {
      const __m512 x0 = load16(p + v), x1 = load16(p + v + 16);
      a0 = max_ps(x0, a0);  // a NaN entry loses (second operand returned) and is flagged
      a1 = max_ps(x1, a1);
      b0 = min_ps(x0, b0);
      b1 = min_ps(x1, b1);
      nan |= _mm512_cmp_ps_mask(x0, x1, _CMP_UNORD_Q);
    }
    for (; v + 16 <= n; v += 16) {
      const __m512 x = load16(p + v);
      a0 = max_ps(x, a0);
      b0 = min_ps(x, b0);
      nan |= _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q);
    }
    chunk_range r = chunk_ops_portable::range(p + v, n - v);
    const float hi = hmax(max_ps(a0, a1)), lo = hmin(min_ps(b0, b1));
    if (nan != 0 || r.max != r.max) {
      r.max = std::numeric_limits<float>::quiet_NaN();
      return r;
    }
    r.max = hi > r.max ? hi : r.max;
    r.min = lo < r.min ? lo : r.min;
    return r;
  }

  template <class T>
  UNMASK_AVX512_FN static void top2(const T* p, index_t n, index_t base, top2_state& g) noexcept {
    using namespace avx512;
    const __m512 ninf = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
    // Entries <= the running second best cannot enter (they come later, so they lose
    // ties): vectors without one above it are skipped with one compare.
    const __m512 thr = g.i2 < 0 ? ninf : _mm512_set1_ps(g.m2);
    const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    __m512 m1 = ninf, m2 = ninf;
    __m512i i1 = _mm512_set1_epi32(-1), i2 = i1;
    index_t v = 0;
    for (; v + 16 <= n; v += 16) {
      const __m512 x = load16(p + v);
      if (_mm512_cmp_ps_mask(x, thr, _CMP_GT_OQ) == 0) continue;
      const __m512i idx = _mm512_add_epi32(iota, _mm512_set1_epi32(static_cast<int>(v)));
      const __mmask16 gt1 = _mm512_cmp_ps_mask(x, m1, _CMP_GT_OQ);
      const __mmask16 gt2 = _mm512_cmp_ps_mask(x, m2, _CMP_GT_OQ);
      m2 = _mm512_mask_blend_ps(gt1, _mm512_mask_blend_ps(gt2, m2, x), m1);
      i2 = _mm512_mask_blend_epi32(gt1, _mm512_mask_blend_epi32(gt2, i2, idx), i1);
      m1 = _mm512_mask_blend_ps(gt1, m1, x);
      i1 = _mm512_mask_blend_epi32(gt1, i1, idx);
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

  template <bool Safe, bool Entropy, bool Ranged = false, class T>
  [[nodiscard]] UNMASK_AVX512_FN static exp_sums sums_f32(const T* p, index_t n, float m,
                                                          chunk_range* cr = nullptr) noexcept {
    using namespace avx512;
    const __m512 mv = _mm512_set1_ps(m);
    __m512 s0 = _mm512_setzero_ps(), s1 = s0, t0 = s0, t1 = s0;
    __m512 hi = _mm512_set1_ps(-std::numeric_limits<float>::infinity()),
           lo = _mm512_set1_ps(std::numeric_limits<float>::infinity());
    index_t v = 0;
    for (; v + 32 <= n; v += 32) {
      prefetch_ahead(p + n + v);
      prefetch_ahead(p + n + v + 16);
      const __m512 x0 = load16(p + v), x1 = load16(p + v + 16);
      if constexpr (Ranged) range_add(hi, lo, x0, x1);
      __m512 d0 = _mm512_sub_ps(x0, mv), d1 = _mm512_sub_ps(x1, mv);
      const __m512 e0 = exp_ps_checked<Safe>(d0), e1 = exp_ps_checked<Safe>(d1);
      s0 = _mm512_add_ps(s0, e0);
      s1 = _mm512_add_ps(s1, e1);
      if constexpr (Entropy) {
        t0 = _mm512_fmadd_ps(e0, d0, t0);
        t1 = _mm512_fmadd_ps(e1, d1, t1);
      }
    }
    if constexpr (Ranged) *cr = range_finish(hi, lo, range(p + v, n - v));
    for (; v + 16 <= n; v += 16) {
      __m512 d0 = _mm512_sub_ps(load16(p + v), mv);
      const __m512 e0 = exp_ps_checked<Safe>(d0);
      s0 = _mm512_add_ps(s0, e0);
      if constexpr (Entropy) t0 = _mm512_fmadd_ps(e0, d0, t0);
    }
    exp_sums r = chunk_ops_portable::sums_f32<Safe, Entropy>(p + v, n - v, m);
    r.s += hsum(_mm512_add_ps(s0, s1));
    if constexpr (Entropy) r.t += hsum(_mm512_add_ps(t0, t1));
    return r;
  }

  template <bool Safe, bool Entropy, class T>
  [[nodiscard]] UNMASK_AVX512_FN static exp_sums sums_f64(const T* p, index_t n, double m) noexcept {
    using namespace avx512;
    const __m512d mv = _mm512_set1_pd(m);
    __m512d s0 = _mm512_setzero_pd(), s1 = s0, t0 = s0, t1 = s0;
    index_t v = 0;
    for (; v + 16 <= n; v += 16) {
      prefetch_ahead(p + n + v);
      __m512d d0 = _mm512_sub_pd(cvt_pd(load8(p + v)), mv), d1 = _mm512_sub_pd(cvt_pd(load8(p + v + 8)), mv);
      const __m512d e0 = exp_pd_checked<Safe>(d0), e1 = exp_pd_checked<Safe>(d1);
      s0 = _mm512_add_pd(s0, e0);
      s1 = _mm512_add_pd(s1, e1);
      if constexpr (Entropy) {
        t0 = _mm512_fmadd_pd(e0, d0, t0);
        t1 = _mm512_fmadd_pd(e1, d1, t1);
      }
    }
    exp_sums r = chunk_ops_portable::sums_f64<Safe, Entropy>(p + v, n - v, m);
    r.s += hsum(_mm512_add_pd(s0, s1));
    if constexpr (Entropy) r.t += hsum(_mm512_add_pd(t0, t1));
    r.st = r.s;
    return r;
  }

  template <bool Safe, bool HasMax, class T>
  [[nodiscard]] UNMASK_AVX512_FN static exp_sums sums_bounded(const T* p, index_t n, float m) noexcept {
    using namespace avx512;
    const __m512 mf = _mm512_set1_ps(m), zero = _mm512_setzero_ps();
    __m512 b0 = zero, b1 = zero;
    __m512d wd = _mm512_setzero_pd();  // float lanes of <= 4 terms, then double
    unsigned ones = 0;                 // terms with d = 0: exactly 1, kept out of the lanes
    index_t v = 0;
    while (v + 32 <= n) {
      __m512 w0 = zero, w1 = zero;
      for (int k = 0; k < 4 && v + 32 <= n; ++k, v += 32) {
        prefetch_ahead(p + n + v);
        prefetch_ahead(p + n + v + 16);
        __m512 d0 = _mm512_sub_ps(load16(p + v), mf), d1 = _mm512_sub_ps(load16(p + v + 16), mf);
        __mmask16 k0 = 0xffff, k1 = 0xffff;
        if constexpr (HasMax) {
          const __mmask16 z0 = _mm512_cmp_ps_mask(d0, zero, _CMP_EQ_OQ), z1 = _mm512_cmp_ps_mask(d1, zero, _CMP_EQ_OQ);
          ones += static_cast<unsigned>(__builtin_popcount(z0) + __builtin_popcount(z1));
          k0 = static_cast<__mmask16>(~z0);
          k1 = static_cast<__mmask16>(~z1);
        }
        if constexpr (!Safe) {
          __mmask16 c0, c1;
          d0 = clamp_ps(d0, c0);
          d1 = clamp_ps(d1, c1);
          k0 &= c0;
          k1 &= c1;
        }
        const __m512 e0 = exp_ps(d0, k0), e1 = exp_ps(d1, k1);
        w0 = _mm512_add_ps(w0, e0);
        w1 = _mm512_add_ps(w1, e1);
        b0 = _mm512_fnmadd_ps(e0, d0, b0);
        b1 = _mm512_fnmadd_ps(e1, d1, b1);
      }
      wd = _mm512_add_pd(wd, _mm512_add_pd(cvt_pd(lower8(w0)), cvt_pd(lower8(w1))));
      wd = _mm512_add_pd(wd, _mm512_add_pd(cvt_pd(upper8(w0)), cvt_pd(upper8(w1))));
    }
    exp_sums r = chunk_ops_portable::sums_bounded<Safe, HasMax>(p + v, n - v, m);
    const double lanes = hsum(wd);
    r.st += lanes;
    r.s += lanes + static_cast<double>(ones);
    r.sb += hsum(_mm512_add_ps(b0, b1));
    return r;
  }

  template <bool StatsF64, bool Safe, bool Entropy, bool Ranged = false, class T>
  [[nodiscard]] UNMASK_AVX512_FN static exp_sums sums_tempered(const T* p, index_t n, double m, double inv_t,
                                                               chunk_range* cr = nullptr) noexcept {
    using namespace avx512;
    static_assert(!(Ranged && StatsF64), "the ranged pass has float statistics");
    if constexpr (StatsF64) {
      const __m512d mv = _mm512_set1_pd(m), it = _mm512_set1_pd(inv_t);
      __m512d sd = _mm512_setzero_pd(), td = sd, q0 = sd, q1 = sd;
      index_t v = 0;
      for (; v + 16 <= n; v += 16) {
        prefetch_ahead(p + n + v);
        const __m512d r0 = _mm512_sub_pd(cvt_pd(load8(p + v)), mv), r1 = _mm512_sub_pd(cvt_pd(load8(p + v + 8)), mv);
        __m512d u0 = _mm512_mul_pd(r0, it), u1 = _mm512_mul_pd(r1, it);
        q0 = _mm512_add_pd(q0, exp_pd_checked<Safe>(u0));
        q1 = _mm512_add_pd(q1, exp_pd_checked<Safe>(u1));
        __m512d d0 = r0, d1 = r1;
        const __m512d e0 = exp_pd_checked<Safe>(d0), e1 = exp_pd_checked<Safe>(d1);
        sd = _mm512_add_pd(sd, _mm512_add_pd(e0, e1));
        if constexpr (Entropy) td = _mm512_fmadd_pd(e0, d0, _mm512_fmadd_pd(e1, d1, td));
      }
      exp_sums r = chunk_ops_portable::sums_tempered<true, Safe, Entropy>(p + v, n - v, m, inv_t);
      r.s += hsum(sd);
      if constexpr (Entropy) r.t += hsum(td);
      r.st += hsum(_mm512_add_pd(q0, q1));
      return r;
    } else {
      // exp(d / T) with 1/T folded into the reduction and the polynomial (exp_ps_scaled):
      // no product d / T is formed, so the argument carries two roundings (d and T ln2/32).
      const scaled_exp k = scaled_exp_for(inv_t);
      const __m512 mf = _mm512_set1_ps(static_cast<float>(m));
      const __m512 lt = _mm512_set1_ps(k.l), ct = _mm512_set1_ps(k.c), a1 = _mm512_set1_ps(k.a1),
                   a2 = _mm512_set1_ps(k.a2), dcut = _mm512_set1_ps(k.dcut);
      __m512 s0 = _mm512_setzero_ps(), t0 = s0, b0 = s0, b1 = s0;
      __m512 hi = _mm512_set1_ps(-std::numeric_limits<float>::infinity()),
             lo = _mm512_set1_ps(std::numeric_limits<float>::infinity());
      __m512d wd = _mm512_setzero_pd();  // tempered weights: float lanes of <= 4 terms, then double
      index_t v = 0;
      while (v + 32 <= n) {
        __m512 w0 = _mm512_setzero_ps(), w1 = w0;
        for (int k = 0; k < 4 && v + 32 <= n; ++k, v += 32) {
          prefetch_ahead(p + n + v);
          prefetch_ahead(p + n + v + 16);
          const __m512 y0 = load16(p + v), y1 = load16(p + v + 16);
          if constexpr (Ranged) range_add(hi, lo, y0, y1);
          __m512 d0 = _mm512_sub_ps(y0, mf), d1 = _mm512_sub_ps(y1, mf);
          __mmask16 q0 = 0xffff, q1 = 0xffff;
          __m512 r0 = d0, r1 = d1;  // the tempered exponentials' arguments
          if constexpr (!Safe) {
            q0 = _mm512_cmp_ps_mask(d0, dcut, _CMP_NLT_UQ);
            q1 = _mm512_cmp_ps_mask(d1, dcut, _CMP_NLT_UQ);
            r0 = max_ps(dcut, d0);
            r1 = max_ps(dcut, d1);
          }
          const __m512 e0 = exp_ps_checked<Safe>(d0), e1 = exp_ps_checked<Safe>(d1);
          s0 = _mm512_add_ps(s0, _mm512_add_ps(e0, e1));
          if constexpr (Entropy) t0 = _mm512_fmadd_ps(e0, d0, _mm512_fmadd_ps(e1, d1, t0));
          const __m512 x0 = exp_ps_scaled(r0, q0, lt, ct, a1, a2), x1 = exp_ps_scaled(r1, q1, lt, ct, a1, a2);
          w0 = _mm512_add_ps(w0, x0);
          w1 = _mm512_add_ps(w1, x1);
          b0 = _mm512_fnmadd_ps(x0, r0, b0);
          b1 = _mm512_fnmadd_ps(x1, r1, b1);
        }
        wd = _mm512_add_pd(wd, _mm512_add_pd(cvt_pd(lower8(w0)), cvt_pd(lower8(w1))));
        wd = _mm512_add_pd(wd, _mm512_add_pd(cvt_pd(upper8(w0)), cvt_pd(upper8(w1))));
      }
      if constexpr (Ranged) *cr = range_finish(hi, lo, range(p + v, n - v));
      exp_sums r = chunk_ops_portable::sums_tempered<false, Safe, Entropy>(p + v, n - v, m, inv_t);
      r.s += hsum(s0);
      if constexpr (Entropy) r.t += hsum(t0);
      r.st += hsum(wd);
      r.sb += hsum(_mm512_add_ps(b0, b1)) * inv_t;  // sum w |d| / T = sum w |u|
      return r;
    }
  }

  template <class T>
  [[nodiscard]] UNMASK_AVX512_FN static double sum_tempered(const T* p, index_t n, double m, double inv_t) noexcept {
    using namespace avx512;
    const __m512d mv = _mm512_set1_pd(m), it = _mm512_set1_pd(inv_t);
    __m512d q0 = _mm512_setzero_pd(), q1 = q0;
    index_t v = 0;
    for (; v + 16 <= n; v += 16) {
      prefetch_ahead(p + n + v);  // the same 16-wide split as exps_tempered
      __mmask8 k0, k1;
      const __m512d u0 = clamp_pd(_mm512_mul_pd(_mm512_sub_pd(cvt_pd(load8(p + v)), mv), it), k0);
      const __m512d u1 = clamp_pd(_mm512_mul_pd(_mm512_sub_pd(cvt_pd(load8(p + v + 8)), mv), it), k1);
      q0 = _mm512_add_pd(q0, exp_pd(u0, k0));
      q1 = _mm512_add_pd(q1, exp_pd(u1, k1));
    }
    return hsum(_mm512_add_pd(q0, q1)) + chunk_ops_portable::sum_tempered(p + v, n - v, m, inv_t);
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
