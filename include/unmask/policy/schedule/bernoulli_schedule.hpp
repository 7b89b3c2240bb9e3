// unmask: the `origin` schedule of SMDM and Dream: each mask is revealed with probability 1 - s/t.
// One Philox coin per candidate; every remaining mask is revealed on the last step.
#pragma once

#include <unmask/core/config.hpp>
#include <unmask/core/error.hpp>
#include <unmask/core/philox.hpp>
#include <unmask/policy/schedule/concept.hpp>
#include <unmask/policy/schedule/timestep_schedule.hpp>

#include <cstdint>
#include <span>

UNMASK_NAMESPACE_BEGIN

/// The reverse process of a masked diffusion model sampled exactly (`alg='origin'` of
/// SMDM, Nie et al., "Scaling up Masked Diffusion Models on Text", 2024,
/// `diff_sample`, and of Dream, Ye et al. 2025, `_sample`): with timesteps t_i =
/// linspace(1, eps, steps + 1) in float32 (`timestep_schedule::t`), at step i every
/// candidate is revealed independently with probability p_i = 1 - t_{i+1} / t_i
/// (float32), and with probability 1 on the last step, so the number revealed per step
/// is random and may be 0. The coin is u < p_i with u = U(0, 1) from Philox at (seed,
/// stream 3, run step, row, position); the reference's torch.rand stream is not
/// reproduced (same distribution). Step i is the row's window step; the window ends
/// after `steps` steps. The score rule is ignored. Concept: schedule. O(candidates)
/// per step, one Philox draw each. Deterministic given the seed, identical everywhere.
struct bernoulli_schedule {
  index_t steps = 1;
  double eps = 1e-5;  ///< SMDM's default; Dream's is 1e-3
  std::uint64_t seed = 0;
  static constexpr std::uint32_t stream = 3;

  [[nodiscard]] timestep_schedule timesteps() const noexcept { return {.steps = steps, .eps = eps}; }
  /// t_i as PyTorch's float32 linspace computes it.
  [[nodiscard]] float t(index_t i) const noexcept { return timesteps().t(i); }
  /// Reveal probability at step i (float32, as the reference computes 1 - s / t).
  [[nodiscard]] float probability(index_t i) const noexcept { return i >= steps - 1 ? 1.0f : 1.0f - t(i + 1) / t(i); }
  void select(const schedule_context& ctx, std::span<row_candidates> rows) const {
    for (auto& rc : rows) {
      const float p = probability(ctx.rows[static_cast<std::size_t>(rc.row)].window_step);
      for (auto& c : rc.items) {
        const random_counter where{stream, static_cast<std::uint32_t>(ctx.step), static_cast<std::uint32_t>(rc.row),
                                   static_cast<std::uint32_t>(c.position)};
        c.commit = p >= 1.0f || philox_uniform(seed, where) < static_cast<double>(p);
      }
    }
  }
  [[nodiscard]] bool window_done(const row_state& st, index_t) const noexcept { return st.window_step >= steps; }
  [[nodiscard]] index_t max_window_steps(index_t) const noexcept { return steps; }
  void validate() const { timesteps().validate(); }
  /// Scores unread: no critical score (filterable_schedule).
  [[nodiscard]] static constexpr bool critical_between(double, double) noexcept { return false; }
  friend bool operator==(const bernoulli_schedule&, const bernoulli_schedule&) = default;
};
static_assert(schedule<bernoulli_schedule>);

UNMASK_NAMESPACE_END
