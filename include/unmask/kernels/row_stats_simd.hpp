// unmask: the vectorised one-pass statistics of a logits row (float, bfloat16 or float16).
// Same row_stats as the portable oracle row_stats_of, at memory speed (AVX-512 / AVX2 / portable).
#pragma once

#include <unmask/kernels/detail/row_stats_chunked.hpp>
#include <unmask/kernels/detail/with_chunk_ops.hpp>
#include <unmask/kernels/row_stats.hpp>
#include <unmask/kernels/simd_level.hpp>

#include <span>

UNMASK_NAMESPACE_BEGIN

/// argmax, top-2, log-sum-exp and sum p log p of `row` in one read from memory: the
/// row is cut in chunks of 1024 entries; a chunk's max (and min) is found first, then
/// its exponentials are taken against the running max while the chunk sits in L1 (no
/// per-entry rescaling; the next chunk is prefetched meanwhile), and the top-2 is
/// re-scanned only in chunks whose max beats the running second best. With AVX-512 and
/// Acc = float, a chunk after the first is read once (range and sums together) unless
/// it raises the running max or holds -Inf / NaN / +Inf / far-below entries; the result
/// is the same either way.
/// Acc = double: double exponentials (Fast-dLLM's float64 softmax; lse within 4 ulp,
/// tested); Acc = float: float exponentials (within 2 ulp each for |x - max| < 25,
/// 3.5 ulp at the -86 cut-off; tests/kernels/exp_accuracy_test.cpp) summed in float inside
/// a chunk and in double across chunks (lse within 3 float ulp, tested), 2-2.5x less
/// arithmetic. Decisions equal row_stats_of's: top1 / top2 are the first indices of
/// the largest / next largest entry (ties: lower index); -Inf entries have probability
/// 0 and rank after every finite entry; a NaN or +Inf entry, or an all -Inf row, gives
/// `valid() == false`. Entropy = false skips sum p log p (left NaN; one multiply-add
/// less per entry) for the score rules that do not read it. `level` picks the code
/// path (default: the fastest the CPU has, see simd_level).
/// Complexity: one read of the row, O(1) extra space. Deterministic for a given level
/// (lanes and chunks are summed in a fixed order; no threads).
template <class Acc = double, bool Entropy = true, class T>
requires detail::is_logit_type<T>
[[nodiscard]] row_stats row_stats_simd(std::span<const T> row, simd_level level = best_simd_level()) noexcept {
  return detail::with_chunk_ops(level, [&](auto ops) {
    return detail::row_stats_chunked<Acc, Entropy, decltype(ops)>(row.data(), static_cast<index_t>(row.size()));
  });
}

UNMASK_NAMESPACE_END
