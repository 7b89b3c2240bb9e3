// unmask: DAEDAL Stage 1: grow short rows by `step` masks until the model is confident
// the answer ends (EOS confidence) or the row reaches the cap.
#pragma once

#include <unmask/core/error.hpp>
#include <unmask/policy/length/concept.hpp>
#include <unmask/policy/length/eos_confidence.hpp>

#include <algorithm>

UNMASK_NAMESPACE_BEGIN

/// DAEDAL's initial length adjustment (Li et al. 2025, Stage 1). Before denoising:
/// evaluate the model on the whole batch; every row whose EOS confidence is below
/// `eos_threshold` and whose generation is shorter than `max_gen_length` gets
/// `step` more masks (clamped to the cap); repeat. Like the reference, the loop also
/// stops when no growing row would exceed the batch's current longest generation.
/// Then `eos_anchor` EOS tokens are appended to every row (clamped to the cap; the
/// reference's `eos_check_tokens / 2`): fixed tokens that anchor the EOS confidence
/// during denoising (0 gives the paper-era behaviour). No token is committed here.
/// Concept: length_policy. Cost: 1 + (growth / step) model calls over the batch; at
/// most (max_gen_length / step) + 1 iterations. Deterministic.
struct initial_length_adjustment {
  index_t step = 8;                ///< expansion_factor
  double eos_threshold = 0.5;      ///< eos_confidence_threshold
  index_t max_gen_length = 2048;
  eos_confidence measure{};
  index_t eos_anchor = 16;         ///< EOS tokens appended after the stage

  void reset() noexcept {}
  void prepare(length_context& ctx) const {
    auto& c = ctx.canvas();
    const index_t rows = ctx.rows();
    // Each pass that goes on raises the batch's longest generation (capped), so at
    // most max_gen_length + 1 evaluations happen.
    for (index_t pass = 0; pass <= max_gen_length; ++pass) {
      ctx.evaluate();
      index_t longest = 0, longest_new = 0;
      for (index_t r = 0; r < rows; ++r) {
        const index_t g = c.gen_length(r);
        longest = std::max(longest, g);
        longest_new = std::max(longest_new, grows(ctx, r) ? std::min(g + step, max_gen_length) : g);
      }
      if (longest_new <= longest) break;  // nothing grows, or nothing would pass the longest row
      for (index_t r = 0; r < rows; ++r) {
        if (!grows(ctx, r)) continue;
        const index_t g = c.gen_length(r);
        ctx.append(r, std::min(g + step, max_gen_length) - g, c.mask_id());
        ctx.run().expansions += 1;
      }
    }
    for (index_t r = 0; r < rows; ++r) {
      const index_t g = c.gen_length(r);
      const index_t n = std::min(g + eos_anchor, max_gen_length) - g;
      if (n > 0) ctx.append(r, n, measure.eos_id);
    }
  }
  void apply(length_context&) const noexcept {}
  [[nodiscard]] token_id tracked_token() const noexcept { return measure.eos_id; }
  [[nodiscard]] constexpr bool wants_position_stats() const noexcept { return true; }
  [[nodiscard]] index_t length_cap(index_t) const noexcept { return max_gen_length; }
  void validate() const {
    detail::require(step > 0, "expansion_factor", step, "must be positive");
    detail::require(eos_threshold >= 0 && eos_threshold <= 1, "eos_confidence_threshold", eos_threshold,
                    "must lie in [0, 1]");
    detail::require(max_gen_length > 0, "max_gen_length", max_gen_length, "must be positive");
    detail::require(eos_anchor >= 0, "eos_anchor", eos_anchor, "must not be negative");
    measure.validate();
  }
  friend bool operator==(const initial_length_adjustment&, const initial_length_adjustment&) = default;

 private:
  [[nodiscard]] bool grows(const length_context& ctx, index_t r) const {
    return ctx.canvas().gen_length(r) < max_gen_length && measure(ctx.stats(r)) < eos_threshold;
  }
};
static_assert(length_policy<initial_length_adjustment>);

UNMASK_NAMESPACE_END
