// unmask: top1 - top2 probability margin (Dream's `topk_margin`).
// Independent of which token was proposed.
#pragma once

#include <unmask/policy/score/concept.hpp>

UNMASK_NAMESPACE_BEGIN

/// Score = p(top1) - p(top2) of the (transformed) logits (Dream, Ye et al. 2025,
/// `margin_confidence`). Concept: score_rule. O(1) from row_stats. Deterministic.
struct margin_score {
  static constexpr bool monotone_in_lse = true;  ///< the float64 filter may bound it (lse_monotone_score)
  [[nodiscard]] double score(const candidate& c, random_counter) const noexcept {
    return c.stats.p1() - c.stats.p2();
  }
  friend bool operator==(const margin_score&, const margin_score&) = default;
};
static_assert(score_rule<margin_score>);

UNMASK_NAMESPACE_END
