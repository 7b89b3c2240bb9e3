// unmask: batch temperature sampling, one Philox uniform per row (inverse CDF).
// Fused with the statistics pass; the same token as the categorical policy.
#pragma once

#include <unmask/core/config.hpp>
#include <unmask/core/error.hpp>
#include <unmask/core/philox.hpp>
#include <unmask/core/thread_pool.hpp>
#include <unmask/kernels/detail/check_rows.hpp>
#include <unmask/kernels/detail/sample_row_chunked.hpp>
#include <unmask/kernels/detail/with_chunk_ops.hpp>
#include <unmask/kernels/row_stats_simd.hpp>
#include <unmask/policy/noise/categorical.hpp>

#include <span>

UNMASK_NAMESPACE_BEGIN

/// One sampled row: the token, its (untempered) logit and the row's statistics.
struct row_sample {
  token_id token = -1;
  double token_logit = 0;
  row_stats stats{};
  friend bool operator==(const row_sample&, const row_sample&) = default;
};

/// Samples each listed row of `logits` ([R x vocab], row-major) from
/// softmax(l / noise.temperature) as `categorical::pick` does: one uniform
/// u = philox_uniform(noise.seed, where[i] with stream = categorical::stream), token =
/// first v whose cumulative mass exceeds u Z. The row is read once: a chunk's max, then
/// (from L1) its statistics' exponentials and its tempered ones (AVX-512, float
/// statistics: one read of the chunk for all three once the running max is known); the per-chunk tempered
/// sums locate the chunk where u Z falls, and only that chunk is re-read. So it draws
/// 1 number per row instead of the references' V float64 Gumbels (same distribution:
/// tests/kernels/fast_sample_test.cpp runs a chi-square test against softmax(l / T)).
/// Acc = double (or T = 1): double weights. Acc = float: float weights with a rigorous
/// bound on their sums' error; a row whose u Z lands within the bound of a cumulative
/// sum (a few percent of rows of a flat distribution) is decided with double weights,
/// recomputing chunks until the bound left decides (about half the row's chunks).
/// Either way the token is categorical::pick's unless u Z lies within double rounding
/// (~1e-13 relative) of a cumulative boundary (0 differences on 1.4e4 test rows per
/// code path). out[i].stats are the untempered row's row_stats in Acc (what the score
/// rule reads; sum p log p only with Entropy); temperature 0 gives the argmax. Thread
/// pool and errors as score_rows. Complexity: one read of each row plus one chunk
/// (1024 entries), plus about half a double pass for the rows decided in double; no
/// allocation.
template <class Acc = double, bool Entropy = true, class T>
requires detail::is_logit_type<T>
void sample_rows(const categorical& noise, std::span<const T> logits, index_t vocab, std::span<const index_t> rows,
                 std::span<const random_counter> where, std::span<row_sample> out, thread_pool* pool = nullptr,
                 simd_level level = best_simd_level()) {
  noise.validate();
  detail::check_rows(logits.size(), vocab, rows, out.size());
  detail::require(where.size() == rows.size(), "where.size()", where.size(), "must equal rows.size()",
                  errc::shape_mismatch);
  const simd_level lv = usable_simd_level(level);
  auto one = [&](index_t i) {
    const auto k = static_cast<std::size_t>(i);
    const auto r = static_cast<std::size_t>(rows[k]);
    const T* p = logits.data() + r * static_cast<std::size_t>(vocab);
    row_sample& o = out[k];
    if (noise.temperature <= 0) {
      o.stats = row_stats_simd<Acc, Entropy>(std::span<const T>(p, static_cast<std::size_t>(vocab)), lv);
      o.token = o.stats.top1;
      o.token_logit = o.stats.max1;
      return;
    }
    random_counter at = where[k];
    at.stream = categorical::stream;
    const double u = philox_uniform(noise.seed, at);
    const double inv_t = 1.0 / noise.temperature;
    const auto res = detail::with_chunk_ops(
        lv, [&](auto ops) { return detail::sample_row_chunked<Acc, Entropy, decltype(ops)>(p, vocab, inv_t, u); });
    o.token = res.token;
    o.token_logit = res.logit;
    o.stats = res.stats;
  };
  for_each_index(pool, static_cast<index_t>(rows.size()), one);
}

UNMASK_NAMESPACE_END
