// unmask: Fast-dLLM's factor rule: the largest n with (m+1)(1 - c_(m)) <= f for all m <= n.
// `reference_off_by_one` reproduces the released code's last-rank quirk.
#pragma once

#include <unmask/core/config.hpp>
#include <unmask/core/error.hpp>
#include <unmask/kernels/select_top_k.hpp>
#include <unmask/policy/schedule/concept.hpp>

#include <algorithm>
#include <cmath>

UNMASK_NAMESPACE_BEGIN

/// Fast-dLLM's factor rule (`get_transfer_index_dynamic`): with scores sorted best
/// first c_1 >= c_2 >= ..., commit the n best where n is the first rank whose score
/// fails c_n >= 1 - f / (n + 1) (rank 1 always passes), or all when none fails.
/// Quirk (`reference_off_by_one` = true, the released code): when the first failing
/// rank is the last one, all candidates commit, the failing one included. false
/// commits only the passing prefix. Concept: schedule. Complexity O(n log n) per row
/// (the rule reads the sorted prefix). Deterministic (ties: lowest position).
struct confidence_factor {
  double factor = 1.0;
  bool reference_off_by_one = true;

  void select(const schedule_context&, std::span<row_candidates> rows) const {
    for (auto& rc : rows) {
      auto& c = rc.items;
      const auto n = static_cast<index_t>(c.size());
      if (n == 0) continue;
      std::sort(c.begin(), c.end(), better_candidate{});
      index_t first_fail = n;
      for (index_t i = 1; i < n; ++i)
        if (c[static_cast<std::size_t>(i)].score < 1.0 - factor / static_cast<double>(i + 2)) {
          first_fail = i;
          break;
        }
      index_t k = first_fail;
      if (reference_off_by_one && first_fail == n - 1) k = n;
      mark_top_k(c, std::max<index_t>(k, 1));
    }
  }
  [[nodiscard]] bool window_done(const row_state&, index_t masks_left) const noexcept { return masks_left == 0; }
  [[nodiscard]] index_t max_window_steps(index_t window_capacity) const noexcept { return window_capacity; }
  void validate() const { detail::require(factor > 0, "factor", factor, "must be positive"); }
  /// Critical scores: select's 1 - factor / j for ranks j >= 3 (filterable_schedule).
  /// They increase with j, so the first j whose value is >= lo (found from
  /// j ~ factor / (1 - lo), then stepped; at most a few steps) decides.
  [[nodiscard]] bool critical_between(double lo, double hi) const noexcept {
    if (!(lo < 1.0)) return lo == 1.0;  // the values are <= 1 (== 1 only by rounding, for a tiny factor)
    const double j0 = std::floor(factor / (1.0 - lo)) - 2.0;
    double j = j0 > 3.0 ? j0 : 3.0;
    for (int guard = 0; guard < 8; ++guard, j += 1.0) {
      const double v = 1.0 - factor / j;
      if (v > hi) return false;
      if (v >= lo) return true;
    }
    return true;  // not settled in 8 steps (rounding at extreme factors): treat as critical
  }
  friend bool operator==(const confidence_factor&, const confidence_factor&) = default;
};
static_assert(schedule<confidence_factor>);

UNMASK_NAMESPACE_END
