// unmask: the block-policy concept (which window of a row is active).
// Models: whole_canvas, fixed_blocks (semi-autoregressive).
#pragma once

#include <unmask/core/config.hpp>
#include <unmask/core/row_state.hpp>
#include <unmask/core/token_buffer.hpp>

#include <concepts>

UNMASK_NAMESPACE_BEGIN

/// A block policy gives the start of a row's first window (`first_begin`), the start of
/// the window after the current one (`next_begin`, strictly greater), and places the
/// window on the row as it is now (`place`: sets window_end and scan_begin from
/// window_begin; called every step, since rows can grow). A row is finished when its
/// window starts at or past its length.
template <class B>
concept block_policy = requires(const B& b, const token_buffer& canvas, index_t r, row_state& st) {
  { b.first_begin(canvas, r) } -> std::convertible_to<index_t>;
  { b.next_begin(canvas, r, st) } -> std::convertible_to<index_t>;
  b.place(canvas, r, st);
};

UNMASK_NAMESPACE_END
