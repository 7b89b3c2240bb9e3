// unmask: the canvas keeps the length it starts with.
// The default length policy.
#pragma once

#include <unmask/policy/length/concept.hpp>

UNMASK_NAMESPACE_BEGIN

/// No growth. Concept: length_policy. Free.
struct fixed_length {
  void reset() noexcept {}
  void prepare(length_context&) noexcept {}
  void apply(length_context&) noexcept {}
  [[nodiscard]] constexpr token_id tracked_token() const noexcept { return -1; }
  [[nodiscard]] constexpr bool wants_position_stats() const noexcept { return false; }
  [[nodiscard]] constexpr index_t length_cap(index_t gen) const noexcept { return gen; }
  friend bool operator==(const fixed_length&, const fixed_length&) = default;
};
static_assert(length_policy<fixed_length>);

UNMASK_NAMESPACE_END
