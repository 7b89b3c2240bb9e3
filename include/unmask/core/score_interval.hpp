// unmask: the interval a score can lie in when its row's lse is known within an error.
// The float64 decision filter's step from bounded statistics to score intervals.
#pragma once

#include <unmask/core/candidate.hpp>
#include <unmask/core/config.hpp>
#include <unmask/core/philox.hpp>
#include <unmask/policy/score/concept.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

UNMASK_NAMESPACE_BEGIN

/// [lo, hi] holding rule.score(c') for every c' equal to c but with lse anywhere within
/// lse_error of c.stats.lse (the rule being monotone in lse, the two ends suffice),
/// widened by 2 ulp for the rounding of the score itself. lse_error = 0 gives the point
/// [score, score]; a non-finite error or score gives [-Inf, +Inf]. O(2 score calls).
struct score_interval {
  double lo = 0, hi = 0;
  friend bool operator==(const score_interval&, const score_interval&) = default;
};

template <lse_monotone_score R>
[[nodiscard]] score_interval score_interval_of(const R& rule, const candidate& c, double lse_error,
                                               random_counter where) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  if (lse_error == 0) {
    const auto s = static_cast<double>(rule.score(c, where));
    return {s, s};
  }
  candidate e = c;
  e.stats.lse = c.stats.lse + lse_error;
  const auto a = static_cast<double>(rule.score(e, where));
  e.stats.lse = c.stats.lse - lse_error;
  const auto b = static_cast<double>(rule.score(e, where));
  const double slack = 4e-16 * std::max(std::fabs(a), std::fabs(b)) + 1e-300;
  const score_interval r{std::min(a, b) - slack, std::max(a, b) + slack};
  if (!(std::isfinite(lse_error) && std::isfinite(r.lo) && std::isfinite(r.hi))) return {-inf, inf};
  return r;
}

UNMASK_NAMESPACE_END
