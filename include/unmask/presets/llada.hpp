// unmask: LLaDA's `generate` as a composition of policies, with the reference defaults.
// Linear schedule per block, low-confidence (or random) remasking, CFG, Gumbel-free sampling.
#pragma once

#include <unmask/core/error.hpp>
#include <unmask/core/sampler.hpp>
#include <unmask/policy/block/fixed_blocks.hpp>
#include <unmask/policy/guidance/cfg.hpp>
#include <unmask/policy/noise/categorical.hpp>
#include <unmask/policy/schedule/linear_schedule.hpp>
#include <unmask/policy/score/low_confidence.hpp>
#include <unmask/presets/preset_backend.hpp>

#include <cstdint>

UNMASK_NAMESPACE_BEGIN
namespace presets {

/// LLaDA `generate()` parameters, names and defaults as in the reference
/// (ML-GSAI/LLaDA generate.py; mask 126336, EOS 126081).
struct llada_params {
  index_t steps = 128;
  index_t gen_length = 128;
  index_t block_length = 128;
  double temperature = 0.0;
  double cfg_scale = 0.0;
  std::uint64_t seed = 0;
  token_id mask_id = 126336;
  token_id eos_id = 126081;
};

template <class Score = low_confidence>
using llada_sampler =
    sampler<linear_schedule, Score, fixed_blocks, fixed_length, categorical, cfg, no_transform, simd_backend>;

/// LLaDA (Nie et al., "Large Language Diffusion Models", 2025): blocks of
/// `block_length`, `steps / (gen_length / block_length)` steps each, k per step from
/// `get_num_transfer_tokens` (every step runs, even one that commits 0 tokens), the k
/// most confident masks (score: p of the untempered softmax; `random_score` for
/// remasking='random'), unsupervised CFG. Quirk kept: masks left of the block (only in
/// a prompt that holds masks) compete too. Temperature sampling draws one Philox
/// uniform per position instead of float64 Gumbel noise per entry (same distribution).
/// Throws unless gen_length % block_length == 0 and steps % (gen_length / block_length) == 0.
template <class Score = low_confidence>
[[nodiscard]] llada_sampler<Score> llada(const llada_params& p, Score score = {}) {
  detail::require(p.gen_length > 0, "gen_length", p.gen_length, "must be positive");
  detail::require(p.block_length > 0, "block_length", p.block_length, "must be positive");
  detail::require(p.steps > 0, "steps", p.steps, "must be positive");
  detail::require(p.gen_length % p.block_length == 0, "block_length", p.block_length, "must divide gen_length");
  const index_t blocks = p.gen_length / p.block_length;
  detail::require(p.steps % blocks == 0, "steps", p.steps, "must be a multiple of gen_length / block_length");
  llada_sampler<Score> s;
  s.schedule = {.steps_per_window = p.steps / blocks, .run_all_steps = true};
  s.score = score;
  s.block = {.length = p.block_length, .scan_from_start = true};
  s.noise = {.temperature = p.temperature, .seed = p.seed};
  s.guidance = {.scale = p.cfg_scale};
  s.backend = preset_backend<Score>(false);
  s.options = {.equal_prompt_lengths = true, .eos_id = p.eos_id, .mask_id = p.mask_id, .gen_length = p.gen_length};
  s.validate();
  return s;
}

}  // namespace presets
UNMASK_NAMESPACE_END
