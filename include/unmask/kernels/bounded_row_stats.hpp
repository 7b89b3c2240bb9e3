// unmask: row_stats with a rigorous bound on the error of their log-sum-exp.
// What the bounded (float64-filter) score pass yields per row.
#pragma once

#include <unmask/core/config.hpp>
#include <unmask/kernels/row_stats.hpp>

UNMASK_NAMESPACE_BEGIN

/// `stats` whose top1 / top2 / max1 / max2 are exact and whose lse is within
/// `lse_error` of the exact log-sum-exp (the float64 kernel's value lies inside the
/// same bound). lse_error = 0: computed in float64; +Inf: no useful bound (the row is
/// then recomputed whenever a decision reads it). sum_p_log_p is not computed (NaN).
struct bounded_row_stats {
  row_stats stats{};
  double lse_error = 0;
  friend bool operator==(const bounded_row_stats&, const bounded_row_stats&) = default;
};

UNMASK_NAMESPACE_END
