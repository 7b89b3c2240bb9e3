// unmask: what a schedule sees when it picks the positions to commit.
// Per-row progress, the batch's mask count and the candidates of every active row.
#pragma once

#include <unmask/core/candidate.hpp>
#include <unmask/core/config.hpp>
#include <unmask/core/row_state.hpp>

#include <span>

UNMASK_NAMESPACE_BEGIN

/// The candidates of one active row.
struct row_candidates {
  index_t row = 0;
  std::span<candidate> items;  ///< masked positions of the row's scan range, in position order
};

/// Context of one selection.
struct schedule_context {
  index_t step = 0;                  ///< 0-based denoising step
  index_t batch_rows = 0;            ///< rows in the batch (finished ones included)
  index_t batch_masked = 0;          ///< masks in the whole canvas before this step
  token_id mask_id = 0;
  std::span<const row_state> rows;   ///< per canvas row
};

UNMASK_NAMESPACE_END
