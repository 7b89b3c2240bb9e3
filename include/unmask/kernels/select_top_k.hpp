// unmask: mark the k best candidates of a row without sorting the row.
// nth_element with the library's total order (score desc, position asc).
#pragma once

#include <unmask/core/candidate.hpp>
#include <unmask/core/config.hpp>

#include <algorithm>
#include <span>

UNMASK_NAMESPACE_BEGIN

/// Marks `commit` on the k best candidates (k clamped to [0, size]). The order of `c`
/// changes; the chosen set does not depend on it, since `better_candidate` is a strict
/// total order within a row (positions are unique). O(n) average.
inline void mark_top_k(std::span<candidate> c, index_t k) {
  k = std::clamp<index_t>(k, 0, static_cast<index_t>(c.size()));
  if (k == 0) return;
  if (k < static_cast<index_t>(c.size())) std::nth_element(c.begin(), c.begin() + (k - 1), c.end(), better_candidate{});
  for (index_t i = 0; i < k; ++i) c[static_cast<std::size_t>(i)].commit = true;
}

/// The best candidate (nullptr when empty). O(n).
[[nodiscard]] inline candidate* best_candidate(std::span<candidate> c) noexcept {
  if (c.empty()) return nullptr;
  return &*std::min_element(c.begin(), c.end(), better_candidate{});
}

UNMASK_NAMESPACE_END
