// unmask: one position the schedule may commit this step.
// Produced by the score pass, marked by the schedule, committed by the loop.
#pragma once

#include <unmask/core/config.hpp>
#include <unmask/kernels/row_stats.hpp>

#include <span>

UNMASK_NAMESPACE_BEGIN

/// A masked position inside the active window with the token the noise policy chose,
/// the score the score rule gave it and the statistics of its logits row.
struct candidate {
  index_t position = 0;      ///< position in the row
  token_id token = 0;        ///< proposed token
  double score = 0;          ///< higher commits first
  double token_logit = 0;    ///< logit of `token` (after the logits transform)
  row_stats stats{};         ///< one-pass statistics of the position's logits
  bool commit = false;       ///< set by the schedule
  std::span<const float> logits;  ///< the position's logits row (after guidance and the transform's filters)

  /// Probability of the proposed token under the (transformed) logits.
  [[nodiscard]] double token_prob() const noexcept { return stats.prob_of_logit(token_logit); }
};

/// Orders candidates best first: higher score, then lower position (the library's
/// documented tie-break; PyTorch's topk order among ties is unspecified).
struct better_candidate {
  bool operator()(const candidate& a, const candidate& b) const noexcept {
    return a.score != b.score ? a.score > b.score : a.position < b.position;
  }
};

UNMASK_NAMESPACE_END
