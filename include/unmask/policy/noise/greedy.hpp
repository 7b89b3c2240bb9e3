// unmask: temperature 0: the proposed token is the argmax (first maximal index).
// No randomness.
#pragma once

#include <unmask/policy/noise/token_sampler.hpp>

UNMASK_NAMESPACE_BEGIN

/// Argmax token, lowest index among equal logits (torch.argmax). Concept:
/// token_sampler. O(1) from row_stats. Deterministic.
struct greedy {
  static constexpr bool reads_only_argmax = true;  ///< argmax_token_sampler: the float64 filter keeps its picks
  [[nodiscard]] token_choice pick(std::span<const float>, const row_stats& s, random_counter) const noexcept {
    return {s.top1, s.max1};
  }
  friend bool operator==(const greedy&, const greedy&) = default;
};
static_assert(token_sampler<greedy>);

UNMASK_NAMESPACE_END
