// unmask: the score (remasking rule) concept: how good a candidate is.
// Models: low_confidence, margin_score, neg_entropy_score, random_score.
#pragma once

#include <unmask/core/candidate.hpp>
#include <unmask/core/config.hpp>
#include <unmask/core/philox.hpp>

#include <concepts>

UNMASK_NAMESPACE_BEGIN

/// A score rule maps a candidate (its proposed token and the one-pass statistics of
/// its logits row) to a score; higher commits first. It never re-reads the logits, so
/// a backend that produces `row_stats` in its own kernel serves every rule. `where`
/// addresses the rule's random draws, if any.
template <class R>
concept score_rule = requires(const R& r, const candidate& c, random_counter where) {
  { r.score(c, where) } -> std::convertible_to<double>;
};

/// A score rule the float64 decision filter can bound (simd_backend::float64_filter):
/// with the candidate's token and logits fixed, its score is a monotone function of the
/// row's lse, so an lse interval maps to a score interval through the two ends. Declared
/// by `static constexpr bool monotone_in_lse = true`. Rules without it (e.g. one that
/// reads the entropy) are always scored from float64 statistics.
template <class R>
concept lse_monotone_score = score_rule<R> && requires {
  requires R::monotone_in_lse;
};

UNMASK_NAMESPACE_END
