// unmask: the per-row progress the loop keeps (active window and its step count).
// Read by schedules and block policies; written only by the sampler loop.
#pragma once

#include <unmask/core/config.hpp>

UNMASK_NAMESPACE_BEGIN

/// Where a row stands. The active window is [window_begin, window_end); masks in
/// [scan_begin, window_end) are candidates (scan_begin <= window_begin: LLaDA lets
/// masks left of the block compete).
struct row_state {
  index_t window_begin = 0;
  index_t window_end = 0;
  index_t scan_begin = 0;
  index_t window_index = 0;       ///< how many windows this row has finished
  index_t window_step = 0;        ///< steps taken in the current window
  index_t window_masked = 0;      ///< masks in the window when it became active
  index_t row_masked = 0;         ///< masks in the whole row before this step
  bool finished = false;          ///< no window left

  friend bool operator==(const row_state&, const row_state&) = default;
};

UNMASK_NAMESPACE_END
