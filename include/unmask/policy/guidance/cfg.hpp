// unmask: classifier-free guidance with the prompt replaced by masks.
// logits = un + (w + 1) * (cond - un): LLaDA's cfg_scale, SMDM's unsupervised CFG.
#pragma once

#include <unmask/core/error.hpp>
#include <unmask/policy/guidance/concept.hpp>

#include <algorithm>
#include <cmath>

UNMASK_NAMESPACE_BEGIN

/// Unsupervised classifier-free guidance (Nie et al., "Scaling up Masked Diffusion
/// Models on Text", 2024; LLaDA `cfg_scale`): the unconditional row is the row with
/// its prompt positions replaced by the mask token (same length, generated tokens
/// kept) and the logits become un + (w + 1) * (cond - un), computed in float32 in that
/// order like the references. w = 0 is off. A token banned (-Inf) in both passes stays
/// banned (the references' formula gives NaN there, which unmask would reject).
/// `split = true` serves the unconditional rows in a second model call (one
/// evaluation either way in `run_stats::model_calls`).
/// Concept: guidance_policy. O(positions x V) per step. Deterministic.
struct cfg {
  double scale = 0.0;
  bool split = false;

  [[nodiscard]] bool active() const noexcept { return scale > 0; }
  [[nodiscard]] bool split_calls() const noexcept { return split; }
  void unconditional(std::span<const token_id> row, index_t prompt_length, token_id mask_id,
                     std::span<token_id> out) const noexcept {
    std::copy(row.begin(), row.end(), out.begin());
    std::fill_n(out.begin(), prompt_length, mask_id);
  }
  void combine(std::span<float> cond, std::span<const float> un) const noexcept {
    const float w1 = static_cast<float>(scale + 1.0);
    // Equal entries stay: the formula gives the same value for finite ones and NaN for a
    // token both passes ban (-Inf), which must stay banned.
    for (std::size_t i = 0; i < cond.size(); ++i)
      if (cond[i] != un[i]) cond[i] = un[i] + w1 * (cond[i] - un[i]);
  }
  void validate() const {
    detail::require(scale >= 0 && std::isfinite(scale), "cfg_scale", scale, "must be finite and >= 0");
  }
  friend bool operator==(const cfg&, const cfg&) = default;
};
static_assert(guidance_policy<cfg>);

UNMASK_NAMESPACE_END
