// unmask: Dream's timestep schedule, k = int(n * (1 - s/t)) over linspace(1, eps, steps+1).
// Reproduces the reference's float32 arithmetic, batch-average count and 0-token steps.
#pragma once

#include <unmask/core/config.hpp>
#include <unmask/core/error.hpp>
#include <unmask/kernels/select_top_k.hpp>
#include <unmask/policy/schedule/concept.hpp>

#include <cmath>

UNMASK_NAMESPACE_BEGIN

/// Dream's schedule (Ye et al., "Dream 7B", 2025, `generation_utils.py: _sample`):
/// timesteps t_i = linspace(1, eps, steps + 1) in float32 (PyTorch's formula: start +
/// i*step below the midpoint, end - (n-1-i)*step above it); step i commits
/// k = int(n * (1 - t_{i+1} / t_i)) of the best candidates, all on the last step.
/// `n` is, as in the reference, the batch's masked count divided by the batch size
/// (float32), so rows get the same k; k is clamped to each row's candidates (the
/// reference would overwrite committed tokens with masks there). The first step often
/// commits 0 tokens (e.g. steps = n = 256): that wasted model call is kept, as in the
/// reference. Concept: schedule. Complexity O(candidates). Deterministic.
struct timestep_schedule {
  index_t steps = 1;
  double eps = 1e-3;
  bool batch_average = true;  ///< false: each row uses its own masked count

  /// t_i as PyTorch's float32 linspace computes it.
  [[nodiscard]] float t(index_t i) const noexcept {
    const index_t n = steps + 1;
    const float start = 1.0f, end = static_cast<float>(eps);
    const float step = (end - start) / static_cast<float>(n - 1);
    return i < n / 2 ? start + step * static_cast<float>(i) : end - step * static_cast<float>(n - i - 1);
  }
  /// Tokens to commit at step i when n (float32) tokens are masked.
  [[nodiscard]] index_t count(index_t i, float n) const noexcept {
    if (i >= steps - 1) return static_cast<index_t>(n);
    const float ratio = 1.0f - t(i + 1) / t(i);
    return static_cast<index_t>(n * ratio);
  }
  void select(const schedule_context& ctx, std::span<row_candidates> rows) const {
    for (auto& rc : rows) {
      const auto& st = ctx.rows[static_cast<std::size_t>(rc.row)];
      const float n = batch_average
                          ? static_cast<float>(ctx.batch_masked) / static_cast<float>(ctx.batch_rows)
                          : static_cast<float>(st.row_masked);
      mark_top_k(rc.items, count(st.window_step, n));
    }
  }
  [[nodiscard]] bool window_done(const row_state& st, index_t) const noexcept { return st.window_step >= steps; }
  [[nodiscard]] index_t max_window_steps(index_t) const noexcept { return steps; }
  void validate() const {
    detail::require(steps > 0, "steps", steps, "must be positive");
    detail::require(eps > 0 && eps < 1, "eps", eps, "must lie in (0, 1)");
  }
  /// Order only (top-k): no critical score (filterable_schedule).
  [[nodiscard]] static constexpr bool critical_between(double, double) noexcept { return false; }
  friend bool operator==(const timestep_schedule&, const timestep_schedule&) = default;
};
static_assert(schedule<timestep_schedule>);

UNMASK_NAMESPACE_END
