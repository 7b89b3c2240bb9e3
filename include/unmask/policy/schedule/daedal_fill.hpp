// unmask: DAEDAL's fill rule: every candidate above the high threshold, else the best one,
// never a prediction of the mask token.
#pragma once

#include <unmask/core/error.hpp>
#include <unmask/kernels/select_top_k.hpp>
#include <unmask/policy/schedule/concept.hpp>

#include <cmath>
#include <limits>

UNMASK_NAMESPACE_BEGIN

/// DAEDAL's Stage-2 decoding rule (Li et al. 2025): commit every candidate of the
/// window whose proposed token has probability > `high_threshold` (strict) and is not
/// the mask token. If none qualifies, commit the single best-scored candidate that does
/// not propose the mask token; if every candidate proposes it, re-score each with the
/// mask token's logit set to -Inf and commit the most probable token at the most
/// confident position (reading the candidate's logits row: an extra O(V) pass per
/// candidate, only in this rare case). So a window with masks always commits >= 1
/// token. The window ends when it has no masks. Concept: schedule. O(candidates).
/// Deterministic (ties: lowest position).
struct daedal_fill {
  double high_threshold = 0.9;

  void select(const schedule_context& ctx, std::span<row_candidates> rows) const {
    for (auto& rc : rows) {
      bool any = false;
      for (auto& c : rc.items)
        if (c.token != ctx.mask_id && c.token_prob() > high_threshold) c.commit = any = true;
      if (any || rc.items.empty()) continue;
      candidate* best = nullptr;
      for (auto& c : rc.items)
        if (c.token != ctx.mask_id && (best == nullptr || better_candidate{}(c, *best))) best = &c;
      if (best == nullptr) best = rescore_without_mask(rc.items, ctx.mask_id);
      if (best != nullptr) best->commit = true;
    }
  }
  [[nodiscard]] bool window_done(const row_state&, index_t masks_left) const noexcept { return masks_left == 0; }
  [[nodiscard]] index_t max_window_steps(index_t window_capacity) const noexcept { return window_capacity; }
  void validate() const {
    detail::require(high_threshold >= 0 && high_threshold <= 1, "high_conf_threshold", high_threshold,
                    "must lie in [0, 1]");
  }
  friend bool operator==(const daedal_fill&, const daedal_fill&) = default;

 private:
  // softmax over the row without the mask token: the best token and its probability.
  static candidate* rescore_without_mask(std::span<candidate> items, token_id mask_id) {
    candidate* best = nullptr;
    double best_p = -1;
    token_id best_t = -1;
    for (auto& c : items) {
      const auto l = c.logits;
      double m = -std::numeric_limits<double>::infinity();
      token_id arg = -1;
      for (std::size_t v = 0; v < l.size(); ++v)
        if (static_cast<token_id>(v) != mask_id && l[v] > m) m = l[v], arg = static_cast<token_id>(v);
      if (arg < 0) continue;
      double z = 0;
      for (std::size_t v = 0; v < l.size(); ++v)
        if (static_cast<token_id>(v) != mask_id) z += std::exp(static_cast<double>(l[v]) - m);
      const double p = 1.0 / z;
      if (p > best_p) best_p = p, best = &c, best_t = arg;  // items are in position order
    }
    if (best != nullptr) best->token = best_t;
    return best;
  }
};
static_assert(schedule<daedal_fill>);

UNMASK_NAMESPACE_END
