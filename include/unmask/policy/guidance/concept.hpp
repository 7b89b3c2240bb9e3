// unmask: the guidance concept (how an unconditional pass enters the logits).
// Models: no_guidance, cfg (classifier-free guidance with the prompt masked).
#pragma once

#include <unmask/core/config.hpp>

#include <concepts>
#include <span>

UNMASK_NAMESPACE_BEGIN

/// A guidance policy says whether a step needs an unconditional pass (`active`),
/// whether it is served as a second model call (`split_calls`), builds the
/// unconditional row from the conditional one (`unconditional`) and combines the two
/// logits blocks in place into `cond` (`combine`).
template <class G>
concept guidance_policy = requires(const G& g, std::span<const token_id> row, index_t prompt_length,
                                   token_id mask_id, std::span<token_id> out, std::span<float> cond,
                                   std::span<const float> uncond) {
  { g.active() } -> std::convertible_to<bool>;
  { g.split_calls() } -> std::convertible_to<bool>;
  g.unconditional(row, prompt_length, mask_id, out);
  g.combine(cond, uncond);
};

UNMASK_NAMESPACE_END
