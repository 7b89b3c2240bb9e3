// unmask: the bounded one-pass statistics: float exponentials, double sums, certified lse error.
// The cheap first pass of the float64 decision filter (simd_backend::float64_filter).
#pragma once

#include <unmask/kernels/bounded_row_stats.hpp>
#include <unmask/kernels/detail/row_stats_chunked.hpp>
#include <unmask/kernels/detail/with_chunk_ops.hpp>
#include <unmask/kernels/simd_level.hpp>

#include <span>

UNMASK_NAMESPACE_BEGIN

/// argmax, top-2 and log-sum-exp of `row` in one read, as row_stats_simd<float, false>
/// but with the float exponentials summed in double (float lanes of at most 4 terms)
/// and, alongside, sum e |x - max|, which gives a rigorous bound on |lse - exact lse|:
/// each float exponential within 4 x 2^-24 of exp of its float argument (2.8 measured
/// per simd level), three float roundings per lane and 1.15 x 2^-24 |x - max| for the
/// argument's rounding and AVX-512's range reduction (detail::tempered_rel_bound /
/// bounded_arg_bound). The
/// bound is relative to the tail: the max's own term is exactly 1, so a row whose
/// probability of its top token is near 1 gets an error near 0 (the max's terms are
/// counted, not summed in float). Typical lse_error: 4e-7 to 1e-6 on a flat row, far
/// less on a peaked one. Invalid rows as row_stats_simd
/// (lse_error 0). Complexity: one read of the row, O(1) space; about the float32
/// kernel's cost (one multiply-add more per entry). Deterministic for a given level.
template <class T>
requires detail::is_logit_type<T>
[[nodiscard]] bounded_row_stats row_stats_bounded(std::span<const T> row, simd_level level = best_simd_level()) noexcept {
  return detail::with_chunk_ops(level, [&](auto ops) {
    return detail::row_stats_bounded_chunked<decltype(ops)>(row.data(), static_cast<index_t>(row.size()));
  });
}

UNMASK_NAMESPACE_END
