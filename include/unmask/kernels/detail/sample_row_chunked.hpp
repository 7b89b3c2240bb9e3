// unmask: one-uniform inverse-CDF sampling fused with the one-pass statistics (one row).
// The normaliser's per-chunk sums locate the crossing; only that chunk is re-read.
#pragma once

#include <unmask/kernels/detail/row_stats_chunked.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
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

/// Where an inverse-CDF search ended: the index (-1: every weight 0) and whether the
/// target was more than `margin` away from the cumulative sums on both sides of it.
struct pick_result {
  index_t index = -1;
  bool certain = true;
};

/// Inverse CDF over weights w_v = exp((x_v - m) inv_t) given per-chunk weight sums
/// cw[0, nc) (chunks of `chunk` entries): the first v whose running sum exceeds
/// `target`, skipping zero weights; whole chunks below the target are skipped by their
/// sums and only the crossing chunk is re-read (double exponentials). If rounding
/// leaves the target unreached, the last entry of nonzero weight. `certain` is false
/// when the target lies within `margin` of the running sum just before or just after
/// the chosen entry (or was unreached): then sums off by less than margin / 2 could
/// have chosen another entry.
template <class Ops, class T>
[[nodiscard]] pick_result inverse_cdf_pick(const T* p, index_t n, index_t chunk, const double* cw, index_t nc, double m,
                                           double inv_t, double target, double margin = 0) noexcept {
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
        const double before = acc;
        acc += w[v];
        if (acc > target) return {b + sb + v, target - before > margin && acc - target > margin};
      }
    }
  }
  for (index_t e = n; e > 0;) {  // unreached: the last entry of nonzero weight
    const index_t b = std::max<index_t>(0, e - stats_chunk), len = e - b;
    Ops::exps_tempered(p + b, len, m, inv_t, w);
    for (index_t v = len - 1; v >= 0; --v)
      if (w[v] != 0) return {b + v, false};
    e = b;
  }
  return {-1, false};
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
  return inverse_cdf_pick<Ops>(p, n, chunk, cw, nc, max1, inv_t, u * z).index;
}

/// The search margin of float chunk sums whose errors total at most `bound`: plus the
/// double rounding between these sums and categorical::pick's (~1e-14 of z, allowed
/// 1e-13) and the weights flushed below the float cut-off (< n e^-86 in all).
[[nodiscard]] inline double pick_margin(double bound, double z, index_t n) noexcept {
  return bound + 1e-13 * z + static_cast<double>(n) * 1e-37;
}

/// Decides a pick that the float chunk sums cw (error bounds cb) left uncertain: the
/// chunks with the largest bounds are recomputed in double first (sum_tempered, in
/// batches of max(8, nc / 16) chunks), and after each batch the search runs again with
/// the remaining bound, until it is certain or every chunk is double; then the sums are
/// sample_known_max's (same chunks, same max, same order), and so is the pick. A
/// target that lands within the bound of a boundary is on average half-way inside it,
/// so about half the chunks are recomputed instead of all: 0.52-0.57 of the row's
/// chunks on the benchmark rows at T = 0.5-1.5 (batches doubling from 8: 0.66-0.71).
/// At most 18 searches (ceil(nc / batch); each re-reads one chunk); cw and cb are
/// overwritten.
template <class Ops, class T>
[[nodiscard]] index_t refine_pick(const T* p, index_t n, index_t chunk, double* cw, double* cb, index_t nc, double m,
                                  double inv_t, double u) noexcept {
  constexpr index_t max_chunks = 256;
  std::uint16_t order[max_chunks];
  for (index_t k = 0; k < nc; ++k) order[k] = static_cast<std::uint16_t>(k);
  std::sort(order, order + nc,
            [&](std::uint16_t a, std::uint16_t b) { return cb[a] > cb[b] || (cb[a] == cb[b] && a < b); });
  index_t done = 0;
  for (const index_t batch = std::max<index_t>(8, nc / 16);;) {
    for (const index_t stop = std::min(nc, done + batch); done < stop; ++done) {
      const index_t k = order[done], b = k * chunk;
      cw[k] = Ops::sum_tempered(p + b, std::min(chunk, n - b), m, inv_t);
      cb[k] = 0;
    }
    double z = 0, bound = 0;
    for (index_t k = 0; k < nc; ++k) z += cw[k], bound += cb[k];
    const bool all_double = done == nc;  // then sample_known_max's search (margin 0), certain or not
    const pick_result pick =
        inverse_cdf_pick<Ops>(p, n, chunk, cw, nc, m, inv_t, u * z, all_double ? 0 : pick_margin(bound, z, n));
    if (pick.certain || all_double) return pick.index;
  }
}

/// Samples v with probability exp((x_v - max) inv_t) / Z using the uniform u: the
/// first v (in index order) whose running sum exceeds u Z, skipping zero weights; the
/// last nonzero-weight entry if rounding leaves u Z unreached (categorical's rule).
/// Alongside: row_stats of the untempered row in Acc (sum p log p only with Entropy).
/// inv_t > 0. Acc = double or inv_t = 1: double weights throughout. Acc = float: the
/// pass takes float exponentials for the statistics and for the tempered weights, with
/// a rigorous bound on the error of the weight sums; the crossing chunk is re-read in
/// double, and when u Z falls within that bound of a cumulative sum (the bound is
/// ~1e-6 of Z; a few percent of the rows of a flat distribution) chunks are recomputed
/// in double until the pick is decided (refine_pick), so the token is the one double
/// weights give.
template <class Acc, bool Entropy, class Ops, class T>
[[nodiscard]] sample_result sample_row_chunked(const T* p, index_t n, double inv_t, double u) noexcept {
  constexpr float ninf = -std::numeric_limits<float>::infinity();
  constexpr index_t max_chunks = 256;
  const bool approx = !std::is_same_v<Acc, double> && inv_t != 1.0;
  const index_t chunk = sample_chunk(n);
  float cmax[max_chunks];  // the running max a chunk's tempered sum is relative to
  double cw[max_chunks];   // the chunk's tempered sum, then its weight relative to the final max
  double cb[max_chunks];   // approx: the chunk's sum w |u|, then its error bound
  top2_state g;
  float m = ninf;
  double s = 0, t = 0;
  const index_t nc = (n + chunk - 1) / chunk;
  for (index_t k = 0; k < nc; ++k) cmax[k] = ninf, cw[k] = 0, cb[k] = 0;  // chunks of only -Inf stay so
  const auto itf = static_cast<float>(inv_t);
  auto keep = [&](index_t b, const exp_sums& es) {
    s += es.s;
    t += es.t;
    const index_t k = b / chunk;
    cmax[k] = m;
    cw[k] = es.st;
    cb[k] = es.sb;
  };
  auto rescale = [&](double d, double e) {
    t = e * (t + s * d);
    s = e * s;
  };
  auto safe_f32 = [&](const chunk_range& cr) {  // every float argument above the cut-off
    const float lo = cr.min - m;                // as the kernels compute it
    return lo >= exp_cut_f32 && lo * itf >= exp_cut_f32;
  };
  auto body = [&](index_t b, index_t len, const chunk_range& cr) {
    const double md = static_cast<double>(m);
    if (inv_t == 1.0) {  // the tempered weights are the statistics' own (in double)
      keep(b, chunk_sums<double, Entropy, Ops>(p + b, len, cr.min, m));
    } else if (approx) {
      keep(b, safe_f32(cr) ? Ops::template sums_tempered<false, true, Entropy>(p + b, len, md, inv_t)
                           : Ops::template sums_tempered<false, false, Entropy>(p + b, len, md, inv_t));
    } else {
      const double lo = static_cast<double>(cr.min) - md;
      const bool safe = lo * inv_t >= exp_cut_f64 && lo >= exp_cut_f64;
      keep(b, safe ? Ops::template sums_tempered<true, true, Entropy>(p + b, len, md, inv_t)
                   : Ops::template sums_tempered<true, false, Entropy>(p + b, len, md, inv_t));
    }
  };
  auto one_read = [&](index_t b, index_t len, chunk_range& cr) {
    if constexpr (has_ranged_sums<Ops> && !std::is_same_v<Acc, double>) {
      if (!approx) return false;
      const exp_sums es =
          Ops::template sums_tempered<false, true, Entropy, true>(p + b, len, static_cast<double>(m), inv_t, &cr);
      if (!(cr.max <= m && safe_f32(cr) && es.s == es.s)) return false;
      keep(b, es);  // body's Safe sums
      return true;
    } else {
      return false;
    }
  };
  const bool ok = walk_chunks<Ops>(p, n, chunk, g, m, rescale, body, one_read);
  if (!ok) return {static_cast<token_id>(g.i1), g.m1, invalid_row_stats(g)};
  sample_result out;
  out.stats = finish_row_stats(p, n, g, m, s, t, Entropy);
  out.token = out.stats.top1;
  out.logit = out.stats.max1;
  if (!out.stats.valid()) return out;

  const double md = static_cast<double>(m);
  double z = 0, bound = 0;
  float fmax = m;  // the running max the factor f below was taken for (the final max: f = 1)
  double f = 1;
  for (index_t k = 0; k < nc; ++k) {
    if (cw[k] > 0) {
      // The kernel's arguments were relative to cmax[k]; rescaling to the final max is
      // a double multiplication, so the bound scales with the sum.
      if (cmax[k] != fmax) fmax = cmax[k], f = std::exp((static_cast<double>(fmax) - md) * inv_t);
      cb[k] = f * (tempered_rel_bound * cw[k] + Ops::tempered_arg_bound * cb[k]);
      cw[k] *= f;
    }
    z += cw[k];
    bound += cb[k];
  }
  pick_result pick;
  if (approx) {
    // With e_c the error of chunk c's sum (|e_c| <= its bound), the gap between u Z and
    // the running sum before the crossing chunk c* is off by (1 - u) sum_{c < c*} e_c -
    // u sum_{c >= c*} e_c, at most the total bound (within the crossing chunk the weights
    // are double); pick_margin adds the flushed weights and double rounding (agreement
    // with categorical::pick is up to that on every path).
    pick = inverse_cdf_pick<Ops>(p, n, chunk, cw, nc, md, inv_t, u * z, pick_margin(bound, z, n));
    if (!pick.certain) pick.index = refine_pick<Ops>(p, n, chunk, cw, cb, nc, md, inv_t, u);  // double weights decide
  } else {
    pick = inverse_cdf_pick<Ops>(p, n, chunk, cw, nc, md, inv_t, u * z);
  }
  if (pick.index >= 0) {
    out.token = static_cast<token_id>(pick.index);
    out.logit = to_f32(p[pick.index]);
  }
  return out;
}

}  // namespace detail
UNMASK_NAMESPACE_END
