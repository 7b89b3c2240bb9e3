// unmask: argument checks shared by the batch kernels (score_rows, sample_rows).
// A [rows x vocab] block, a list of row indices into it and an output of the same length.
#pragma once

#include <unmask/core/error.hpp>

#include <cstddef>
#include <span>

UNMASK_NAMESPACE_BEGIN
namespace detail {

/// Throws unmask::error unless block_size = R x vocab, every index lies in [0, R) and
/// out_size == rows.size(); returns R.
inline index_t check_rows(std::size_t block_size, index_t vocab, std::span<const index_t> rows, std::size_t out_size) {
  require(vocab > 0, "vocab", vocab, "must be positive", errc::shape_mismatch);
  require(block_size % static_cast<std::size_t>(vocab) == 0, "logits.size()", block_size, "must be a multiple of vocab",
          errc::shape_mismatch);
  const auto block_rows = static_cast<index_t>(block_size / static_cast<std::size_t>(vocab));
  require(out_size == rows.size(), "out.size()", out_size, "must equal rows.size()", errc::shape_mismatch);
  for (const index_t r : rows) require(r >= 0 && r < block_rows, "rows[i]", r, "must index a row of the logits block");
  return block_rows;
}

}  // namespace detail
UNMASK_NAMESPACE_END
