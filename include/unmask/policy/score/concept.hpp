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

UNMASK_NAMESPACE_END
