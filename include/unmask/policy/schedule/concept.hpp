// unmask: the schedule concept (how many / which candidates commit each step).
// Models: linear_schedule, timestep_schedule, confidence_threshold, confidence_factor...
#pragma once

#include <unmask/core/config.hpp>
#include <unmask/core/row_state.hpp>
#include <unmask/core/schedule_context.hpp>

#include <concepts>
#include <span>

UNMASK_NAMESPACE_BEGIN

/// A schedule marks `commit` on candidates (`select`), says when a row's window is
/// done (`window_done`, given the masks left in the window), bounds the steps one
/// window can take (`max_window_steps`, the loop's proof of termination) and checks
/// its parameters (`validate`, throws unmask::error).
template <class S>
concept schedule = requires(S& s, const S& cs, const schedule_context& ctx, std::span<row_candidates> rows,
                            const row_state& st, index_t n) {
  s.select(ctx, rows);
  { cs.window_done(st, n) } -> std::convertible_to<bool>;
  { cs.max_window_steps(n) } -> std::convertible_to<index_t>;
  cs.validate();
};

UNMASK_NAMESPACE_END
