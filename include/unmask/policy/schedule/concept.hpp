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

/// A schedule the float64 decision filter can certify: `select` reads the scores only
/// through their order (ties: the library's order) and through comparisons with values
/// v for which `critical_between(lo, hi)` is true whenever lo <= v <= hi (e.g. a
/// threshold). A score interval that meets no other candidate's interval and no such v
/// then decides as any value inside it would. Schedules without the member are always
/// given float64 scores.
template <class S>
concept filterable_schedule = schedule<S> && requires(const S& s, double lo, double hi) {
  { s.critical_between(lo, hi) } -> std::convertible_to<bool>;
};

UNMASK_NAMESPACE_END
