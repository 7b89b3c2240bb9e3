// unmask: Fast-dLLM's confidence-threshold parallel decoding.
// Commit every candidate scoring at least the threshold, and always the best one.
#pragma once

#include <unmask/core/config.hpp>
#include <unmask/core/error.hpp>
#include <unmask/kernels/select_top_k.hpp>
#include <unmask/policy/schedule/concept.hpp>

UNMASK_NAMESPACE_BEGIN

/// Fast-dLLM (Wu et al., "Fast-dLLM", 2025, `get_transfer_index` with `threshold`):
/// the best candidate of the window always commits, so a step never commits nothing;
/// every other candidate commits when its score >= threshold (the reference rejects
/// with a strict <). The window ends when it has no masks. Concept: schedule.
/// Complexity O(candidates). Deterministic.
struct confidence_threshold {
  double threshold = 0.9;

  void select(const schedule_context&, std::span<row_candidates> rows) const {
    for (auto& rc : rows) {
      candidate* best = best_candidate(rc.items);
      if (best == nullptr) continue;
      best->commit = true;
      for (auto& c : rc.items)
        if (c.score >= threshold) c.commit = true;
    }
  }
  [[nodiscard]] bool window_done(const row_state&, index_t masks_left) const noexcept { return masks_left == 0; }
  [[nodiscard]] index_t max_window_steps(index_t window_capacity) const noexcept { return window_capacity; }
  void validate() const {
    detail::require(threshold >= 0 && threshold <= 1, "threshold", threshold, "must lie in [0, 1]");
  }
  /// The threshold is the one critical score (filterable_schedule).
  [[nodiscard]] bool critical_between(double lo, double hi) const noexcept { return lo <= threshold && threshold <= hi; }
  friend bool operator==(const confidence_threshold&, const confidence_threshold&) = default;
};
static_assert(schedule<confidence_threshold>);

UNMASK_NAMESPACE_END
