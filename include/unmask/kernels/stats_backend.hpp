// unmask: the stats-backend concept: the batch-shaped score pass a backend replaces.
// Rows of logits in, one row_stats per row out.
#pragma once

#include <unmask/core/config.hpp>
#include <unmask/kernels/bounded_row_stats.hpp>
#include <unmask/kernels/row_stats.hpp>

#include <concepts>
#include <span>

UNMASK_NAMESPACE_BEGIN

/// A stats backend computes `row_stats` for a block of logits rows in one call: the
/// only per-vocabulary-entry work of a step. The sampler hands it every position it
/// scores in a step at once (all rows of the batch), so a vectorised, threaded or
/// device kernel replaces the whole pass. Implementations must give the same argmax /
/// top-2 indices as `row_stats_of` and lse / entropy within float rounding, and flag
/// invalid rows the same way (`valid() == false`).
template <class B>
concept stats_backend = requires(const B& b, std::span<const std::span<const float>> rows, std::span<row_stats> out) {
  b.row_stats(rows, out);
};

/// A stats backend that can also run the bounded pass of the float64 decision filter:
/// `row_stats_bounded(rows, out)` fills bounded_row_stats (lse within lse_error of the
/// exact value; lse_error = 0 when it computed exactly, e.g. with the filter off). The
/// sampler then recomputes with `row_stats` only the rows whose decision the bounds
/// leave open (docs/design.md, "The float64 decision filter").
template <class B>
concept bounded_stats_backend =
    stats_backend<B> && requires(const B& b, std::span<const std::span<const float>> rows, std::span<bounded_row_stats> out) {
      b.row_stats_bounded(rows, out);
    };

UNMASK_NAMESPACE_END
