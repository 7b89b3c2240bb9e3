// unmask: reading tokens out of a hypersphere state (RDLM `map_to_simplex` + argmax).
// Negatives to 0, renormalise, square, drop the mask coordinate, argmax (lowest index on ties).
#pragma once

#include <unmask/continuous/sphere_state.hpp>
#include <unmask/core/config.hpp>
#include <unmask/core/error.hpp>

#include <cmath>
#include <cstddef>
#include <span>

UNMASK_NAMESPACE_BEGIN

/// The final discretisation of a continuous sampler: a position's simplex point is
/// p = (max(x, 0) / |max(x, 0)|)^2 (RDLM's `Hypersphere.map_to_simplex`), and its token
/// the argmax of p over the `vocab` token coordinates (the mask coordinate is dropped),
/// the lowest index among equal values (torch.argmax). The squares are rounded to float
/// as the reference does, so equal-after-rounding coordinates tie. A position with no
/// positive coordinate reads token 0 (the reference's 0/0 gives NaNs, whose argmax is 0).
/// O(D) per position, no randomness, no allocation.
struct sphere_readout {
  /// The token of one position (`x.size() == vocab + 1`).
  [[nodiscard]] token_id token(std::span<const float> x, index_t vocab) const noexcept {
    double sq = 0;
    for (float c : x) {
      if (c > 0) sq += static_cast<double>(c) * c;
    }
    if (!(sq > 0)) return 0;
    const double inv = 1 / std::sqrt(sq);
    token_id best = 0;
    float best_p = -1;
    for (index_t k = 0; k < vocab; ++k) {
      const float c = x[static_cast<std::size_t>(k)];
      const float pos = c > 0 ? static_cast<float>(c * inv) : 0.0f;
      const float p = pos * pos;
      if (p > best_p) best_p = p, best = static_cast<token_id>(k);
    }
    return best;
  }
  /// Every position's token, `[batch][length]` into `out`. Throws `unmask::error`
  /// (shape_mismatch) naming `tokens.size()` unless it is batch * length, or naming the
  /// state when its span does not match its shape; nothing is written then.
  void read(const_sphere_view state, std::span<token_id> tokens) const {
    detail::require(state.consistent(), "state.values.size()", state.values.size(),
                    "must be batch * length * (vocab + 1)", errc::shape_mismatch);
    detail::require(tokens.size() == static_cast<std::size_t>(state.positions()), "tokens.size()", tokens.size(),
                    "must be batch * length", errc::shape_mismatch);
    for (index_t i = 0; i < state.positions(); ++i)
      tokens[static_cast<std::size_t>(i)] = token(state.flat(i), state.vocab);
  }
  friend bool operator==(const sphere_readout&, const sphere_readout&) = default;
};

UNMASK_NAMESPACE_END
