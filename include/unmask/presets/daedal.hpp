// unmask: DAEDAL (variable-length denoising) as a composition of reusable policies.
// Stage 1 growth + Stage 2 insertion + DAEDAL's fill rule + moving blocks + low confidence.
#pragma once

#include <unmask/core/error.hpp>
#include <unmask/core/sampler.hpp>
#include <unmask/core/token_buffer.hpp>
#include <unmask/policy/block/fixed_blocks.hpp>
#include <unmask/policy/guidance/cfg.hpp>
#include <unmask/policy/length/initial_length_adjustment.hpp>
#include <unmask/policy/length/length_chain.hpp>
#include <unmask/policy/length/mask_insertion.hpp>
#include <unmask/policy/noise/categorical.hpp>
#include <unmask/policy/schedule/daedal_fill.hpp>
#include <unmask/policy/score/low_confidence.hpp>
#include <unmask/presets/preset_backend.hpp>

#include <cstdint>
#include <span>
#include <vector>

UNMASK_NAMESPACE_BEGIN
namespace presets {

/// DAEDAL `generate()` parameters, names and defaults as in the reference
/// (Li-Jinsong/DAEDAL models/LLaDA_DAEDAL.py at 846c5e6+; LLaDA token ids).
struct daedal_params {
  index_t initial_gen_length = 64;
  index_t max_gen_length = 2048;
  index_t block_length = 32;
  double temperature = 0.0;
  double cfg_scale = 0.0;
  double high_conf_threshold = 0.9;
  double low_conf_threshold = 0.1;
  index_t expansion_factor = 8;
  double eos_confidence_threshold = 0.5;
  double expand_eos_confidence_threshold = 0.9;
  index_t eos_check_tokens = 32;
  std::uint64_t seed = 0;
  token_id mask_id = 126336;
  token_id eos_id = 126081;
};

using daedal_length = length_chain<initial_length_adjustment, mask_insertion>;
template <class Score = low_confidence>
using daedal_sampler =
    sampler<daedal_fill, Score, fixed_blocks, daedal_length, categorical, cfg, no_transform, simd_backend>;

/// DAEDAL (Li et al., "Beyond Fixed: Variable-Length Denoising for Diffusion Large
/// Language Models", 2025) = initial_length_adjustment (Stage 1, then
/// `eos_check_tokens / 2` fixed EOS tokens appended) + mask_insertion (Stage 2) +
/// daedal_fill + fixed_blocks{block_length} + low_confidence, stopping early on a step
/// that changes nothing (the reference's stagnation guard). Rows of a batch grow
/// independently: each row is its own length, which is what the reference's EOS
/// padding hidden from attention amounts to. Start from `daedal_canvas`.
template <class Score = low_confidence>
[[nodiscard]] daedal_sampler<Score> daedal(const daedal_params& p, Score score = {}) {
  const eos_confidence measure{.eos_id = p.eos_id, .window = p.eos_check_tokens};
  daedal_sampler<Score> s;
  s.schedule = {.high_threshold = p.high_conf_threshold};
  s.score = score;
  s.block = {.length = p.block_length};
  s.length.parts = {initial_length_adjustment{.step = p.expansion_factor,
                                              .eos_threshold = p.eos_confidence_threshold,
                                              .max_gen_length = p.max_gen_length,
                                              .measure = measure,
                                              .eos_anchor = p.eos_check_tokens / 2},
                    mask_insertion{.low_threshold = p.low_conf_threshold,
                                   .factor = p.expansion_factor,
                                   .eos_threshold = p.expand_eos_confidence_threshold,
                                   .max_gen_length = p.max_gen_length,
                                   .measure = measure}};
  s.noise = {.temperature = p.temperature, .seed = p.seed};
  s.guidance = {.scale = p.cfg_scale};
  s.backend = preset_backend<Score>(false);  // float32 softmax under autocast, as the reference
  s.options = {.stop_when_unchanged = true, .eos_id = p.eos_id, .mask_id = p.mask_id, .gen_length = p.initial_gen_length};
  detail::require(p.initial_gen_length > 0 && p.initial_gen_length <= p.max_gen_length, "initial_gen_length",
                  p.initial_gen_length, "must lie in [1, max_gen_length]");
  s.validate();
  return s;
}

/// The starting canvas: each prompt followed by `initial_gen_length` masks, with room
/// for `max_gen_length` generated tokens a row.
[[nodiscard]] inline token_buffer daedal_canvas(std::span<const std::vector<token_id>> prompts,
                                                const daedal_params& p, index_t vocab_size) {
  detail::require(p.initial_gen_length > 0 && p.initial_gen_length <= p.max_gen_length, "initial_gen_length",
                  p.initial_gen_length, "must lie in [1, max_gen_length]");
  index_t longest = 0;
  for (const auto& q : prompts) longest = std::max(longest, static_cast<index_t>(q.size()));
  return token_buffer::from_prompts(prompts, p.initial_gen_length, vocab_size, p.mask_id, longest + p.max_gen_length);
}

}  // namespace presets
UNMASK_NAMESPACE_END
