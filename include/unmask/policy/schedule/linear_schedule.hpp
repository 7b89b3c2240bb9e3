// unmask: LLaDA's linear schedule (get_num_transfer_tokens), per window.
// k = m / S + (i < m % S) tokens at step i of a window that started with m masks.
#pragma once

#include <unmask/core/config.hpp>
#include <unmask/core/error.hpp>
#include <unmask/kernels/select_top_k.hpp>
#include <unmask/policy/schedule/concept.hpp>

UNMASK_NAMESPACE_BEGIN

/// LLaDA's token schedule (Nie et al., "Large Language Diffusion Models", 2025,
/// `generate.py: get_num_transfer_tokens`): a window that starts with m masks and
/// gets S steps commits m / S + 1 tokens in its first m % S steps and m / S after
/// (front-loaded remainder), the best-scored first. Concept: schedule.
/// `run_all_steps` = true is LLaDA: a window always takes S steps, even those that
/// commit 0 tokens (when S > m; each still costs a model call). false is Fast-dLLM's
/// fixed mode: the window ends as soon as it has no masks.
/// Complexity: O(candidates) per row per step. Deterministic (ties: lowest position).
struct linear_schedule {
  index_t steps_per_window = 1;  ///< S
  bool run_all_steps = true;

  [[nodiscard]] index_t count(const row_state& st) const noexcept {
    const index_t m = st.window_masked, s = steps_per_window;
    return m / s + (st.window_step < m % s ? 1 : 0);
  }
  void select(const schedule_context& ctx, std::span<row_candidates> rows) const {
    for (auto& rc : rows) mark_top_k(rc.items, count(ctx.rows[static_cast<std::size_t>(rc.row)]));
  }
  [[nodiscard]] bool window_done(const row_state& st, index_t masks_left) const noexcept {
    return st.window_step >= steps_per_window || (!run_all_steps && masks_left == 0);
  }
  [[nodiscard]] index_t max_window_steps(index_t) const noexcept { return steps_per_window; }
  void validate() const {
    detail::require(steps_per_window > 0, "steps_per_window", steps_per_window, "must be positive");
  }
  /// Order only (top-k): no critical score (filterable_schedule).
  [[nodiscard]] static constexpr bool critical_between(double, double) noexcept { return false; }
  friend bool operator==(const linear_schedule&, const linear_schedule&) = default;
};
static_assert(schedule<linear_schedule>);

UNMASK_NAMESPACE_END
