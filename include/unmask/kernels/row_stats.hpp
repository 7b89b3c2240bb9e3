// unmask: the portable one-pass statistics of a logits row (the test oracle).
// argmax, top-2, log-sum-exp and entropy from a single read of the row.
#pragma once

#include <unmask/core/config.hpp>

#include <cmath>
#include <limits>
#include <span>

UNMASK_NAMESPACE_BEGIN

/// What one pass over a logits row yields. Probabilities follow from it in O(1):
/// p(v) = exp(l[v] - lse). Every score rule and schedule reads only this.
struct row_stats {
  token_id top1 = -1;       ///< first index of the largest logit (torch.argmax order)
  token_id top2 = -1;       ///< first index of the largest logit other than top1 (-1 if vocab == 1)
  double max1 = 0;          ///< l[top1]
  double max2 = 0;          ///< l[top2] (-inf when absent)
  double lse = 0;           ///< log sum_v exp(l[v])
  double sum_p_log_p = 0;   ///< sum_v p(v) log p(v) = negative entropy (<= 0)

  /// Probability of token v given its logit.
  [[nodiscard]] double prob_of_logit(double logit) const noexcept { return std::exp(logit - lse); }
  [[nodiscard]] double p1() const noexcept { return prob_of_logit(max1); }
  [[nodiscard]] double p2() const noexcept { return top2 < 0 ? 0.0 : prob_of_logit(max2); }
  /// True when the row was finite with at least one finite entry (see `row_stats_of`).
  [[nodiscard]] bool valid() const noexcept { return std::isfinite(lse) && std::isfinite(max1); }

  friend bool operator==(const row_stats&, const row_stats&) = default;
};

/// One pass over `row` accumulating in `Acc` (float or double): running max with
/// rescaled sums (online softmax, Milakov & Gimelshein 2018) for lse and entropy, and
/// the top-2 tracked alongside. -Inf entries are legal (banned tokens) and contribute
/// nothing; a NaN or +Inf entry, or an all -Inf row, gives `valid() == false`.
/// Complexity: one read of the row, O(1) extra space. Deterministic (sequential order).
template <class Acc = double>
[[nodiscard]] row_stats row_stats_of(std::span<const float> row) noexcept {
  constexpr Acc ninf = -std::numeric_limits<Acc>::infinity();
  Acc m = ninf, m2 = ninf, s = 0, t = 0;  // s = sum e^(l-m), t = sum e^(l-m)(l-m)
  index_t i1 = -1, i2 = -1;
  bool bad = false;
  const index_t n = static_cast<index_t>(row.size());
  for (index_t v = 0; v < n; ++v) {
    const Acc l = static_cast<Acc>(row[static_cast<std::size_t>(v)]);
    if (!(l < std::numeric_limits<Acc>::infinity())) {  // NaN or +Inf
      bad = true;
      continue;
    }
    if (l > m) {
      if (m > ninf) {
        const Acc d = m - l;  // < 0
        const Acc e = std::exp(d);
        t = e * (t + s * d);
        s = e * s;
      }
      if (i1 >= 0) m2 = m, i2 = i1;  // else keep the first -Inf seen as the runner-up
      m = l, i1 = v;
      s += 1;  // e^0, and t += 0
    } else {
      if (l > m2 || i2 < 0) m2 = l, i2 = v;
      if (l > ninf) {
        const Acc d = l - m;
        const Acc e = std::exp(d);
        s += e;
        t += e * d;
      }
    }
  }
  row_stats r;
  r.top1 = static_cast<token_id>(i1);
  r.top2 = static_cast<token_id>(i2);
  r.max1 = static_cast<double>(m);
  r.max2 = static_cast<double>(m2);
  if (bad || !(m > ninf)) {
    r.lse = std::numeric_limits<double>::quiet_NaN();
    r.sum_p_log_p = r.lse;
    return r;
  }
  const Acc log_s = std::log(s);
  r.lse = static_cast<double>(m + log_s);
  r.sum_p_log_p = static_cast<double>(t / s - log_s);
  return r;
}

UNMASK_NAMESPACE_END
