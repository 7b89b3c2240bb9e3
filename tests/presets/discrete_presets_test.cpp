// Presets llada, fastdllm_* and dream: the policies and defaults each composes, the
// parameter checks (naming parameter and value), and batch-shape requirements.
#include "core/error_matcher.hpp"
#include "core/test_models.hpp"
#include <unmask/policy/score/random_score.hpp>
#include <unmask/presets/dream.hpp>
#include <unmask/presets/fastdllm.hpp>
#include <unmask/presets/llada.hpp>

#include <catch2/catch.hpp>

#include <type_traits>
#include <vector>

namespace {

using unmask::errc;
using unmask::index_t;
using unmask::token_id;
using namespace unmask_test;
namespace presets = unmask::presets;

}  // namespace

TEST_CASE("presets::llada composes LLaDA's generate()", "[presets][llada]") {
  const auto s = presets::llada({.steps = 64,
                                 .gen_length = 128,
                                 .block_length = 32,
                                 .temperature = 0.5,
                                 .cfg_scale = 1.5,
                                 .seed = 11,
                                 .mask_id = 126336,
                                 .eos_id = 126081});
  static_assert(std::is_same_v<std::remove_const_t<decltype(s)>,
                               unmask::sampler<unmask::linear_schedule, unmask::low_confidence, unmask::fixed_blocks,
                                               unmask::fixed_length, unmask::categorical, unmask::cfg,
                                               unmask::no_transform, unmask::simd_backend>>);
  CHECK(s.backend == unmask::simd_backend{.float64 = false, .entropy = false});  // float32 softmax, no entropy read
  CHECK(s.schedule == unmask::linear_schedule{.steps_per_window = 16, .run_all_steps = true});  // 64 / (128 / 32)
  CHECK(s.block == unmask::fixed_blocks{.length = 32, .scan_from_start = true});
  CHECK(s.noise == unmask::categorical{.temperature = 0.5, .seed = 11});
  CHECK(s.guidance == unmask::cfg{.scale = 1.5, .split = false});
  CHECK(s.options.equal_prompt_lengths);
  CHECK(s.options.eos_id == 126081);
  CHECK_FALSE(s.options.stop_when_unchanged);

  // Defaults: the reference's steps = gen_length = block_length = 128, T = 0, no CFG.
  const auto d = presets::llada({});
  CHECK(d.schedule.steps_per_window == 128);
  CHECK(d.block.length == 128);
  CHECK(d.noise.temperature == 0.0);
  CHECK_FALSE(d.guidance.active());
  const presets::llada_params p;
  CHECK(p.mask_id == 126336);
  CHECK(p.eos_id == 126081);

  // remasking = 'random': the score rule is swapped, the rest is the same.
  const auto r = presets::llada({.steps = 8, .gen_length = 16, .block_length = 8}, unmask::random_score{.seed = 3});
  CHECK(r.score == unmask::random_score{.seed = 3});
  CHECK(r.schedule.steps_per_window == 4);
}

TEST_CASE("presets::fastdllm_* compose Fast-dLLM's generate()", "[presets][fastdllm]") {
  const presets::fastdllm_params p{.steps = 64, .gen_length = 96, .block_length = 32, .temperature = 0.25, .seed = 4};
  const auto t = presets::fastdllm_threshold(p);
  CHECK(t.schedule == unmask::confidence_threshold{.threshold = 0.9});
  CHECK(t.block == unmask::fixed_blocks{.length = 32, .scan_from_start = false});
  CHECK(t.noise == unmask::categorical{.temperature = 0.25, .seed = 4});
  CHECK(t.options.equal_prompt_lengths);
  CHECK(presets::fastdllm_threshold(p, 0.7).schedule.threshold == 0.7);
  CHECK(t.backend.float64);  // Fast-dLLM's confidence is a float64 softmax

  const auto f = presets::fastdllm_factor(p, 1.5);
  CHECK(f.schedule == unmask::confidence_factor{.factor = 1.5, .reference_off_by_one = true});
  CHECK_FALSE(presets::fastdllm_factor(p, 1.5, false).schedule.reference_off_by_one);

  const presets::fastdllm_params q{.steps = 96, .gen_length = 96, .block_length = 32};
  const auto x = presets::fastdllm_fixed(q);
  CHECK(x.schedule == unmask::linear_schedule{.steps_per_window = 32, .run_all_steps = false});
  CHECK(x.block.length == 32);
}

TEST_CASE("presets::dream composes Dream's _sample()", "[presets][dream]") {
  const auto s = presets::dream({.steps = 256, .eps = 1e-3, .temperature = 0.2, .top_p = 0.95, .top_k = 20, .seed = 9});
  CHECK(s.schedule == unmask::timestep_schedule{.steps = 256, .eps = 1e-3, .batch_average = true});
  CHECK(s.transform == unmask::dream_logits{.shift = true, .temperature = 0.2, .top_p = 0.95, .top_k = 20});
  // The transform tempers; the token is then drawn from the tempered distribution (T = 1).
  CHECK(s.noise == unmask::categorical{.temperature = 1.0, .seed = 9});
  CHECK(s.options.equal_prompt_lengths);
  CHECK(s.options.eos_id == 151643);
  static_assert(std::is_same_v<decltype(s.score), unmask::low_confidence>);
  const auto greedy = presets::dream({.steps = 16});
  CHECK_FALSE(greedy.backend.float64);
  CHECK_FALSE(greedy.backend.entropy);
  CHECK(presets::dream({}, unmask::neg_entropy_score{}).backend.entropy);  // the entropy rule reads it
  CHECK(greedy.noise.temperature == 0.0);
  CHECK(greedy.transform == unmask::dream_logits{.shift = true});
  CHECK(presets::dream_params{}.steps == 512);
  CHECK(presets::dream_params{}.mask_id == 151666);
  static_assert(std::is_same_v<decltype(presets::dream({}, unmask::margin_score{}).score), unmask::margin_score>);
  static_assert(
      std::is_same_v<decltype(presets::dream({}, unmask::neg_entropy_score{}).score), unmask::neg_entropy_score>);
}

TEST_CASE("presets reject bad parameters, naming parameter and value", "[presets][errors]") {
  // LLaDA's asserts: gen_length % block_length == 0, steps % blocks == 0; positive sizes.
  REQUIRE_THROWS_MATCHES(presets::llada({.steps = 10, .gen_length = 32, .block_length = 8}), unmask::error,
                         error_is(errc::invalid_argument, "steps", "steps = 10"));
  REQUIRE_THROWS_MATCHES(presets::llada({.steps = 8, .gen_length = 30, .block_length = 8}), unmask::error,
                         error_is(errc::invalid_argument, "block_length", "block_length = 8"));
  REQUIRE_THROWS_MATCHES(presets::llada({.steps = 8, .gen_length = 0, .block_length = 8}), unmask::error,
                         error_is(errc::invalid_argument, "gen_length", "gen_length = 0"));
  REQUIRE_THROWS_MATCHES(presets::llada({.steps = 8, .gen_length = -16, .block_length = 8}), unmask::error,
                         error_is(errc::invalid_argument, "gen_length", "gen_length = -16"));
  REQUIRE_THROWS_MATCHES(presets::llada({.steps = 0, .gen_length = 16, .block_length = 8}), unmask::error,
                         error_is(errc::invalid_argument, "steps", "steps = 0"));
  REQUIRE_THROWS_MATCHES(presets::llada({.steps = -4, .gen_length = 16, .block_length = 8}), unmask::error,
                         error_is(errc::invalid_argument, "steps", "steps = -4"));
  REQUIRE_THROWS_MATCHES(presets::llada({.steps = 8, .gen_length = 16, .block_length = 0}), unmask::error,
                         error_is(errc::invalid_argument, "block_length", "block_length = 0"));
  REQUIRE_THROWS_MATCHES(presets::llada({.steps = 8, .gen_length = 16, .block_length = 8, .temperature = -1}),
                         unmask::error, error_is(errc::invalid_argument, "temperature", "temperature = -1"));
  REQUIRE_THROWS_MATCHES(presets::llada({.steps = 8, .gen_length = 16, .block_length = 8, .cfg_scale = -0.5}),
                         unmask::error, error_is(errc::invalid_argument, "cfg_scale", "cfg_scale = -0.5"));

  const presets::fastdllm_params fp{.steps = 32, .gen_length = 32, .block_length = 8};
  REQUIRE_THROWS_MATCHES(presets::fastdllm_threshold(fp, 1.25), unmask::error,
                         error_is(errc::invalid_argument, "threshold", "threshold = 1.25"));
  REQUIRE_THROWS_MATCHES(presets::fastdllm_threshold(fp, -0.5), unmask::error,
                         error_is(errc::invalid_argument, "threshold", "threshold = -0.5"));
  REQUIRE_THROWS_MATCHES(presets::fastdllm_factor(fp, 0.0), unmask::error,
                         error_is(errc::invalid_argument, "factor", "factor = 0"));
  REQUIRE_THROWS_MATCHES(presets::fastdllm_threshold({.steps = 32, .gen_length = 30, .block_length = 8}), unmask::error,
                         error_is(errc::invalid_argument, "block_length", "block_length = 8"));
  REQUIRE_THROWS_MATCHES(presets::fastdllm_fixed({.steps = 6, .gen_length = 32, .block_length = 8}), unmask::error,
                         error_is(errc::invalid_argument, "steps", "steps = 6"));
  REQUIRE_THROWS_MATCHES(presets::fastdllm_fixed({.steps = 0, .gen_length = 32, .block_length = 8}), unmask::error,
                         error_is(errc::invalid_argument, "steps", "steps = 0"));

  REQUIRE_THROWS_MATCHES(presets::dream({.steps = 0}), unmask::error,
                         error_is(errc::invalid_argument, "steps", "steps = 0"));
  REQUIRE_THROWS_MATCHES(presets::dream({.steps = 8, .eps = 0.0}), unmask::error,
                         error_is(errc::invalid_argument, "eps", "eps = 0"));
  REQUIRE_THROWS_MATCHES(presets::dream({.steps = 8, .top_p = 0.0}), unmask::error,
                         error_is(errc::invalid_argument, "top_p", "top_p = 0"));
  REQUIRE_THROWS_MATCHES(presets::dream({.steps = 8, .top_k = -2}), unmask::error,
                         error_is(errc::invalid_argument, "top_k", "top_k = -2"));
}

TEST_CASE("LLaDA, Fast-dLLM and Dream presets reject prompts of unequal length", "[presets][errors]") {
  const std::vector<std::vector<token_id>> ragged{{1, 2, 3}, {4, 5}};
  auto canvas = unmask::token_buffer::from_prompts(ragged, 8, 12, 11);
  const unmask::token_buffer copy = canvas;
  random_logits_model m{.seed = 1, .banned = {11}};
  const auto llada = presets::llada({.steps = 8, .gen_length = 8, .block_length = 4, .mask_id = 11});
  REQUIRE_THROWS_MATCHES(llada.run(canvas, m), unmask::error,
                         error_is(errc::shape_mismatch, "prompt_length(row)", "prompt_length(row) = 2"));
  CHECK(canvas == copy);
  const auto dream = presets::dream({.steps = 8, .mask_id = 11});
  REQUIRE_THROWS_MATCHES(dream.run(canvas, m), unmask::error,
                         error_is(errc::shape_mismatch, "prompt_length(row)", "prompt_length(row) = 2"));
  CHECK(canvas == copy);
  const auto fast = presets::fastdllm_threshold({.steps = 8, .gen_length = 8, .block_length = 4, .mask_id = 11});
  REQUIRE_THROWS_MATCHES(fast.run(canvas, m), unmask::error,
                         error_is(errc::shape_mismatch, "prompt_length(row)", "prompt_length(row) = 2"));
  CHECK(canvas == copy);
  CHECK(m.calls == 0);
}

TEST_CASE("presets run end to end on a random model", "[presets]") {
  const std::vector<std::vector<token_id>> prompts{{1, 2, 3}, {4, 5, 6}};
  auto run = [&](const auto& s) {
    auto canvas = unmask::token_buffer::from_prompts(prompts, 16, 12, 11);
    random_logits_model m{.seed = 7, .banned = {11}};
    const auto st = s.run(canvas, m);
    CHECK(canvas.count_masked(0) + canvas.count_masked(1) == 0);
    CHECK(st.committed == 32);
    return st;
  };
  CHECK(run(presets::llada({.steps = 8, .gen_length = 16, .block_length = 8, .mask_id = 11})).model_calls == 8);
  CHECK(run(presets::llada({.steps = 8, .gen_length = 16, .block_length = 8, .cfg_scale = 1.0, .mask_id = 11})).forward_calls == 8);
  CHECK(run(presets::llada({.steps = 32, .gen_length = 16, .block_length = 8, .mask_id = 11})).model_calls ==
        32);  // 0-token steps kept
  CHECK(run(presets::fastdllm_fixed({.steps = 32, .gen_length = 16, .block_length = 8, .mask_id = 11})).model_calls == 16);
  CHECK(run(presets::fastdllm_threshold({.steps = 8, .gen_length = 16, .block_length = 8, .mask_id = 11})).model_calls <= 16);
  CHECK(run(presets::fastdllm_factor({.steps = 8, .gen_length = 16, .block_length = 8, .mask_id = 11}, 1.0)).model_calls <= 16);
  CHECK(run(presets::dream({.steps = 10, .temperature = 0.3, .top_p = 0.9, .top_k = 5, .seed = 1, .mask_id = 11})).model_calls == 10);
}
