// unmask: batch scoring: the one-pass statistics of chosen rows of a logits block.
// Only the rows the schedule can commit are read; optional thread pool over rows.
#pragma once

#include <unmask/core/config.hpp>
#include <unmask/core/error.hpp>
#include <unmask/core/position_stats.hpp>
#include <unmask/core/thread_pool.hpp>
#include <unmask/kernels/detail/check_rows.hpp>
#include <unmask/kernels/row_stats_simd.hpp>

#include <span>

UNMASK_NAMESPACE_BEGIN

/// For each i, out[i] = row_stats_simd<Acc> of row rows[i] of `logits` (a [R x vocab]
/// block, row-major; sum p log p only with Entropy) plus the logit of token `tracked` (e.g. EOS; -1: none, left 0),
/// so out[i].tracked_prob() is p(tracked). Pass the masked positions of the active
/// block as `rows`: nothing else is read. With `pool`, rows are split statically over
/// its threads; each out[i] depends only on its row, so results are identical for any
/// thread count. A row with NaN / +Inf or only -Inf gives out[i].stats.valid() ==
/// false (the caller decides; the sampler throws). Throws unmask::error (before
/// writing anything) on shape errors or a row index out of range.
/// Complexity: one read of each listed row; no allocation.
template <class Acc = double, bool Entropy = true, class T>
requires detail::is_logit_type<T>
void score_rows(std::span<const T> logits, index_t vocab, std::span<const index_t> rows, std::span<position_stats> out,
                token_id tracked = -1, thread_pool* pool = nullptr, simd_level level = best_simd_level()) {
  detail::check_rows(logits.size(), vocab, rows, out.size());
  detail::require(tracked < vocab, "tracked", tracked, "must be -1 or a token of the vocabulary");
  const simd_level lv = usable_simd_level(level);
  auto one = [&](index_t i) {
    const auto r = static_cast<std::size_t>(rows[static_cast<std::size_t>(i)]);
    const std::span<const T> row = logits.subspan(r * static_cast<std::size_t>(vocab), static_cast<std::size_t>(vocab));
    position_stats& o = out[static_cast<std::size_t>(i)];
    o.stats = row_stats_simd<Acc, Entropy>(row, lv);
    o.tracked_logit = tracked >= 0 ? static_cast<double>(detail::to_f32(row[static_cast<std::size_t>(tracked)])) : 0.0;
  };
  for_each_index(pool, static_cast<index_t>(rows.size()), one);
}

UNMASK_NAMESPACE_END
