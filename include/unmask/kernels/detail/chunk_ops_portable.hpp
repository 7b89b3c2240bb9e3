// unmask: the chunk primitives of the one-pass kernels in standard C++ (any platform).
// Same contract as the AVX2 / AVX-512 versions; std::exp, per-chunk float/double sums.
#pragma once

#include <unmask/kernels/detail/chunk_types.hpp>

#include <cmath>
#include <limits>

UNMASK_NAMESPACE_BEGIN
namespace detail {

/// Exponentials below these arguments count as 0 (every level uses the same cut-offs:
/// they are far below anything a sum >= 1 can register).
inline constexpr float exp_cut_f32 = -86.0f;
inline constexpr double exp_cut_f64 = -700.0;

struct chunk_ops_portable {
  /// The argument term of sums_tempered's float weights (chunk_types.hpp).
  static constexpr double tempered_arg_bound = detail::tempered_arg_bound;

  /// Largest and smallest entry of p[0, n) (max -inf, min +inf when n = 0); max is
  /// NaN when some entry is NaN.
  template <class T>
  [[nodiscard]] static chunk_range range(const T* p, index_t n) noexcept {
    chunk_range r;
    bool nan = false;
    for (index_t v = 0; v < n; ++v) {
      const float x = to_f32(p[v]);
      nan = nan || x != x;
      r.max = x > r.max ? x : r.max;
      r.min = x < r.min ? x : r.min;
    }
    if (nan) r.max = std::numeric_limits<float>::quiet_NaN();
    return r;
  }
  /// Offers every entry > -inf of p[0, n) (global indices base + v) to g.
  template <class T>
  static void top2(const T* p, index_t n, index_t base, top2_state& g) noexcept {
    for (index_t v = 0; v < n; ++v) {
      const float x = to_f32(p[v]);
      if (x > g.m2 || g.i2 < 0)
        if (x > -std::numeric_limits<float>::infinity()) g.offer(x, base + v);
    }
  }
  /// First v in [0, n) with p[v] > thr, or n.
  template <class T>
  [[nodiscard]] static index_t find_greater(const T* p, index_t n, float thr) noexcept {
    for (index_t v = 0; v < n; ++v)
      if (to_f32(p[v]) > thr) return v;
    return n;
  }
  /// s = sum e, t = sum e d with float exponentials e of d = x - m (float), summed in
  /// double (the vector paths sum 16-32 terms per float lane; a scalar float sum would
  /// lose ~sqrt(n) ulps). Entries with d below the cut-off count 0. Safe: the caller
  /// knows every d is above the cut-off (the vector paths then skip the clamp).
  /// Entropy = false leaves t = 0. The chunk holds no NaN / +Inf (range() first).
  template <bool Safe, bool Entropy, class T>
  [[nodiscard]] static exp_sums sums_f32(const T* p, index_t n, float m) noexcept {
    double s = 0, t = 0;
    for (index_t v = 0; v < n; ++v) {
      const float d = to_f32(p[v]) - m;
      if (!(d >= exp_cut_f32)) continue;
      const float e = std::exp(d);
      s += static_cast<double>(e);
      if constexpr (Entropy) t += static_cast<double>(e * d);
    }
    return {s, t, 0};
  }
  /// The bounded pass (row_stats_bounded): the float exponentials e of d = fl(x - m)
  /// summed in double (the vector paths: float lanes of <= 4 terms, then double) into
  /// st, except the terms with d = 0 (exactly 1), which are counted; s = st + that
  /// count, sb = sum e |d|. Then |s - sum exp(x - m)| <= tempered_rel_bound st +
  /// bounded_arg_bound sb, an error relative to the row's tail, not to its max. t = 0.
  /// HasMax = false: the caller knows no entry equals m (the chunk's max is below it).
  template <bool Safe, bool HasMax, class T>
  [[nodiscard]] static exp_sums sums_bounded(const T* p, index_t n, float m) noexcept {
    double st = 0, sb = 0;
    index_t ones = 0;
    for (index_t v = 0; v < n; ++v) {
      const float d = to_f32(p[v]) - m;
      if (HasMax && d == 0) {
        ++ones;
        continue;
      }
      if (!(d >= exp_cut_f32)) continue;
      const float e = std::exp(d);
      st += static_cast<double>(e);
      sb -= static_cast<double>(e) * static_cast<double>(d);
    }
    return {st + static_cast<double>(ones), 0, st, sb};
  }
  /// s, t in double.
  template <bool Safe, bool Entropy, class T>
  [[nodiscard]] static exp_sums sums_f64(const T* p, index_t n, double m) noexcept {
    double s = 0, t = 0;
    for (index_t v = 0; v < n; ++v) {
      const double d = static_cast<double>(to_f32(p[v])) - m;
      if (!(d >= exp_cut_f64)) continue;
      const double e = std::exp(d);
      s += e;
      if constexpr (Entropy) t += e * d;
    }
    return {s, t, s};
  }
  /// StatsF64: s, t and st = sum exp((x - m) inv_t), all double exponentials.
  /// Otherwise s, t as sums_f32 and st = sum of float exponentials w of u = (x - m)
  /// inv_t, with sb = sum w |u| for the error bound: |st - exact| <= tempered_rel_bound
  /// st + Ops::tempered_arg_bound sb. Here and on AVX2 u = fl(fl(x - m) fl(inv_t));
  /// AVX-512 folds inv_t into its exponential. Safe: every argument (untempered and
  /// tempered) is above its cut-off.
  template <bool StatsF64, bool Safe, bool Entropy, class T>
  [[nodiscard]] static exp_sums sums_tempered(const T* p, index_t n, double m, double inv_t) noexcept {
    exp_sums r;
    if constexpr (StatsF64) {
      r = sums_f64<Safe, Entropy>(p, n, m);
      r.st = sum_tempered(p, n, m, inv_t);
    } else {
      const auto mf = static_cast<float>(m), itf = static_cast<float>(inv_t);
      r = sums_f32<Safe, Entropy>(p, n, mf);
      double st = 0, sb = 0;
      for (index_t v = 0; v < n; ++v) {
        const float u = (to_f32(p[v]) - mf) * itf;
        if (!(u >= exp_cut_f32)) continue;
        const float w = std::exp(u);
        st += static_cast<double>(w);
        sb -= static_cast<double>(w) * static_cast<double>(u);
      }
      r.st = st;
      r.sb = sb;
    }
    return r;
  }
  /// sum of exp((x - m) inv_t) in double (the tempered normaliser alone).
  template <class T>
  [[nodiscard]] static double sum_tempered(const T* p, index_t n, double m, double inv_t) noexcept {
    double st = 0;
    for (index_t v = 0; v < n; ++v) {
      const double dt = (static_cast<double>(to_f32(p[v])) - m) * inv_t;
      if (dt >= exp_cut_f64) st += std::exp(dt);
    }
    return st;
  }
  /// out[v] = exp((x - m) inv_t) in double, exactly 0 below the cut-off.
  template <class T>
  static void exps_tempered(const T* p, index_t n, double m, double inv_t, double* out) noexcept {
    for (index_t v = 0; v < n; ++v) {
      const double dt = (static_cast<double>(to_f32(p[v])) - m) * inv_t;
      out[v] = dt >= exp_cut_f64 ? std::exp(dt) : (dt != dt ? dt : 0.0);
    }
  }
};

}  // namespace detail
UNMASK_NAMESPACE_END
