// unmask: semi-autoregressive fixed-length blocks from the end of the prompt.
// LLaDA's block_length, Fast-dLLM's blocks, DAEDAL's moving 32-token window.
#pragma once

#include <unmask/core/error.hpp>
#include <unmask/policy/block/concept.hpp>

#include <algorithm>

UNMASK_NAMESPACE_BEGIN

/// Windows [P + i*length, P + (i+1)*length) clipped to the row's current length, left
/// to right (LLaDA, Nie et al. 2025, semi-autoregressive remasking). A window that
/// grows by insertion is not re-aligned: later tokens fall into later windows (DAEDAL).
/// `scan_from_start` lets masks left of the window compete as candidates, as LLaDA's
/// `generate` does (its confidence is only cut right of the block); it matters only
/// when the prompt itself holds masks. Concept: block_policy. O(1). Deterministic.
struct fixed_blocks {
  index_t length = 32;
  bool scan_from_start = false;

  [[nodiscard]] index_t first_begin(const token_buffer& c, index_t r) const noexcept { return c.prompt_length(r); }
  [[nodiscard]] index_t next_begin(const token_buffer&, index_t, const row_state& st) const noexcept {
    return st.window_begin + length;
  }
  void place(const token_buffer& c, index_t r, row_state& st) const noexcept {
    st.window_end = std::min(st.window_begin + length, c.length(r));
    st.scan_begin = scan_from_start ? 0 : st.window_begin;
  }
  void validate() const { detail::require(length > 0, "block_length", length, "must be positive"); }
  friend bool operator==(const fixed_blocks&, const fixed_blocks&) = default;
};
static_assert(block_policy<fixed_blocks>);

UNMASK_NAMESPACE_END
