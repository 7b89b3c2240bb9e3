// unmask: loop-level options of a sampler that are not policies.
// Stagnation stop, equal-prompt requirement, EOS for statistics, step bound.
#pragma once

#include <unmask/core/config.hpp>

UNMASK_NAMESPACE_BEGIN

/// Options of the step loop itself.
struct sampler_options {
  bool stop_when_unchanged = false;   ///< end when a step neither commits nor grows (DAEDAL's guard)
  bool equal_prompt_lengths = false;  ///< reject batches whose prompts differ in length
  token_id eos_id = -1;               ///< for run_stats::effective_length (-1: every token counts)
  index_t max_steps = 0;              ///< 0: the bound derived from the policies
  token_id mask_id = -1;              ///< the canvas must use this mask id (-1: any)
  index_t gen_length = 0;             ///< every row must start with this many generated tokens (0: any)
  friend bool operator==(const sampler_options&, const sampler_options&) = default;
};

UNMASK_NAMESPACE_END
