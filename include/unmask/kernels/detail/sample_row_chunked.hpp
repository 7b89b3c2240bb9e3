// unmask: one-uniform inverse-CDF sampling fused with the one-pass statistics (one row).
// The normaliser's per-chunk sums locate the crossing; only that chunk is re-read.
#pragma once

#include <unmask/kernels/detail/row_stats_chunked.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

UNMASK_NAMESPACE_BEGIN
namespace detail {

/// What sampling one row yields.
struct sample_result {
  token_id token = -1;
  double logit = 0;
  row_stats stats{};
};

/// Samples v with probability exp((x_v - max) inv_t) / Z using the uniform u: the
/// first v (in index order) whose running sum exceeds u Z, skipping zero weights; the
/// last nonzero-weight entry if rounding leaves u Z unreached (categorical's rule).
/// Alongside: row_stats of the untempered row in Acc. inv_t > 0.
template <class Acc, class Ops, class T>
[[nodiscard]] sample_result sample_row_chunked(const T* p, index_t n, double inv_t, double u) noexcept {
  constexpr float ninf = -std::numeric_limits<float>::infinity();
  constexpr index_t max_chunks = 256;
  const index_t chunk = std::max(stats_chunk, ((n + max_chunks - 1) / max_chunks + 63) / 64 * 64);
  float cmax[max_chunks];  // the running max a chunk's tempered sum is relative to
  double cw[max_chunks];   // the chunk's tempered sum, then its weight relative to the final max
  top2_state g;
  float m = ninf;
  double s = 0, t = 0;
  index_t nc = 0;
  for (index_t b = 0; b < n; b += chunk, ++nc) {
    const index_t len = std::min(chunk, n - b);
    cmax[nc] = ninf;
    cw[nc] = 0;
    const float cm = Ops::max(p + b, len);
    if (!(cm < std::numeric_limits<float>::infinity())) {
      g.m1 = cm;
      return {static_cast<token_id>(g.i1), cm, invalid_row_stats(g)};
    }
    if (!(cm > ninf)) continue;
    if (cm > g.m2 || g.i2 < 0) Ops::top2(p + b, len, b, g);
    if (cm > m) {
      if (m > ninf) {
        const double d = static_cast<double>(m) - static_cast<double>(cm);
        const double e = std::exp(d);
        t = e * (t + s * d);
        s = e * s;
      }
      m = cm;
    }
    exp_sums es;
    if (inv_t == 1.0) {
      es = Ops::sums_f64(p + b, len, static_cast<double>(m));
    } else {
      es = Ops::template sums_tempered<std::is_same_v<Acc, double>>(p + b, len, static_cast<double>(m), inv_t);
    }
    s += es.s;
    t += es.t;
    cmax[nc] = m;
    cw[nc] = es.st;
  }
  sample_result out;
  out.stats = finish_row_stats(p, n, g, m, s, t);
  out.token = out.stats.top1;
  out.logit = out.stats.max1;
  if (!out.stats.valid()) return out;

  const double md = static_cast<double>(m);
  double z = 0;
  for (index_t k = 0; k < nc; ++k) {
    if (cw[k] > 0) cw[k] *= std::exp((static_cast<double>(cmax[k]) - md) * inv_t);
    z += cw[k];
  }
  const double target = u * z;
  double acc = 0;
  alignas(64) double w[stats_chunk];
  for (index_t k = 0; k < nc; ++k) {
    if (!(acc + cw[k] > target)) {
      acc += cw[k];
      continue;
    }
    const index_t b = k * chunk, len = std::min(chunk, n - b);
    for (index_t sb = 0; sb < len; sb += stats_chunk) {
      const index_t sl = std::min(stats_chunk, len - sb);
      Ops::exps_tempered(p + b + sb, sl, md, inv_t, w);
      for (index_t v = 0; v < sl; ++v) {
        if (w[v] == 0) continue;
        acc += w[v];
        if (acc > target) {
          out.token = static_cast<token_id>(b + sb + v);
          out.logit = to_f32(p[b + sb + v]);
          return out;
        }
      }
    }
  }
  // Rounding left u Z unreached: the last entry of nonzero weight.
  for (index_t e = n; e > 0;) {
    const index_t b = std::max<index_t>(0, e - stats_chunk), len = e - b;
    Ops::exps_tempered(p + b, len, md, inv_t, w);
    for (index_t v = len - 1; v >= 0; --v)
      if (w[v] != 0) {
        out.token = static_cast<token_id>(b + v);
        out.logit = to_f32(p[b + v]);
        return out;
      }
    e = b;
  }
  return out;
}

}  // namespace detail
UNMASK_NAMESPACE_END
