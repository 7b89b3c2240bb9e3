// unmask: statistics of one position's logits plus one tracked token's logit.
// What length policies (DAEDAL's EOS confidence) read at every generated position.
#pragma once

#include <unmask/core/config.hpp>
#include <unmask/kernels/row_stats.hpp>

UNMASK_NAMESPACE_BEGIN

/// row_stats of a position and the logit of the tracked token (e.g. EOS).
struct position_stats {
  row_stats stats{};
  double tracked_logit = 0;
  /// p(tracked token) under the position's distribution.
  [[nodiscard]] double tracked_prob() const noexcept { return stats.prob_of_logit(tracked_logit); }
};

UNMASK_NAMESPACE_END
