// unmask: the length-policy concept (how the canvas grows).
// Models: fixed_length; DAEDAL's initial_length_adjustment and mask_insertion.
#pragma once

#include <unmask/core/config.hpp>
#include <unmask/core/length_context.hpp>

#include <concepts>

UNMASK_NAMESPACE_BEGIN

/// A length policy is stateful in the library's verbs: `reset()` before a run,
/// `prepare(ctx)` before denoising (may evaluate the model and grow rows), `apply(ctx)`
/// after each step's commits (may insert masks). `tracked_token()` names the token whose
/// probability `ctx.stats` carries (-1: none) and `wants_position_stats()` asks the
/// score pass for statistics at every generated position, not only at candidates.
/// `length_cap(gen)` bounds the generated length of a row that starts with `gen` (the
/// canvas capacity must hold prompt + that).
template <class L>
concept length_policy = requires(L& l, const L& cl, length_context& ctx, index_t gen) {
  l.reset();
  l.prepare(ctx);
  l.apply(ctx);
  { cl.tracked_token() } -> std::convertible_to<token_id>;
  { cl.wants_position_stats() } -> std::convertible_to<bool>;
  { cl.length_cap(gen) } -> std::convertible_to<index_t>;
};

UNMASK_NAMESPACE_END
