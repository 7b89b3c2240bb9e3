// unmask: SMDM's batch-global timestep schedule: k = int(N * (1 - s/t)) best of the whole batch.
// N counts the candidates of every row; the top k are chosen across rows together.
#pragma once

#include <unmask/core/candidate.hpp>
#include <unmask/core/config.hpp>
#include <unmask/core/error.hpp>
#include <unmask/policy/schedule/concept.hpp>
#include <unmask/policy/schedule/timestep_schedule.hpp>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <limits>
#include <span>

UNMASK_NAMESPACE_BEGIN

namespace detail {

// Order-preserving map of a (non-NaN) double onto uint64; -0 and +0 map alike.
[[nodiscard]] inline std::uint64_t score_key(double d) noexcept {
  const auto b = std::bit_cast<std::uint64_t>(d + 0.0);
  constexpr std::uint64_t sign = std::uint64_t{1} << 63;
  return (b & sign) != 0 ? ~b : (b | sign);
}

// Marks the k best candidates of all rows together: score descending, then lower
// (row, position). Sorts `rows` by row and each row best first; allocation-free.
// The k-th best score is found by bisecting its 64-bit key (at most 64 rounds of
// one binary search per row), then everything above it and the first ties commit.
inline void mark_top_k_across_rows(std::span<row_candidates> rows, index_t k) {
  index_t total = 0;
  for (const auto& rc : rows) total += static_cast<index_t>(rc.items.size());
  k = std::clamp<index_t>(k, 0, total);
  if (k == 0) return;
  if (k == total) {
    for (auto& rc : rows)
      for (auto& c : rc.items) c.commit = true;
    return;
  }
  std::sort(rows.begin(), rows.end(), [](const row_candidates& a, const row_candidates& b) { return a.row < b.row; });
  for (auto& rc : rows) std::sort(rc.items.begin(), rc.items.end(), better_candidate{});
  auto at_least = [&](std::uint64_t key) {  // candidates whose score key is >= key
    index_t n = 0;
    for (const auto& rc : rows) {
      const auto end = std::partition_point(rc.items.begin(), rc.items.end(),
                                            [key](const candidate& c) { return score_key(c.score) >= key; });
      n += static_cast<index_t>(end - rc.items.begin());
    }
    return n;
  };
  // Largest key with at_least(key) >= k: the key of the k-th best score.
  std::uint64_t lo = 0, hi = std::numeric_limits<std::uint64_t>::max();
  for (int round = 0; round < 64 && lo < hi; ++round) {
    const std::uint64_t mid = lo + (hi - lo) / 2 + 1;
    if (at_least(mid) >= k)
      lo = mid;
    else
      hi = mid - 1;
  }
  index_t left = k;
  for (auto& rc : rows)
    for (auto& c : rc.items) {
      if (score_key(c.score) <= lo) break;
      c.commit = true;
      --left;
    }
  for (auto& rc : rows)  // ties at the k-th score: lower row, then lower position
    for (auto& c : rc.items) {
      if (left == 0) return;
      const auto key = score_key(c.score);
      if (key < lo) break;
      if (key == lo) c.commit = true, --left;
    }
}

}  // namespace detail

/// SMDM's `greddy` schedule (Nie et al., "Scaling up Masked Diffusion Models on Text",
/// 2024, `eval/gen_model_answer.py: diff_sample`): timesteps t_i = linspace(1, eps,
/// steps + 1) in float32 as PyTorch computes it (`timestep_schedule::t`); step i commits
/// k = int(N * (1 - t_{i+1} / t_i)) (float32 arithmetic) and everything on the last
/// step, where N is the number of candidates of the WHOLE batch (with `whole_canvas`,
/// every mask of the canvas, prompts included) and the k most confident are chosen
/// across all rows together, so rows may get different counts in a step. Ties go to
/// the lower (row, position) in batch-major order (PyTorch's topk leaves them
/// unspecified). k can be 0 (the step then changes nothing but still costs a model
/// call, as in the reference). Step i is the run's step (`schedule_context::step`); each
/// row's window ends after `steps` steps. Meant for `whole_canvas`. Scores must not be NaN.
/// Concept: schedule. Complexity: O(C log C + 64 R log C) per step for C candidates in R
/// rows; no allocation. Deterministic.
struct global_timestep_schedule {
  index_t steps = 1;
  double eps = 1e-5;

  [[nodiscard]] timestep_schedule timesteps() const noexcept { return {.steps = steps, .eps = eps}; }
  /// t_i as PyTorch's float32 linspace computes it.
  [[nodiscard]] float t(index_t i) const noexcept { return timesteps().t(i); }
  /// Positions to commit at step i when the batch has n candidates.
  [[nodiscard]] index_t count(index_t i, index_t n) const noexcept {
    return i >= steps - 1 ? n : timesteps().count(i, static_cast<float>(n));
  }
  void select(const schedule_context& ctx, std::span<row_candidates> rows) const {
    index_t n = 0;
    for (const auto& rc : rows) n += static_cast<index_t>(rc.items.size());
    detail::mark_top_k_across_rows(rows, count(ctx.step, n));
  }
  [[nodiscard]] bool window_done(const row_state& st, index_t) const noexcept { return st.window_step >= steps; }
  [[nodiscard]] index_t max_window_steps(index_t) const noexcept { return steps; }
  void validate() const { timesteps().validate(); }
  /// Order only (batch top-k): no critical score (filterable_schedule).
  [[nodiscard]] static constexpr bool critical_between(double, double) noexcept { return false; }
  friend bool operator==(const global_timestep_schedule&, const global_timestep_schedule&) = default;
};
static_assert(schedule<global_timestep_schedule>);

UNMASK_NAMESPACE_END
