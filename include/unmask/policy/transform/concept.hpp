// unmask: the logits-transform concept (which output row a position reads, and filters).
// Models: no_transform, shift_right (Dream), dream_logits (shift + T + top-p + top-k).
#pragma once

#include <unmask/core/config.hpp>

#include <concepts>
#include <span>

UNMASK_NAMESPACE_BEGIN

/// A logits transform maps a position to the model output row it reads (`source`,
/// Dream reads p - 1) and may rewrite that row before scoring (`apply`: returns either
/// `in` untouched or a view of `scratch`, which holds `scratch_size(vocab)` floats).
template <class T>
concept logits_transform = requires(const T& t, index_t p, std::span<const float> in, std::span<float> scratch,
                                    std::span<index_t> index_scratch) {
  { t.source(p) } -> std::convertible_to<index_t>;
  { t.scratch_size(p) } -> std::convertible_to<index_t>;
  { t.apply(in, scratch, index_scratch) } -> std::convertible_to<std::span<const float>>;
};

UNMASK_NAMESPACE_END
