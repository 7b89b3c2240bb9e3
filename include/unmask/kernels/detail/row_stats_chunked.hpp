// unmask: the chunked one-pass driver behind row_stats_simd, generic over the chunk primitives.
// Two-level max: a chunk's max first, then its exponentials against the running max.
#pragma once

#include <unmask/kernels/bounded_row_stats.hpp>
#include <unmask/kernels/detail/chunk_ops_portable.hpp>
#include <unmask/kernels/detail/chunk_types.hpp>
#include <unmask/kernels/row_stats.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

UNMASK_NAMESPACE_BEGIN
namespace detail {

/// row_stats of an invalid row (a NaN or +Inf entry, or every entry -Inf).
[[nodiscard]] inline row_stats invalid_row_stats(const top2_state& g) noexcept {
  row_stats r;
  r.top1 = static_cast<token_id>(g.i1);
  r.top2 = static_cast<token_id>(g.i2);
  r.max1 = g.m1;
  r.max2 = g.m2;
  r.lse = std::numeric_limits<double>::quiet_NaN();
  r.sum_p_log_p = r.lse;
  return r;
}

/// When fewer than two entries are > -Inf, top1 / top2 fall to the first -Inf entries.
template <class T>
void fill_top2_with_ninf(const T* p, index_t n, top2_state& g) noexcept {
  constexpr float ninf = -std::numeric_limits<float>::infinity();
  for (index_t v = 0; v < n && (g.i1 < 0 || g.i2 < 0); ++v)
    if (to_f32(p[v]) == ninf && v != g.i1) {
      if (g.i1 < 0)
        g.i1 = v, g.m1 = ninf;
      else
        g.i2 = v, g.m2 = ninf;
    }
}

/// row_stats from a finished pass: top-2 state g, max m, s = sum e^(x - m), t = sum
/// e^(x - m) (x - m).
template <class T>
[[nodiscard]] row_stats finish_row_stats(const T* p, index_t n, top2_state g, float m, double s, double t,
                                         bool entropy) noexcept {
  if (g.i2 < 0) fill_top2_with_ninf(p, n, g);
  if (!(m > -std::numeric_limits<float>::infinity())) return invalid_row_stats(g);
  row_stats r;
  r.top1 = static_cast<token_id>(g.i1);
  r.top2 = static_cast<token_id>(g.i2);
  r.max1 = g.m1;
  r.max2 = g.m2;
  const double log_s = std::log(s);
  r.lse = static_cast<double>(m) + log_s;
  r.sum_p_log_p = entropy ? t / s - log_s : std::numeric_limits<double>::quiet_NaN();
  return r;
}

/// walk_chunks' default one-read step: declines every chunk.
struct read_range_first {
  constexpr bool operator()(index_t, index_t, chunk_range&) const noexcept { return false; }
};

/// Ops whose float sums can find the chunk's range in the same read (chunk_ops_avx512).
template <class Ops>
inline constexpr bool has_ranged_sums = requires {
  requires Ops::ranged_sums;
};

/// The walk every one-pass kernel shares over p[0, n) in chunks of `chunk`: a chunk's
/// range first (a NaN / +Inf chunk ends the walk: false, with g.m1 = that chunk's max);
/// a chunk of only -Inf is skipped; the top-2 is rescanned where the chunk can enter
/// it; when the chunk raises the running max m, rescale(d, e) (d = old m - new m < 0,
/// e = exp(d); not called for the first finite chunk) moves the caller's sums to the new
/// max; then body(b, len, cr) adds the chunk's sums against m. True when the walk ends.
/// Once m is finite, one_read(b, len, cr) is offered each chunk first: it may add the
/// chunk's sums against m in the same read that finds its range cr, and return true,
/// only when cr.max <= m and the sums are the ones body would add; else false, and the
/// chunk takes the two-read path (its one-read work lost: a chunk that raises the max,
/// or holds NaN, +-Inf, or arguments below the exp cut-off). So a row's result does
/// not depend on which path a chunk took; in a row with its max in the first chunks
/// (the usual case: the running max rises ~ln(chunks) times in a random order) nearly
/// every chunk is read once.
template <class Ops, class T, class Rescale, class Body, class OneRead = read_range_first>
[[nodiscard]] bool walk_chunks(const T* p, index_t n, index_t chunk, top2_state& g, float& m, Rescale&& rescale,
                               Body&& body, OneRead&& one_read = {}) noexcept {
  constexpr float ninf = -std::numeric_limits<float>::infinity();
  for (index_t b = 0; b < n; b += chunk) {
    const index_t len = std::min(chunk, n - b);
    if (m > ninf) {
      chunk_range fr;
      if (one_read(b, len, fr)) {
        if (fr.max > g.m2 || g.i2 < 0) Ops::top2(p + b, len, b, g);
        continue;
      }
    }
    const chunk_range cr = Ops::range(p + b, len);
    const float cm = cr.max;
    if (!(cm < std::numeric_limits<float>::infinity())) {  // NaN or +Inf: invalid
      g.m1 = cm;
      return false;
    }
    if (!(cm > ninf)) continue;  // every entry -Inf: no mass, no top-2 candidate
    if (cm > g.m2 || g.i2 < 0) Ops::top2(p + b, len, b, g);
    if (cm > m) {
      if (m > ninf) {
        const double d = static_cast<double>(m) - static_cast<double>(cm);
        rescale(d, std::exp(d));
      }
      m = cm;
    }
    body(b, len, cr);
  }
  return true;
}

/// The chunk's sums against the running max m: float or double exponentials, the
/// clamp skipped when the chunk's min shows every argument is above the cut-off.
template <class Acc, bool Entropy, class Ops, class T>
[[nodiscard]] exp_sums chunk_sums(const T* p, index_t len, float chunk_min, float m) noexcept {
  if constexpr (std::is_same_v<Acc, double>) {
    const double md = static_cast<double>(m);
    return static_cast<double>(chunk_min) - md >= exp_cut_f64 ? Ops::template sums_f64<true, Entropy>(p, len, md)
                                                              : Ops::template sums_f64<false, Entropy>(p, len, md);
  } else {
    return chunk_min - m >= exp_cut_f32 ? Ops::template sums_f32<true, Entropy>(p, len, m)
                                        : Ops::template sums_f32<false, Entropy>(p, len, m);
  }
}

/// The bounded pass's sums of a chunk against m: the clamp skipped as in chunk_sums,
/// the search for terms equal to m only in a chunk whose max is m.
template <class Ops, class T>
[[nodiscard]] exp_sums chunk_sums_bounded(const T* p, index_t len, const chunk_range& cr, float m) noexcept {
  const bool has_max = cr.max == m;
  if (cr.min - m >= exp_cut_f32)
    return has_max ? Ops::template sums_bounded<true, true>(p, len, m)
                   : Ops::template sums_bounded<true, false>(p, len, m);
  return has_max ? Ops::template sums_bounded<false, true>(p, len, m)
                 : Ops::template sums_bounded<false, false>(p, len, m);
}

/// The statistics of p[0, n) with chunk primitives Ops; Acc = float: float
/// exponentials summed in float within a chunk, double across chunks; Acc = double:
/// double throughout. Entropy = false skips sum p log p (left NaN).
template <class Acc, bool Entropy, class Ops, class T>
[[nodiscard]] row_stats row_stats_chunked(const T* p, index_t n) noexcept {
  static_assert(std::is_same_v<Acc, float> || std::is_same_v<Acc, double>, "Acc is float or double");
  constexpr float ninf = -std::numeric_limits<float>::infinity();
  top2_state g;
  float m = ninf;  // running max (a logit value, so exact in float)
  double s = 0, t = 0;
  auto rescale = [&](double d, double e) {
    t = e * (t + s * d);
    s = e * s;
  };
  auto body = [&](index_t b, index_t len, const chunk_range& cr) {
    const exp_sums es = chunk_sums<Acc, Entropy, Ops>(p + b, len, cr.min, m);
    s += es.s;
    t += es.t;
  };
  auto one_read = [&](index_t b, index_t len, chunk_range& cr) {
    if constexpr (has_ranged_sums<Ops> && std::is_same_v<Acc, float>) {
      const exp_sums es = Ops::template sums_f32<true, Entropy, true>(p + b, len, m, &cr);
      if (!(cr.max <= m && cr.min - m >= exp_cut_f32 && es.s == es.s)) return false;  // body's Safe sums, or none
      s += es.s;
      t += es.t;
      return true;
    } else {
      return false;
    }
  };
  if (!walk_chunks<Ops>(p, n, stats_chunk, g, m, rescale, body, one_read)) return invalid_row_stats(g);
  return finish_row_stats(p, n, g, m, s, t, Entropy);
}

/// The bounded pass over p[0, n): row_stats with float exponentials summed in double
/// (sum p log p not computed) and a bound on |lse - exact lse| (see row_stats_bounded).
template <class Ops, class T>
[[nodiscard]] bounded_row_stats row_stats_bounded_chunked(const T* p, index_t n) noexcept {
  constexpr float ninf = -std::numeric_limits<float>::infinity();
  top2_state g;
  float m = ninf;
  double s = 0, sl = 0, sb = 0;  // sum e, its float-lane part, sum e |d|: relative to m
  const bool ok = walk_chunks<Ops>(
      p, n, stats_chunk, g, m,
      [&](double, double e) {  // each term's error is relative to itself: the sums scale alike
        s *= e;
        sl *= e;
        sb *= e;
      },
      [&](index_t b, index_t len, const chunk_range& cr) {
        const exp_sums es = chunk_sums_bounded<Ops>(p + b, len, cr, m);
        s += es.s;
        sl += es.st;
        sb += es.sb;
      });
  if (!ok) return {invalid_row_stats(g), 0};
  const row_stats r = finish_row_stats(p, n, g, m, s, 0, false);
  if (!r.valid()) return {r, 0};
  // Entries flushed below the cut-off hold < e^-86 each. Double rounding, counted
  // twice (this pass's sums and rescalings, and the float64 kernel's, whose value the
  // bound must also cover): 2 ulp per chunk and per lane add, 8 ulp for the exponentials;
  // lse = m + log s rounds within a few ulp of |lse|.
  const double dbl = (static_cast<double>(n) / stats_chunk + 64 + 8) * 0x1.0p-52;
  const double bound = tempered_rel_bound * sl + bounded_arg_bound * sb + 2 * dbl * s + static_cast<double>(n) * 1e-37;
  const double err =
      bound < 0.5 * s ? bound / (s - bound) + 2e-15 * (1 + std::fabs(r.lse)) : std::numeric_limits<double>::infinity();
  return {r, err};
}

}  // namespace detail
UNMASK_NAMESPACE_END
