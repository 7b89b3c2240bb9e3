// unmask: random remasking: a uniform score per candidate from the Philox stream.
// LLaDA `remasking='random'`.
#pragma once

#include <unmask/policy/score/concept.hpp>

#include <cstdint>

UNMASK_NAMESPACE_BEGIN

/// Score = U(0, 1) drawn at (seed, stream 2, step, row, position): the schedule's k
/// positions are a uniformly random subset of the candidates (LLaDA `random`).
/// Concept: score_rule. O(1). Deterministic given the seed (same on CPU and GPU);
/// not the reference's torch.rand stream.
struct random_score {
  static constexpr bool monotone_in_lse = true;  ///< the float64 filter may bound it (lse_monotone_score)
  std::uint64_t seed = 0;
  static constexpr std::uint32_t stream = 2;
  [[nodiscard]] double score(const candidate&, random_counter where) const noexcept {
    where.stream = stream;
    return philox_uniform(seed, where);
  }
  friend bool operator==(const random_score&, const random_score&) = default;
};
static_assert(score_rule<random_score>);

UNMASK_NAMESPACE_END
