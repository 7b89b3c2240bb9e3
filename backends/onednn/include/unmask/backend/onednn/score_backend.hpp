// unmask: the oneDNN backend's stats_backend: the sampler's score pass through a score_plan.
// Plugs into sampler<..., Backend>; same decisions as portable_backend.
#pragma once

#include <unmask/backend/onednn/score_plan.hpp>
#include <unmask/core/config.hpp>
#include <unmask/kernels/row_stats.hpp>
#include <unmask/kernels/stats_backend.hpp>

#include <span>

UNMASK_NAMESPACE_BEGIN
namespace onednn {

/// The sampler's stats pass (concept stats_backend) run by a score_plan of the oneDNN
/// backend (not owned; its rows() must be at least the rows x capacity the sampler
/// scores in one step, its vocab() the canvas vocabulary). What runs is the plan's
/// measured choice (see score_plan); argmax / top-2 equal row_stats_of's, so recorded
/// reference runs replay identically. One read of each row; no allocation.
/// Deterministic for any thread count of the plan.
struct score_backend {
  const score_plan* plan = nullptr;

  void row_stats(std::span<const std::span<const float>> rows, std::span<unmask::row_stats> out) const {
    unmask::detail::require(plan != nullptr, "score_backend.plan", "null", "must point to a score_plan");
    plan->run(rows, out);
  }
  friend bool operator==(const score_backend&, const score_backend&) = default;
};
static_assert(stats_backend<score_backend>);

}  // namespace onednn
UNMASK_NAMESPACE_END
