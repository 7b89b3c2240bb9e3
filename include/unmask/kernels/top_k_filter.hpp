// unmask: top-k logits filtering (Dream's top_k) by one-pass selection, no sort.
// A min-heap of the k largest so far; a vectorised scan skips entries not above its top.
#pragma once

#include <unmask/core/config.hpp>
#include <unmask/core/error.hpp>
#include <unmask/kernels/detail/with_chunk_ops.hpp>

#include <algorithm>
#include <functional>
#include <limits>
#include <span>

UNMASK_NAMESPACE_BEGIN

/// The k-th largest entry of `row` (duplicates counted, as std::nth_element with
/// std::greater), 1 <= k <= row.size(): a min-heap in `heap` (size >= k) holds the k
/// largest entries so far, and a vectorised scan jumps to the next entry above the
/// heap's minimum. NaN entries must not occur (the result is then unspecified, as
/// nth_element's). Complexity: one read of the row plus O(log k) per heap
/// replacement (about k ln(n / k) on a random row, n log k worst case on an
/// ascending one). Deterministic. Throws unmask::error on a bad k or a small heap.
template <class T>
requires detail::is_logit_type<T>
[[nodiscard]] float top_k_threshold(std::span<const T> row, index_t k, std::span<float> heap,
                                    simd_level level = best_simd_level()) {
  const auto n = static_cast<index_t>(row.size());
  detail::require(k >= 1 && k <= n, "k", k, "must lie in [1, row.size()]");
  detail::require(heap.size() >= static_cast<std::size_t>(k), "heap.size()", heap.size(), "must be at least k",
                  errc::shape_mismatch);
  const T* p = row.data();
  float* h = heap.data();
  for (index_t v = 0; v < k; ++v) h[v] = detail::to_f32(p[v]);
  std::make_heap(h, h + k, std::greater<float>{});
  return detail::with_chunk_ops(level, [&](auto ops) {
    using Ops = decltype(ops);
    index_t v = k;
    for (index_t guard = 0; guard < n && v < n; ++guard) {  // each round consumes >= 1 entry
      v += Ops::find_greater(p + v, n - v, h[0]);
      if (v >= n) break;
      std::pop_heap(h, h + k, std::greater<float>{});
      h[k - 1] = detail::to_f32(p[v]);
      std::push_heap(h, h + k, std::greater<float>{});
      ++v;
    }
    return h[0];
  });
}

/// Dream's top-k filter: out[v] = in[v] when in[v] >= the k-th largest entry (ties
/// kept), else float's lowest value (torch.finfo.min); k <= 0 or k >= size copies.
/// Equals the top-k step of `dream_logits` entry for entry, without its copy and
/// nth_element. `heap` needs k floats. in and out may alias. Complexity: one read and
/// one write of the row plus top_k_threshold's heap work.
inline void top_k_filter(std::span<const float> in, std::span<float> out, index_t k, std::span<float> heap,
                         simd_level level = best_simd_level()) {
  detail::require(out.size() >= in.size(), "out.size()", out.size(), "must hold the row", errc::shape_mismatch);
  const auto n = static_cast<index_t>(in.size());
  if (k <= 0 || k >= n) {
    if (out.data() != in.data()) std::copy(in.begin(), in.end(), out.begin());
    return;
  }
  const float kth = top_k_threshold(in, k, heap, level);
  constexpr float lowest = std::numeric_limits<float>::lowest();
  for (index_t v = 0; v < n; ++v)
    out[static_cast<std::size_t>(v)] = in[static_cast<std::size_t>(v)] < kth ? lowest : in[static_cast<std::size_t>(v)];
}

UNMASK_NAMESPACE_END
