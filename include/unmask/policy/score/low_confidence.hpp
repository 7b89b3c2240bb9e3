// unmask: low-confidence remasking: the score is the probability of the proposed token.
// LLaDA / Fast-dLLM `low_confidence`, Dream `maskgit_plus`, DAEDAL's confidence.
#pragma once

#include <unmask/policy/score/concept.hpp>

UNMASK_NAMESPACE_BEGIN

/// Score = p(token) = exp(l[token] - lse) of the (transformed) logits: the k most
/// confident predictions commit and the rest are re-masked (LLaDA, Nie et al. 2025).
/// Concept: score_rule. O(1) from row_stats. Deterministic.
struct low_confidence {
  static constexpr bool monotone_in_lse = true;  ///< the float64 filter may bound it (lse_monotone_score)
  [[nodiscard]] double score(const candidate& c, random_counter) const noexcept { return c.token_prob(); }
  friend bool operator==(const low_confidence&, const low_confidence&) = default;
};
static_assert(score_rule<low_confidence>);

UNMASK_NAMESPACE_END
