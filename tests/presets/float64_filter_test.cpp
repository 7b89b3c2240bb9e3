// The float64 decision filter (simd_backend::float64_filter, on in the float64 presets):
// every decision equals the float64 kernel's, on models built to put scores within the
// float pass's error of the threshold, of the factor rule's critical values and of each other.
#include "core/test_models.hpp"
#include <unmask/core/philox.hpp>
#include <unmask/presets/fastdllm.hpp>
#include <unmask/kernels/portable_backend.hpp>
#include <unmask/policy/schedule/daedal_fill.hpp>
#include <unmask/policy/score/neg_entropy_score.hpp>
#include <unmask/presets/smdm.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace {

using unmask::index_t;
using unmask::token_id;
using unmask_test::recorded_step;
using unmask_test::recording_observer;
namespace presets = unmask::presets;

constexpr index_t vocab = 40;
constexpr token_id mask = 39;

// Every row: one top token at a ~ ln(9 (vocab - 2)) plus j float ulps (j in [-4, 4], a
// function of step and position), the others at 0, the mask token banned. So p(top)
// is 0.9 (Fast-dLLM's threshold, and 1 - 1 / 10 of the factor rule) to within a few
// 1e-8, rows repeat exactly (exact ties), and neighbours differ by one ulp of a:
// inside the bounded pass's error, so only float64 decides them.
struct near_decision_model {
  index_t calls = 0;
  void operator()(const unmask::forward_request& req) {
    ++calls;
    const float a0 = std::log(9.0f * static_cast<float>(vocab - 2));
    for (const auto& fr : req.rows)
      for (index_t p = fr.logits_begin; p < fr.logits_end; ++p) {
        float* l = fr.logits + (p - fr.logits_begin) * req.vocab;
        const auto w = unmask::philox_words(5, {.stream = 77, .step = static_cast<std::uint32_t>(req.step),
                                                .row = static_cast<std::uint32_t>(fr.canvas_row),
                                                .position = static_cast<std::uint32_t>(p)}, 0);
        float a = a0;
        const int j = static_cast<int>(w[0] % 9) - 4;
        for (int i = 0; i < (j < 0 ? -j : j); ++i) a = std::nextafter(a, j < 0 ? 0.0f : 100.0f);
        for (index_t v = 0; v < req.vocab; ++v) l[v] = 0.0f;
        l[static_cast<index_t>(w[1] % static_cast<std::uint32_t>(vocab - 1))] = a;
        l[mask] = -std::numeric_limits<float>::infinity();
      }
  }
};

// Random logits (N(0, 3^2)) with the mask token banned: ordinary rows.
struct random_model {
  unmask_test::random_logits_model inner{.seed = 3, .scale = 3.0, .banned = {mask}};
  void operator()(const unmask::forward_request& req) { inner(req); }
};

struct outcome {
  std::vector<recorded_step> steps;
  std::vector<std::vector<token_id>> canvas;
  unmask::run_stats stats;
};

template <class Sampler, class Model>
outcome run(const Sampler& s, unmask::token_buffer canvas) {
  outcome o;
  Model m;
  o.stats = s.run(canvas, m, recording_observer{&o.steps});
  o.canvas = unmask_test::rows_of(canvas);
  return o;
}

// Runs `s` with the filter (as the preset has it) and without; the commits of every
// step must agree. Returns the number of scores the filter recomputed.
template <class Model, class Sampler>
index_t same_decisions(Sampler s, const unmask::token_buffer& canvas) {
  REQUIRE(s.backend.float64);
  REQUIRE(s.backend.float64_filter);
  const outcome on = run<Sampler, Model>(s, canvas);
  s.backend.float64_filter = false;
  const outcome off = run<Sampler, Model>(s, canvas);
  REQUIRE(on.steps.size() == off.steps.size());
  for (std::size_t k = 0; k < on.steps.size(); ++k) {
    CAPTURE(k);
    CHECK(on.steps[k].commits == off.steps[k].commits);
  }
  CHECK(on.canvas == off.canvas);
  CHECK(off.stats.refined == 0);
  return on.stats.refined;
}

unmask::token_buffer fastdllm_canvas() {
  const std::vector<std::vector<token_id>> prompts{{1, 2, 3}, {4, 5, 6}, {7, 8, 9}};
  return unmask::token_buffer::from_prompts(prompts, 64, vocab, mask);
}

}  // namespace

TEST_CASE("float64 filter: Fast-dLLM threshold decisions equal float64's", "[presets][fastdllm][filter]") {
  static_assert(presets::fastdllm_sampler<unmask::confidence_threshold>::filterable);
  const presets::fastdllm_params p{.steps = 64, .gen_length = 64, .block_length = 16, .mask_id = mask};
  const index_t hard = same_decisions<near_decision_model>(presets::fastdllm_threshold(p), fastdllm_canvas());
  CHECK(hard > 0);  // the model is built so that the float pass cannot decide alone
  same_decisions<random_model>(presets::fastdllm_threshold(p), fastdllm_canvas());
  same_decisions<random_model>(presets::fastdllm_threshold({.steps = 64, .gen_length = 64, .block_length = 16,
                                                            .temperature = 0.7, .seed = 9, .mask_id = mask}),
                               fastdllm_canvas());
}

TEST_CASE("float64 filter: Fast-dLLM factor and fixed decisions equal float64's", "[presets][fastdllm][filter]") {
  const presets::fastdllm_params p{.steps = 64, .gen_length = 64, .block_length = 16, .mask_id = mask};
  CHECK(same_decisions<near_decision_model>(presets::fastdllm_factor(p, 1.0), fastdllm_canvas()) > 0);
  CHECK(same_decisions<near_decision_model>(presets::fastdllm_factor(p, 1.0, false), fastdllm_canvas()) > 0);
  same_decisions<random_model>(presets::fastdllm_factor(p, 1.5), fastdllm_canvas());
  CHECK(same_decisions<near_decision_model>(presets::fastdllm_fixed(p), fastdllm_canvas()) > 0);  // near-ties
  same_decisions<random_model>(presets::fastdllm_fixed(p), fastdllm_canvas());
}

TEST_CASE("float64 filter: SMDM decisions equal float64's", "[presets][smdm][filter]") {
  const presets::smdm_params sp{.steps = 16, .temperature = 0.0, .cfg_scale = 0.0, .context_length = 40,
                                .seed = 2, .mask_id = mask};
  const std::vector<std::vector<token_id>> prompts{{1, 2}, {3, 4}};
  const auto canvas = presets::smdm_canvas(prompts, sp, vocab);
  CHECK(same_decisions<near_decision_model>(presets::smdm_greedy(sp), canvas) > 0);
  same_decisions<random_model>(presets::smdm_greedy(sp), canvas);
  same_decisions<random_model>(presets::smdm_origin(sp), canvas);
}

TEST_CASE("float64 filter: critical scores of the schedules", "[policy][schedule][filter]") {
  const unmask::confidence_threshold t{.threshold = 0.9};
  CHECK(t.critical_between(0.89, 0.91));
  CHECK(t.critical_between(0.9, 0.9));
  CHECK_FALSE(t.critical_between(0.91, 0.95));
  CHECK_FALSE(t.critical_between(0.5, 0.8999));
  const unmask::confidence_factor f{.factor = 1.0};
  // Critical values 1 - 1 / j, j >= 3: 2/3, 3/4, ..., 0.9 (j = 10), ...
  CHECK(f.critical_between(0.66, 0.67));
  CHECK(f.critical_between(0.8999, 0.9001));
  CHECK_FALSE(f.critical_between(0.5, 0.66));  // below 2/3: rank 2's value 1 - 1/3 is the smallest
  CHECK_FALSE(f.critical_between(0.901, 0.909));  // between 1 - 1/10 and 1 - 1/11
  CHECK(f.critical_between(0.99999, 0.999991));    // 1 - 1/j for j ~ 1e5
  CHECK_FALSE(f.critical_between(1.0000001, 2.0));
  for (double lo = 0.0; lo < 0.999; lo += 0.0137) {  // against a scan over ranks
    const double hi = lo + 0.004;
    bool want = false;
    for (int j = 3; j < 100000 && !want; ++j) {
      const double v = 1.0 - 1.0 / static_cast<double>(j);
      want = lo <= v && v <= hi;
    }
    CAPTURE(lo);
    CHECK(f.critical_between(lo, hi) == want);
  }
  CHECK_FALSE(unmask::linear_schedule{}.critical_between(0.0, 1.0));
}

// A token sampler that reads the statistics' lse (so its pick could depend on the
// bounded pass's error).
struct lse_reading_sampler {
  unmask::token_choice pick(std::span<const float>, const unmask::row_stats& s, unmask::random_counter) const {
    return {s.lse > 0 ? s.top1 : s.top2, s.lse > 0 ? s.max1 : s.max2};
  }
};

TEST_CASE("float64 filter: off where it could not be sound", "[presets][filter]") {
  using namespace unmask;
  using ok = sampler<confidence_threshold, low_confidence, fixed_blocks, fixed_length, greedy, no_guidance,
                     no_transform, simd_backend>;
  static_assert(ok::filterable);
  // A rule reading the entropy, a schedule without critical scores, a backend without
  // a bounded pass, a token sampler reading lse: plain float64 statistics.
  static_assert(!sampler<confidence_threshold, neg_entropy_score, fixed_blocks, fixed_length, greedy, no_guidance,
                         no_transform, simd_backend>::filterable);
  static_assert(!sampler<daedal_fill, low_confidence, fixed_blocks, fixed_length, greedy, no_guidance, no_transform,
                         simd_backend>::filterable);
  static_assert(!sampler<confidence_threshold, low_confidence, fixed_blocks, fixed_length, greedy, no_guidance,
                         no_transform, portable_backend>::filterable);
  static_assert(!sampler<confidence_threshold, low_confidence, fixed_blocks, fixed_length, lse_reading_sampler,
                         no_guidance, no_transform, simd_backend>::filterable);
  // A float32 backend's bounded pass is exact for the sampler's purpose (error 0): no
  // filtering, no recomputation.
  auto f32 = presets::fastdllm_threshold({.steps = 64, .gen_length = 64, .block_length = 16, .mask_id = mask});
  f32.backend.float64 = false;
  auto canvas = fastdllm_canvas();
  near_decision_model m;
  CHECK(f32.run(canvas, m).refined == 0);
}
