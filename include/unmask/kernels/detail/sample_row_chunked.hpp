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

/// Chunk length for a row of n entries when at most 256 chunks are kept.
[[nodiscard]] constexpr index_t sample_chunk(index_t n) noexcept {
  const index_t c = ((n + 255) / 256 + 63) / 64 * 64;
  return c > stats_chunk ? c : stats_chunk;
}

/// Inverse CDF over weights w_v = exp((x_v - m) inv_t) given per-chunk weight sums
/// cw[0, nc) (chunks of `chunk` entries): the first v whose running sum exceeds
/// `target`, skipping zero weights; whole chunks below the target are skipped by their
/// sums and only the crossing chunk is re-read. If rounding leaves the target
/// unreached, the last entry of nonzero weight. -1 when every weight is 0.
template <class Ops, class T>
[[nodiscard]] index_t inverse_cdf_pick(const T* p, index_t n, index_t chunk, const double* cw, index_t nc, double m,
                                       double inv_t, double target) noexcept {
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
      Ops::exps_tempered(p + b + sb, sl, m, inv_t, w);
      for (index_t v = 0; v < sl; ++v) {
        if (w[v] == 0) continue;
        acc += w[v];
        if (acc > target) return b + sb + v;
      }
    }
  }
  for (index_t e = n; e > 0;) {  // unreached: the last entry of nonzero weight
    const index_t b = std::max<index_t>(0, e - stats_chunk), len = e - b;
    Ops::exps_tempered(p + b, len, m, inv_t, w);
    for (index_t v = len - 1; v >= 0; --v)
      if (w[v] != 0) return b + v;
    e = b;
  }
  return -1;
}

/// Samples v with probability exp((x_v - max) inv_t) / Z when the row's max is known
/// (one pass of tempered exponentials, then the crossing chunk). inv_t > 0, the row
/// finite with max `max1`. -1 only for a row of zero weights.
template <class Ops, class T>
[[nodiscard]] index_t sample_known_max(const T* p, index_t n, double max1, double inv_t, double u) noexcept {
  constexpr index_t max_chunks = 256;
  const index_t chunk = sample_chunk(n);
  double cw[max_chunks];
  index_t nc = 0;
  double z = 0;
  for (index_t b = 0; b < n; b += chunk, ++nc) {
    cw[nc] = Ops::sum_tempered(p + b, std::min(chunk, n - b), max1, inv_t);
    z += cw[nc];
  }
  return inverse_cdf_pick<Ops>(p, n, chunk, cw, nc, max1, inv_t, u * z);
}

/// Samples v with probability exp((x_v - max) inv_t) / Z using the uniform u: the
/// first v (in index order) whose running sum exceeds u Z, skipping zero weights; the
/// last nonzero-weight entry if rounding leaves u Z unreached (categorical's rule).
/// Alongside: row_stats of the untempered row in Acc (sum p log p only with Entropy).
/// inv_t > 0.
template <class Acc, bool Entropy, class Ops, class T>
[[nodiscard]] sample_result sample_row_chunked(const T* p, index_t n, double inv_t, double u) noexcept {
  constexpr float ninf = -std::numeric_limits<float>::infinity();
  constexpr index_t max_chunks = 256;
  const index_t chunk = sample_chunk(n);
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
    const chunk_range cr = Ops::range(p + b, len);
    const float cm = cr.max;
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
    const double md = static_cast<double>(m), lo = static_cast<double>(cr.min) - md;
    if (inv_t == 1.0) {  // the tempered weights are the statistics' own (in double)
      es = chunk_sums<double, Entropy, Ops>(p + b, len, cr.min, m);
    } else {
      constexpr bool f64 = std::is_same_v<Acc, double>;
      const bool safe = lo * inv_t >= exp_cut_f64 && lo >= exp_cut_f64 && cr.min - m >= exp_cut_f32;
      es = safe ? Ops::template sums_tempered<f64, true, Entropy>(p + b, len, md, inv_t)
                : Ops::template sums_tempered<f64, false, Entropy>(p + b, len, md, inv_t);
    }
    s += es.s;
    t += es.t;
    cmax[nc] = m;
    cw[nc] = es.st;
  }
  sample_result out;
  out.stats = finish_row_stats(p, n, g, m, s, t, Entropy);
  out.token = out.stats.top1;
  out.logit = out.stats.max1;
  if (!out.stats.valid()) return out;

  const double md = static_cast<double>(m);
  double z = 0;
  for (index_t k = 0; k < nc; ++k) {
    if (cw[k] > 0) cw[k] *= std::exp((static_cast<double>(cmax[k]) - md) * inv_t);
    z += cw[k];
  }
  const index_t v = inverse_cdf_pick<Ops>(p, n, chunk, cw, nc, md, inv_t, u * z);
  if (v >= 0) {
    out.token = static_cast<token_id>(v);
    out.logit = to_f32(p[v]);
  }
  return out;
}

}  // namespace detail
UNMASK_NAMESPACE_END
