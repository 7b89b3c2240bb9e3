// unmask: the identity logits transform.
// Position p reads output row p, unfiltered.
#pragma once

#include <unmask/policy/transform/concept.hpp>

UNMASK_NAMESPACE_BEGIN

/// Identity. Concept: logits_transform. Free.
struct no_transform {
  [[nodiscard]] constexpr index_t source(index_t p) const noexcept { return p; }
  [[nodiscard]] constexpr index_t scratch_size(index_t) const noexcept { return 0; }
  [[nodiscard]] std::span<const float> apply(std::span<const float> in, std::span<float>,
                                             std::span<index_t>) const noexcept {
    return in;
  }
  friend bool operator==(const no_transform&, const no_transform&) = default;
};
static_assert(logits_transform<no_transform>);

UNMASK_NAMESPACE_END
