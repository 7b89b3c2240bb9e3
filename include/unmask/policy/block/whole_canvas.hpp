// unmask: one window over the whole row (no blocks).
// Dream, SMDM, and LLaDA with block_length = gen_length.
#pragma once

#include <unmask/policy/block/concept.hpp>

#include <algorithm>

UNMASK_NAMESPACE_BEGIN

/// A single window [P, length) that follows the row as it grows; every mask of the
/// row is a candidate (scan from 0, like Dream's `x == mask_id` over the whole
/// sequence). Concept: block_policy. O(1). Deterministic.
struct whole_canvas {
  [[nodiscard]] index_t first_begin(const token_buffer& c, index_t r) const noexcept { return c.prompt_length(r); }
  [[nodiscard]] index_t next_begin(const token_buffer& c, index_t r, const row_state& st) const noexcept {
    return std::max(st.window_begin + 1, c.length(r));
  }
  void place(const token_buffer& c, index_t r, row_state& st) const noexcept {
    st.window_end = c.length(r);
    st.scan_begin = 0;
  }
  friend bool operator==(const whole_canvas&, const whole_canvas&) = default;
};
static_assert(block_policy<whole_canvas>);

UNMASK_NAMESPACE_END
