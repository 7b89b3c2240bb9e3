// unmask: SMDM's `diff_sample` as compositions: `greddy` (batch-global top-k) and `origin` (Bernoulli).
// Whole canvas of context_length tokens, Gumbel-equivalent temperature sampling, unsupervised CFG.
#pragma once

#include <unmask/core/error.hpp>
#include <unmask/core/sampler.hpp>
#include <unmask/presets/preset_backend.hpp>
#include <unmask/core/token_buffer.hpp>
#include <unmask/policy/block/whole_canvas.hpp>
#include <unmask/policy/guidance/cfg.hpp>
#include <unmask/policy/noise/categorical.hpp>
#include <unmask/policy/schedule/bernoulli_schedule.hpp>
#include <unmask/policy/schedule/global_timestep_schedule.hpp>
#include <unmask/policy/score/low_confidence.hpp>

#include <cstdint>
#include <span>
#include <vector>

UNMASK_NAMESPACE_BEGIN
namespace presets {

/// SMDM `diff_sample()` parameters, names and defaults as in the reference
/// (ML-GSAI/SMDM eval/gen_model_answer.py; `dim` = 32000 is the mask id of its
/// TinyLlama vocabulary; EOS `</s>` = 2, used only for run_stats). `context_length` is
/// the TOTAL length, prompt included.
struct smdm_params {
  index_t steps = 512;
  double temperature = 1.0;
  double cfg_scale = 2.0;
  index_t context_length = 2048;
  double eps = 1e-5;
  std::uint64_t seed = 0;
  token_id mask_id = 32000;
  token_id eos_id = 2;
};

using smdm_greedy_sampler =
    sampler<global_timestep_schedule, low_confidence, whole_canvas, fixed_length, categorical, cfg, no_transform,
            simd_backend>;
using smdm_origin_sampler =
    sampler<bernoulli_schedule, low_confidence, whole_canvas, fixed_length, categorical, cfg, no_transform, simd_backend>;

namespace detail_smdm {
template <class S>
void common(S& s, const smdm_params& p) {
  detail::require(p.context_length > 0, "context_length", p.context_length, "must be positive");
  s.noise = {.temperature = p.temperature, .seed = p.seed};
  s.backend = preset_backend<low_confidence>(true);  // float64 softmax, as the reference
  s.guidance = {.scale = p.cfg_scale};
  s.options = {.equal_prompt_lengths = true, .eos_id = p.eos_id, .mask_id = p.mask_id};
}
}  // namespace detail_smdm

/// SMDM `alg='greddy'` (Nie et al., "Scaling up Masked Diffusion Models on Text", 2024;
/// its GSM8K recipe): no blocks, `steps` steps over linspace(1, eps, steps + 1); each
/// step proposes a token per mask (softmax(l / T) sample, argmax at T = 0), scores it
/// by its probability under the untempered float64 softmax and commits the
/// int(N (1 - s/t)) most confident of the WHOLE batch (N: masks of every row; chosen
/// across rows together, ties to the lower (row, position)); all on the last step.
/// Unsupervised CFG with the prompt masked when cfg_scale > 0. Quirks kept: masks
/// inside a prompt (SMDM pads with its mask id) are generated too; 0-token steps still
/// cost a model call. Not kept: the reference draws float64 Gumbel noise per vocabulary
/// entry with no T = 0 guard (at T = 0 it takes argmax exp(l), which differs from
/// argmax l only when logits overflow exp, above ~709); this samples the same
/// distribution with one Philox uniform per position. Build the canvas with
/// `smdm_canvas`. Throws on bad parameters.
[[nodiscard]] inline smdm_greedy_sampler smdm_greedy(const smdm_params& p) {
  smdm_greedy_sampler s;
  detail_smdm::common(s, p);
  s.schedule = {.steps = p.steps, .eps = p.eps};
  s.validate();
  return s;
}

/// SMDM `alg='origin'` (the default; its MT-Bench recipe): as `smdm_greedy`, but each
/// mask is revealed independently with probability 1 - s/t (1 on the last step), the
/// coin from Philox stream 3 (`bernoulli_schedule`), with a token sampled from
/// softmax(l / T). Throws on bad parameters.
[[nodiscard]] inline smdm_origin_sampler smdm_origin(const smdm_params& p) {
  smdm_origin_sampler s;
  detail_smdm::common(s, p);
  s.schedule = {.steps = p.steps, .eps = p.eps, .seed = p.seed};
  s.validate();
  return s;
}

/// The reference's canvas: each prompt followed by masks up to `context_length` tokens
/// in total. Throws unless the prompts share one length P < context_length and the
/// mask id lies in [0, vocab_size) (a model whose head lacks the mask class, as SMDM's,
/// must still write a logit for it, e.g. -inf).
[[nodiscard]] inline token_buffer smdm_canvas(std::span<const std::vector<token_id>> prompts, const smdm_params& p,
                                              index_t vocab_size) {
  detail::require(!prompts.empty(), "prompts.size()", prompts.size(), "must be positive");
  const auto len = static_cast<index_t>(prompts.front().size());
  for (const auto& q : prompts)
    detail::require(static_cast<index_t>(q.size()) == len, "prompt length", q.size(),
                    "every prompt of an SMDM batch must have the same length", errc::shape_mismatch);
  detail::require(len < p.context_length, "context_length", p.context_length,
                  "must exceed the prompt length (it is the total length)");
  return token_buffer::from_prompts(prompts, p.context_length - len, vocab_size, p.mask_id);
}

}  // namespace presets
UNMASK_NAMESPACE_END
