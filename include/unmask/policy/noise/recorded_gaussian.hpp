// unmask: caller-supplied standard normal draws, one span per step.
// How recorded runs (the golden traces) feed a continuous sampler the reference's own noise.
#pragma once

#include <unmask/core/config.hpp>
#include <unmask/core/error.hpp>
#include <unmask/policy/noise/gaussian_source.hpp>

#include <span>

UNMASK_NAMESPACE_BEGIN

/// `steps[k]` holds step k's draws for the whole state, `[batch][length][dim]` floats
/// (the layout of `torch.randn_like(x)`); `draw` returns a view into it, copying nothing.
/// Concept: checked_gaussian_source (`validate` checks every span's size before a run).
/// O(1) per position. Deterministic: it replays exactly what it was given. The caller
/// keeps the spans alive for the run.
struct recorded_gaussian {
  std::span<const std::span<const float>> steps;

  std::span<const float> draw(noise_address a, std::span<float> scratch) const noexcept {
    const std::size_t n = scratch.size();
    return steps[static_cast<std::size_t>(a.step)].subspan(static_cast<std::size_t>(a.flat) * n, n);
  }
  /// Throws `unmask::error` (shape_mismatch) unless there are at least `step_count` spans
  /// of exactly batch * length * dim floats each.
  void validate(index_t step_count, index_t batch, index_t length, index_t dim) const {
    detail::require(static_cast<index_t>(steps.size()) >= step_count, "recorded_gaussian.steps.size()", steps.size(),
                    "must cover every step of the run", errc::shape_mismatch);
    const auto want = static_cast<std::size_t>(batch * length * dim);
    for (std::size_t k = 0; k < static_cast<std::size_t>(step_count); ++k) {
      detail::require(steps[k].size() == want, "recorded_gaussian.steps[k].size()", steps[k].size(),
                      "must be batch * length * dim", errc::shape_mismatch);
    }
  }
  friend bool operator==(const recorded_gaussian& a, const recorded_gaussian& b) noexcept {
    return a.steps.data() == b.steps.data() && a.steps.size() == b.steps.size();
  }
};
static_assert(checked_gaussian_source<recorded_gaussian>);

UNMASK_NAMESPACE_END
