// unmask: the portable stats backend: `row_stats_of` row by row, double accumulation.
// The reference every other backend is tested against.
#pragma once

#include <unmask/kernels/row_stats.hpp>
#include <unmask/kernels/stats_backend.hpp>

UNMASK_NAMESPACE_BEGIN

/// Scalar one-pass statistics in double precision (as precise as the most precise
/// reference, Fast-dLLM's float64 softmax). Concept: stats_backend. One read of each
/// row. Deterministic.
struct portable_backend {
  void row_stats(std::span<const std::span<const float>> rows, std::span<unmask::row_stats> out) const noexcept {
    for (std::size_t i = 0; i < rows.size(); ++i) out[i] = row_stats_of<double>(rows[i]);
  }
  friend bool operator==(const portable_backend&, const portable_backend&) = default;
};
static_assert(stats_backend<portable_backend>);

UNMASK_NAMESPACE_END
