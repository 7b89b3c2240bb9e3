// unmask: the token-sampler concept (which token a position proposes).
// Models: greedy (argmax), categorical (temperature sampling with Philox).
#pragma once

#include <unmask/core/config.hpp>
#include <unmask/core/philox.hpp>
#include <unmask/kernels/row_stats.hpp>

#include <concepts>
#include <span>

UNMASK_NAMESPACE_BEGIN

/// The proposed token and its logit.
struct token_choice {
  token_id token = 0;
  double logit = 0;
};

/// A token sampler picks a token from a logits row whose one-pass statistics are
/// known; random draws are addressed by `where` (seed + counter), never by state.
template <class N>
concept token_sampler = requires(const N& n, std::span<const float> logits, const row_stats& s, random_counter where) {
  { n.pick(logits, s, where) } -> std::convertible_to<token_choice>;
};

/// A token sampler whose pick reads only top1 / top2 / max1 / max2 of the statistics
/// (exact in every pass), never lse or the entropy: the float64 decision filter can
/// then keep the tokens its bounded pass proposed. Declared by `static constexpr bool
/// reads_only_argmax = true` (greedy, categorical).
template <class N>
concept argmax_token_sampler = token_sampler<N> && requires {
  requires N::reads_only_argmax;
};

UNMASK_NAMESPACE_END
