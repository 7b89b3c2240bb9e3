// unmask: Fast-dLLM's LLaDA `generate` (no cache): threshold, factor or fixed schedules.
// Blocks as LLaDA, confidence in float64, a window ends when it has no masks.
#pragma once

#include <unmask/core/error.hpp>
#include <unmask/core/sampler.hpp>
#include <unmask/policy/block/fixed_blocks.hpp>
#include <unmask/policy/noise/categorical.hpp>
#include <unmask/policy/schedule/confidence_factor.hpp>
#include <unmask/policy/schedule/confidence_threshold.hpp>
#include <unmask/policy/schedule/linear_schedule.hpp>
#include <unmask/policy/score/low_confidence.hpp>
#include <unmask/presets/preset_backend.hpp>

#include <cstdint>

UNMASK_NAMESPACE_BEGIN
namespace presets {

/// Fast-dLLM `llada/generate.py: generate()` parameters (NVlabs/Fast-dLLM).
struct fastdllm_params {
  index_t steps = 128;
  index_t gen_length = 128;
  index_t block_length = 128;
  double temperature = 0.0;
  std::uint64_t seed = 0;
  token_id mask_id = 126336;
  token_id eos_id = 126081;
};

template <class Schedule>
using fastdllm_sampler =
    sampler<Schedule, low_confidence, fixed_blocks, fixed_length, categorical, no_guidance, no_transform, simd_backend>;

namespace detail_fastdllm {
template <class Schedule>
fastdllm_sampler<Schedule> compose(const fastdllm_params& p, Schedule schedule) {
  detail::require(p.gen_length > 0, "gen_length", p.gen_length, "must be positive");
  detail::require(p.block_length > 0, "block_length", p.block_length, "must be positive");
  detail::require(p.gen_length % p.block_length == 0, "block_length", p.block_length, "must divide gen_length");
  fastdllm_sampler<Schedule> s;
  s.schedule = schedule;
  s.block = {.length = p.block_length, .scan_from_start = false};
  s.noise = {.temperature = p.temperature, .seed = p.seed};
  s.backend = preset_backend<low_confidence>(true);  // float64 softmax, as the reference
  s.options = {.equal_prompt_lengths = true, .eos_id = p.eos_id, .mask_id = p.mask_id, .gen_length = p.gen_length};
  s.validate();
  return s;
}
}  // namespace detail_fastdllm

/// Fast-dLLM confidence-threshold parallel decoding (Wu et al. 2025; default 0.9):
/// per step the most confident mask of the block and every other one with p >= threshold.
[[nodiscard]] inline fastdllm_sampler<confidence_threshold> fastdllm_threshold(const fastdllm_params& p,
                                                                              double threshold = 0.9) {
  return detail_fastdllm::compose(p, confidence_threshold{.threshold = threshold});
}

/// Fast-dLLM factor rule; `reference_off_by_one` keeps the released code's last-rank quirk.
[[nodiscard]] inline fastdllm_sampler<confidence_factor> fastdllm_factor(const fastdllm_params& p, double factor,
                                                                        bool reference_off_by_one = true) {
  return detail_fastdllm::compose(p, confidence_factor{.factor = factor, .reference_off_by_one = reference_off_by_one});
}

/// Fast-dLLM with threshold = factor = None: LLaDA's linear schedule, but a block ends
/// as soon as it has no masks (so no 0-token steps), and confidence in float64.
[[nodiscard]] inline fastdllm_sampler<linear_schedule> fastdllm_fixed(const fastdllm_params& p) {
  detail::require(p.steps > 0, "steps", p.steps, "must be positive");
  detail::require(p.block_length > 0 && p.gen_length % p.block_length == 0, "block_length", p.block_length,
                  "must divide gen_length");
  const index_t blocks = p.gen_length / p.block_length;
  detail::require(p.steps % blocks == 0, "steps", p.steps, "must be a multiple of gen_length / block_length");
  return detail_fastdllm::compose(p, linear_schedule{.steps_per_window = p.steps / blocks, .run_all_steps = false});
}

}  // namespace presets
UNMASK_NAMESPACE_END
