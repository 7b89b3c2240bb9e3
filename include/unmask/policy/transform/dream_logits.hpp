// unmask: Dream's logits pipeline: right shift by one, then temperature, top-p, top-k.
// With every filter off it is the bare shift (`shift_right()`).
#pragma once

#include <unmask/core/error.hpp>
#include <unmask/policy/transform/concept.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

UNMASK_NAMESPACE_BEGIN

/// Dream (Ye et al. 2025, `_sample` + `sample_tokens`): position p reads the model's
/// output at p - 1 (position 0 its own), since Dream keeps its AR parent's next-token
/// alignment. Then, in the reference's order: logits / T (T > 0), top-p (sort
/// descending, drop the tail whose cumulative softmax mass exceeds p, always keeping
/// the first token that crosses it), top-k (drop logits below the k-th largest, ties
/// kept); dropped entries become float's lowest value, as `torch.finfo.min`.
/// Concept: logits_transform. O(V) without top-p; top-p sorts (O(V log V)).
/// Deterministic (equal logits keep index order). No allocation.
struct dream_logits {
  bool shift = true;
  double temperature = 0.0;  ///< <= 0: untempered
  double top_p = 1.0;        ///< >= 1: off
  index_t top_k = 0;         ///< 0: off

  [[nodiscard]] constexpr index_t source(index_t p) const noexcept { return shift && p > 0 ? p - 1 : p; }
  [[nodiscard]] bool filters() const noexcept { return temperature > 0 || top_p < 1 || top_k > 0; }
  [[nodiscard]] index_t scratch_size(index_t vocab) const noexcept { return filters() ? 2 * vocab : 0; }

  [[nodiscard]] std::span<const float> apply(std::span<const float> in, std::span<float> out,
                                             std::span<index_t> idx) const {
    if (!filters()) return in;
    constexpr float lowest = std::numeric_limits<float>::lowest();
    const std::size_t n = in.size();
    const float t = static_cast<float>(temperature);
    for (std::size_t v = 0; v < n; ++v) out[v] = temperature > 0 ? in[v] / t : in[v];
    if (top_p < 1) {
      std::iota(idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(n), index_t{0});
      // Descending by value, index order among equals (a stable order without the
      // allocation std::stable_sort may make).
      std::sort(idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(n), [&](index_t a, index_t b) {
        const float x = out[static_cast<std::size_t>(a)], y = out[static_cast<std::size_t>(b)];
        return x != y ? x > y : a < b;
      });
      const double m = out[static_cast<std::size_t>(idx[0])];
      double z = 0;
      for (std::size_t v = 0; v < n; ++v) z += std::exp(static_cast<double>(out[v]) - m);
      double cum = 0;
      bool drop = false;  // the removal mask shifted right by one: decided by the previous token
      for (std::size_t i = 0; i < n; ++i) {
        const auto v = static_cast<std::size_t>(idx[i]);
        const double p = std::exp(static_cast<double>(out[v]) - m) / z;
        if (drop && i > 0) out[v] = lowest;
        cum += p;
        drop = cum > top_p;
      }
    }
    if (top_k > 0 && top_k < static_cast<index_t>(n)) {
      std::copy(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n), out.begin() + static_cast<std::ptrdiff_t>(n));
      auto tail = out.subspan(n, n);
      std::nth_element(tail.begin(), tail.begin() + (top_k - 1), tail.end(), std::greater<float>{});
      const float kth = tail[static_cast<std::size_t>(top_k - 1)];
      for (std::size_t v = 0; v < n; ++v)
        if (out[v] < kth) out[v] = lowest;
    }
    return out.first(n);
  }
  void validate() const {
    detail::require(temperature >= 0 && std::isfinite(temperature), "temperature", temperature, "must be finite and >= 0");
    detail::require(top_p > 0 && top_p <= 1, "top_p", top_p, "must lie in (0, 1]");
    detail::require(top_k >= 0, "top_k", top_k, "must not be negative");
  }
  friend bool operator==(const dream_logits&, const dream_logits&) = default;
};
static_assert(logits_transform<dream_logits>);

UNMASK_NAMESPACE_END
