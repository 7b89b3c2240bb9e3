// unmask: the check of the float64 decision filter: which score intervals could change a decision.
// Intervals that meet another interval or a critical value are flagged for recomputation.
#pragma once

#include <unmask/core/config.hpp>
#include <unmask/core/error.hpp>

#include <algorithm>
#include <span>

UNMASK_NAMESPACE_BEGIN

/// Sets flags[i] = 1 for every score interval [lo[i], hi[i]] of nonzero width that meets
/// another interval (of any width) or for which `critical(lo[i], hi[i])` is true, and
/// flags[i] = 0 otherwise; returns the number flagged. Points (lo == hi) are exact and
/// never flagged. Why this suffices (one round): once the flagged intervals are
/// replaced by their exact points, which lie inside them, every interval left meets no
/// other and contains no critical value, so any decision that reads scores only
/// through their order and through those critical values is the same for every score
/// inside the intervals: the exact scores' decision. `order` is scratch (at least
/// lo.size()). Throws unmask::error on size mismatch. Complexity O(n log n) (a sort by
/// lo, then one sweep: an interval meets an earlier one iff the running max of hi
/// reaches its lo, a later one iff the next lo is within its hi); no allocation.
/// Deterministic.
template <class Critical>
index_t flag_uncertain(std::span<const double> lo, std::span<const double> hi, const Critical& critical,
                       std::span<index_t> order, std::span<unsigned char> flags) {
  const std::size_t n = lo.size();
  detail::require(hi.size() == n, "hi.size()", hi.size(), "must equal lo.size()", errc::shape_mismatch);
  detail::require(flags.size() >= n, "flags.size()", flags.size(), "must be at least lo.size()", errc::shape_mismatch);
  detail::require(order.size() >= n, "order.size()", order.size(), "must be at least lo.size()", errc::shape_mismatch);
  for (std::size_t i = 0; i < n; ++i) order[i] = static_cast<index_t>(i);
  std::sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n), [&](index_t a, index_t b) {
    const auto ua = static_cast<std::size_t>(a), ub = static_cast<std::size_t>(b);
    return lo[ua] != lo[ub] ? lo[ua] < lo[ub] : a < b;
  });
  index_t count = 0;
  double reach = 0;  // max hi over the intervals before position t (in lo order)
  for (std::size_t t = 0; t < n; ++t) {
    const auto i = static_cast<std::size_t>(order[t]);
    bool f = false;
    if (lo[i] < hi[i]) {
      f = (t > 0 && reach >= lo[i]) || (t + 1 < n && lo[static_cast<std::size_t>(order[t + 1])] <= hi[i]) ||
          static_cast<bool>(critical(lo[i], hi[i]));
    }
    flags[i] = f ? 1 : 0;
    count += f ? 1 : 0;
    reach = t == 0 ? hi[i] : std::max(reach, hi[i]);
  }
  return count;
}

UNMASK_NAMESPACE_END
