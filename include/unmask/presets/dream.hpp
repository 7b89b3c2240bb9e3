// unmask: Dream's `_sample` as a composition: timestep schedule, shifted and filtered logits.
// Algorithms maskgit_plus / topk_margin / entropy pick the score rule.
#pragma once

#include <unmask/core/error.hpp>
#include <unmask/core/sampler.hpp>
#include <unmask/policy/block/whole_canvas.hpp>
#include <unmask/policy/noise/categorical.hpp>
#include <unmask/policy/schedule/timestep_schedule.hpp>
#include <unmask/policy/score/low_confidence.hpp>
#include <unmask/policy/score/margin_score.hpp>
#include <unmask/policy/score/neg_entropy_score.hpp>
#include <unmask/policy/transform/dream_logits.hpp>
#include <unmask/presets/preset_backend.hpp>

#include <cstdint>

UNMASK_NAMESPACE_BEGIN
namespace presets {

/// Dream `diffusion_generate` parameters (DreamGenerationConfig defaults; mask 151666).
struct dream_params {
  index_t steps = 512;
  double eps = 1e-3;
  double temperature = 0.0;
  double top_p = 1.0;  ///< 1: off (the reference's None)
  index_t top_k = 0;   ///< 0: off (None)
  std::uint64_t seed = 0;
  token_id mask_id = 151666;
  token_id eos_id = 151643;
};

template <class Score = low_confidence>
using dream_sampler =
    sampler<timestep_schedule, Score, whole_canvas, fixed_length, categorical, no_guidance, dream_logits, simd_backend>;

/// Dream (Ye et al., "Dream 7B", 2025): no blocks, `steps` steps over
/// linspace(1, eps, steps + 1), k = int(n (1 - s/t)) per step (0-token steps kept),
/// logits shifted right by one, then temperature, top-p, top-k; the score rule is
/// `low_confidence` (maskgit_plus), `margin_score` (topk_margin) or
/// `neg_entropy_score` (entropy). With T > 0 tokens are sampled from the filtered
/// distribution (the reference's silent greedy fallback on bf16 errors is not kept).
template <class Score = low_confidence>
[[nodiscard]] dream_sampler<Score> dream(const dream_params& p, Score score = {}) {
  dream_sampler<Score> s;
  s.schedule = {.steps = p.steps, .eps = p.eps};
  s.score = score;
  s.transform = {.shift = true, .temperature = p.temperature, .top_p = p.top_p, .top_k = p.top_k};
  s.noise = {.temperature = p.temperature > 0 ? 1.0 : 0.0, .seed = p.seed};
  s.backend = preset_backend<Score>(false);
  s.options = {.equal_prompt_lengths = true, .eos_id = p.eos_id, .mask_id = p.mask_id};
  s.validate();
  return s;
}

}  // namespace presets
UNMASK_NAMESPACE_END
