// unmask: what the per-step observer sees.
// Step index, committed (row, position, token) and length changes.
#pragma once

#include <unmask/core/config.hpp>
#include <unmask/core/no_observer.hpp>
#include <unmask/core/token_buffer.hpp>

#include <span>

UNMASK_NAMESPACE_BEGIN

/// One committed token.
struct committed_token {
  index_t row = 0;
  index_t position = 0;  ///< position at commit time (before this step's insertions)
  token_id token = 0;
  friend bool operator==(const committed_token&, const committed_token&) = default;
};

/// One length change: `count` tokens now stand where position `position` of row
/// `row` was (a mask insertion replaces 1 by count; an append has position == old length).
struct length_change {
  index_t row = 0;
  index_t position = 0;
  index_t count = 0;
  friend bool operator==(const length_change&, const length_change&) = default;
};

/// Delivered to the observer after every step (after commits and length changes).
struct step_event {
  index_t step = 0;                              ///< 0-based denoising step
  index_t model_calls = 0;                       ///< model evaluations so far
  std::span<const committed_token> commits;      ///< this step's commits, row-major
  std::span<const length_change> length_changes; ///< this step's insertions / growth
  const token_buffer* canvas = nullptr;          ///< the canvas after the step
};

UNMASK_NAMESPACE_END
