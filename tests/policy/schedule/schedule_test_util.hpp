// unmask tests: building candidate lists and running a schedule's select() on them.
// Shared by the schedule tests.
#pragma once

#include <unmask/core/candidate.hpp>
#include <unmask/core/row_state.hpp>
#include <unmask/core/schedule_context.hpp>

#include <algorithm>
#include <span>
#include <vector>

namespace unmask_test {

/// Candidates at the given positions with the given scores.
inline std::vector<unmask::candidate> candidates(const std::vector<unmask::index_t>& positions,
                                                 const std::vector<double>& scores) {
  std::vector<unmask::candidate> out;
  for (std::size_t i = 0; i < positions.size(); ++i) {
    unmask::candidate c;
    c.position = positions[i];
    c.score = scores[i];
    out.push_back(c);
  }
  return out;
}

/// Runs `s.select` on one row (row 0, state `st`) and returns the committed positions, sorted.
template <class Schedule>
std::vector<unmask::index_t> select_one_row(const Schedule& s, std::vector<unmask::candidate> items,
                                            unmask::row_state st = {}) {
  const std::vector<unmask::row_state> rows{st};
  std::vector<unmask::row_candidates> rc{{0, {items.data(), items.size()}}};
  const unmask::schedule_context ctx{.step = 0,
                                     .batch_rows = 1,
                                     .batch_masked = static_cast<unmask::index_t>(items.size()),
                                     .mask_id = 0,
                                     .rows = rows};
  s.select(ctx, rc);
  std::vector<unmask::index_t> out;
  for (const auto& c : items)
    if (c.commit) out.push_back(c.position);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace unmask_test
