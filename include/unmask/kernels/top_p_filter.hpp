// unmask: top-p (nucleus) logits filtering (Dream's top_p) without sorting the row.
// A mass histogram over value buckets finds the crossing; only that bucket is sorted.
#pragma once

#include <unmask/core/config.hpp>
#include <unmask/core/error.hpp>
#include <unmask/kernels/detail/with_chunk_ops.hpp>
#include <unmask/kernels/row_stats_simd.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <span>

UNMASK_NAMESPACE_BEGIN

/// Dream's top-p filter on an (already tempered) row: in the order value descending,
/// index ascending (torch's stable sort), keep entries up to and including the first
/// whose cumulative softmax mass exceeds top_p; the rest become float's lowest value.
/// top_p >= 1 copies. Instead of sorting V entries: p_v = exp(l_v - lse) (one
/// vectorised pass after row_stats_simd), a histogram of mass over 2048 value buckets
/// below the max (one pass), then only the bucket where the cumulative mass crosses
/// top_p is sorted. Equals dream_logits's top-p step entry for entry except when a
/// cumulative sum lies within rounding (~1e-15) of top_p (the sums run in another
/// order). Scratch: `prob` and `idx` of row.size(). in and out may alias. An invalid
/// row (NaN, +Inf, all -Inf) is copied unchanged (the statistics pass rejects it).
/// Complexity: ~3 reads of the row (it stays in L2) plus a sort of one bucket.
inline void top_p_filter(std::span<const float> in, std::span<float> out, double top_p, std::span<double> prob,
                         std::span<index_t> idx, simd_level level = best_simd_level()) {
  const auto n = static_cast<index_t>(in.size());
  detail::require(top_p > 0 && top_p <= 1, "top_p", top_p, "must lie in (0, 1]");
  detail::require(out.size() >= in.size(), "out.size()", out.size(), "must hold the row", errc::shape_mismatch);
  detail::require(prob.size() >= in.size() && idx.size() >= in.size(), "prob.size()", prob.size(),
                  "prob and idx must hold row.size() entries", errc::shape_mismatch);
  const float* x = in.data();
  const row_stats st = n > 0 ? row_stats_simd<double>(in, level) : row_stats{};
  if (top_p >= 1 || n == 0 || !st.valid()) {
    if (out.data() != in.data()) std::copy(in.begin(), in.end(), out.begin());
    return;
  }
  detail::with_chunk_ops(level, [&](auto ops) { decltype(ops)::exps_tempered(x, n, st.lse, 1.0, prob.data()); });

  // Buckets of width w below the max: b(v) = floor((max - l_v) / w), monotone in l_v.
  constexpr index_t buckets = 2048;
  constexpr double span_below_max = 128.0;  // e^-128 n is far below any top_p < 1's rounding
  constexpr double scale = static_cast<double>(buckets) / span_below_max;
  const double mx = st.max1;
  auto bucket = [&](float l) {
    const double b = (mx - static_cast<double>(l)) * scale;
    return b < static_cast<double>(buckets - 1) ? static_cast<index_t>(b) : buckets - 1;  // -Inf: last
  };
  std::array<double, buckets> mass{};
  for (index_t v = 0; v < n; ++v) mass[static_cast<std::size_t>(bucket(x[v]))] += prob[static_cast<std::size_t>(v)];
  double acc = 0;
  index_t bc = buckets;  // the bucket where the cumulative mass first exceeds top_p
  for (index_t b = 0; b < buckets; ++b) {
    if (acc + mass[static_cast<std::size_t>(b)] > top_p) {
      bc = b;
      break;
    }
    acc += mass[static_cast<std::size_t>(b)];
  }
  // Sort one bucket (value desc, index asc) and continue the cumulative sum in it.
  auto scan_bucket = [&](index_t b) -> index_t {
    index_t m = 0;
    for (index_t v = 0; v < n; ++v)
      if (bucket(x[v]) == b) idx[static_cast<std::size_t>(m++)] = v;
    std::sort(idx.begin(), idx.begin() + m, [&](index_t a, index_t c) { return x[a] != x[c] ? x[a] > x[c] : a < c; });
    for (index_t i = 0; i < m; ++i) {
      const index_t v = idx[static_cast<std::size_t>(i)];
      acc += prob[static_cast<std::size_t>(v)];
      if (acc > top_p) return v;
    }
    return -1;
  };
  index_t crossing = -1;
  // Normally the crossing lies in bucket bc; if rounding (bucket sum vs sorted sum)
  // moved it past bc, the following nonempty buckets continue the order.
  for (index_t b = bc; b < buckets && crossing < 0; ++b)
    if (mass[static_cast<std::size_t>(b)] > 0) crossing = scan_bucket(b);
  if (crossing < 0) {  // the mass never exceeds top_p: keep everything
    if (out.data() != in.data()) std::copy(in.begin(), in.end(), out.begin());
    return;
  }
  constexpr float lowest = std::numeric_limits<float>::lowest();
  const float xc = x[crossing];
  for (index_t v = 0; v < n; ++v) {
    const float l = x[v];
    out[static_cast<std::size_t>(v)] = (l > xc || (l == xc && v <= crossing)) ? l : lowest;
  }
}

UNMASK_NAMESPACE_END
