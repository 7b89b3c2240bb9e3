// unmask: negative entropy of the position's distribution (Dream's `entropy`).
// Higher (closer to 0) is more confident.
#pragma once

#include <unmask/policy/score/concept.hpp>

UNMASK_NAMESPACE_BEGIN

/// Score = sum_v p(v) log p(v) = -H, from the one-pass statistics (Dream, Ye et al.
/// 2025, `neg_entropy`). The reference adds 1e-10 inside the log; the exact form
/// differs by at most ~1e-10 * V in absolute terms, far below any decision in the
/// recorded traces. Concept: score_rule. O(1). Deterministic.
struct neg_entropy_score {
  [[nodiscard]] double score(const candidate& c, random_counter) const noexcept { return c.stats.sum_p_log_p; }
  friend bool operator==(const neg_entropy_score&, const neg_entropy_score&) = default;
};
static_assert(score_rule<neg_entropy_score>);

UNMASK_NAMESPACE_END
