// unmask: the vectorised stats backend: row_stats_simd over the step's rows, optionally threaded.
// Plugs into sampler<..., Backend> in place of portable_backend; same decisions.
#pragma once

#include <unmask/core/thread_pool.hpp>
#include <unmask/kernels/row_stats_bounded.hpp>
#include <unmask/kernels/row_stats_simd.hpp>
#include <unmask/kernels/stats_backend.hpp>

#include <span>

UNMASK_NAMESPACE_BEGIN

/// row_stats for every scored row of a step with the one-pass vectorised kernel
/// (row_stats_simd: AVX-512 / AVX2 chosen at run time, portable otherwise).
/// `float64` = true: double exponentials and sums (as precise as Fast-dLLM's float64
/// softmax, within ~2 ulp); false: float exponentials (~1 ulp, LLaDA / Dream compute
/// softmax in float32), about 2.5x less compute. `pool` (not owned; may be null)
/// splits the rows statically over its threads: results do not depend on the thread
/// count. Argmax / top-2 indices equal row_stats_of's, so the recorded reference
/// traces replay identically. `float64_filter` (with float64): the sampler's score pass
/// runs row_stats_bounded (float exponentials, double sums, a certified lse error: the
/// float32 kernel's cost) and recomputes in float64 only the rows whose decision that
/// error leaves open, so decisions equal float64's exactly (docs/design.md, "The float64
/// decision filter"); passes that do not decide (length policies' statistics) stay
/// float64. Concept: bounded_stats_backend. One read of each row; no allocation.
/// Deterministic.
struct simd_backend {
  bool float64 = true;
  bool float64_filter = false;  ///< float64: bounded float pass + float64 only where a decision needs it
  bool entropy = true;  ///< false: skip sum p log p (NaN) when the score rule does not read it
  thread_pool* pool = nullptr;
  simd_level level = simd_level::avx512;  ///< highest level allowed (lowered to the CPU's)

  void row_stats(std::span<const std::span<const float>> rows, std::span<unmask::row_stats> out) const {
    const simd_level lv = usable_simd_level(level);
    for_each_index(pool, static_cast<index_t>(rows.size()),
                   [&](index_t i) { out[static_cast<std::size_t>(i)] = stats_of(rows[static_cast<std::size_t>(i)], lv); });
  }
  /// The bounded pass (float64 && float64_filter), else row_stats with lse_error 0.
  void row_stats_bounded(std::span<const std::span<const float>> rows, std::span<bounded_row_stats> out) const {
    const simd_level lv = usable_simd_level(level);
    const bool bounded = float64 && float64_filter;
    for_each_index(pool, static_cast<index_t>(rows.size()), [&](index_t i) {
      const auto k = static_cast<std::size_t>(i);
      out[k] = bounded ? unmask::row_stats_bounded(rows[k], lv) : bounded_row_stats{stats_of(rows[k], lv), 0};
    });
  }
  /// One row at this backend's precision (`lv` already lowered to the CPU's).
  [[nodiscard]] unmask::row_stats stats_of(std::span<const float> row, simd_level lv) const noexcept {
    if (float64) return entropy ? row_stats_simd<double, true>(row, lv) : row_stats_simd<double, false>(row, lv);
    return entropy ? row_stats_simd<float, true>(row, lv) : row_stats_simd<float, false>(row, lv);
  }
  friend bool operator==(const simd_backend&, const simd_backend&) = default;
};
static_assert(bounded_stats_backend<simd_backend>);

UNMASK_NAMESPACE_END
