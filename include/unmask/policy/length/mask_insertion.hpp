// unmask: DAEDAL Stage 2: where the model is unsure, one mask becomes `factor` masks.
// At most one insertion per row per step, inside the active window, below the cap.
#pragma once

#include <unmask/core/error.hpp>
#include <unmask/policy/length/concept.hpp>
#include <unmask/policy/length/eos_confidence.hpp>

UNMASK_NAMESPACE_BEGIN

/// DAEDAL's iterative mask insertion (Li et al. 2025, Stage 2). After a step's
/// commits, in each active row whose EOS confidence is below `eos_threshold` and whose
/// generation is shorter than `max_gen_length`: among the window's candidates that did
/// not commit and whose proposed token has probability < `low_threshold`, the least
/// confident one (lowest position on ties) is replaced by `factor` masks (net
/// factor - 1 more; the row is cut at the cap). A row at the cap continues in
/// denoise-only mode. Works under any schedule and score rule (it reads each
/// candidate's token probability, not its score). Concept: length_policy.
/// O(candidates) per row plus the O(length) move of the insertion. Deterministic.
struct mask_insertion {
  double low_threshold = 0.1;    ///< low_conf_threshold
  index_t factor = 8;            ///< expansion_factor
  double eos_threshold = 0.9;    ///< expand_eos_confidence_threshold
  index_t max_gen_length = 2048;
  eos_confidence measure{};

  void reset() noexcept {}
  void prepare(length_context&) const noexcept {}
  void apply(length_context& ctx) const {
    auto& c = ctx.canvas();
    for (index_t r = 0; r < ctx.rows(); ++r) {
      const auto cands = ctx.candidates(r);
      if (cands.empty() || c.gen_length(r) >= max_gen_length) continue;
      if (measure(ctx.stats(r)) >= eos_threshold) continue;
      const candidate* pick = nullptr;
      double lowest = 0;
      for (const auto& cd : cands) {
        if (cd.commit) continue;
        const double p = cd.token_prob();
        if (!(p < low_threshold)) continue;
        if (pick == nullptr || p < lowest || (p == lowest && cd.position < pick->position)) pick = &cd, lowest = p;
      }
      if (pick == nullptr) continue;
      ctx.replace_with_masks(r, pick->position, factor, c.prompt_length(r) + max_gen_length);
      ctx.run().insertions += 1;
    }
  }
  [[nodiscard]] token_id tracked_token() const noexcept { return measure.eos_id; }
  [[nodiscard]] constexpr bool wants_position_stats() const noexcept { return true; }
  [[nodiscard]] index_t length_cap(index_t) const noexcept { return max_gen_length; }
  void validate() const {
    detail::require(low_threshold >= 0 && low_threshold <= 1, "low_conf_threshold", low_threshold, "must lie in [0, 1]");
    detail::require(factor >= 1, "expansion_factor", factor, "must be at least 1");
    detail::require(eos_threshold >= 0 && eos_threshold <= 1, "expand_eos_confidence_threshold", eos_threshold,
                    "must lie in [0, 1]");
    detail::require(max_gen_length > 0, "max_gen_length", max_gen_length, "must be positive");
    measure.validate();
  }
  friend bool operator==(const mask_insertion&, const mask_insertion&) = default;
};
static_assert(length_policy<mask_insertion>);

UNMASK_NAMESPACE_END
