// unmask: what the sampler asks the model for in one forward pass.
// Rows with their tokens, the positions whose logits are wanted, the active window.
#pragma once

#include <unmask/core/config.hpp>

#include <span>

UNMASK_NAMESPACE_BEGIN

/// One input row of a forward pass.
struct forward_row {
  std::span<const token_id> tokens;  ///< the whole input sequence of this row
  index_t canvas_row = 0;            ///< which canvas row it comes from
  bool unconditional = false;        ///< CFG's copy with the prompt replaced by masks
  index_t logits_begin = 0;          ///< first position whose logits are wanted
  index_t logits_end = 0;            ///< one past the last such position
  index_t window_begin = 0;          ///< active block: positions that may change this step
  index_t window_end = 0;            ///< (an engine with a KV cache recomputes only these)
  float* logits = nullptr;           ///< out: (logits_end - logits_begin) x vocab, position-major
};

/// A forward pass: the model writes `vocab` float logits for every wanted position of
/// every row. With classifier-free guidance the unconditional rows either follow the
/// conditional ones in the same request or come in a second request (`cfg::split_calls`).
struct forward_request {
  index_t step = 0;                   ///< the sampler step this pass serves
  index_t vocab = 0;                  ///< logits per position
  std::span<const forward_row> rows;  ///< rows to run, in this order
};

UNMASK_NAMESPACE_END
