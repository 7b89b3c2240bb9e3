// unmask: no guidance: one conditional pass per step.
// The default guidance policy.
#pragma once

#include <unmask/policy/guidance/concept.hpp>

UNMASK_NAMESPACE_BEGIN

/// No unconditional pass. Concept: guidance_policy. Free.
struct no_guidance {
  [[nodiscard]] constexpr bool active() const noexcept { return false; }
  [[nodiscard]] constexpr bool split_calls() const noexcept { return false; }
  void unconditional(std::span<const token_id>, index_t, token_id, std::span<token_id>) const noexcept {}
  void combine(std::span<float>, std::span<const float>) const noexcept {}
  friend bool operator==(const no_guidance&, const no_guidance&) = default;
};
static_assert(guidance_policy<no_guidance>);

UNMASK_NAMESPACE_END
