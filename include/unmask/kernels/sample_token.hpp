// unmask: one-uniform temperature sampling of a single row whose max is known.
// The vectorised form of categorical::pick (one pass + the crossing chunk, no std::exp per entry).
#pragma once

#include <unmask/core/config.hpp>
#include <unmask/kernels/detail/sample_row_chunked.hpp>
#include <unmask/kernels/detail/with_chunk_ops.hpp>
#include <unmask/policy/noise/token_sampler.hpp>

#include <span>

UNMASK_NAMESPACE_BEGIN

/// The token categorical::pick returns for temperature T > 0 and uniform u, computed
/// with vectorised double exponentials: per-chunk sums of exp((l_v - max1) / T), then
/// the first v whose running sum exceeds u Z, re-reading only the chunk where u Z
/// falls. `max1` is the row's max (row_stats::max1). Equal to pick's choice unless u Z
/// lies within rounding (~1e-15 relative) of a cumulative boundary. Returns the token
/// and its logit. Complexity: one read of the row plus one chunk; no allocation.
template <class T>
requires detail::is_logit_type<T>
[[nodiscard]] token_choice sample_token_simd(std::span<const T> row, double max1, double temperature, double u,
                                             simd_level level = best_simd_level()) noexcept {
  const auto n = static_cast<index_t>(row.size());
  const index_t v = detail::with_chunk_ops(level, [&](auto ops) {
    return detail::sample_known_max<decltype(ops)>(row.data(), n, max1, 1.0 / temperature, u);
  });
  if (v < 0) return {-1, max1};
  return {static_cast<token_id>(v), static_cast<double>(detail::to_f32(row[static_cast<std::size_t>(v)]))};
}

UNMASK_NAMESPACE_END
