// linear_schedule (LLaDA get_num_transfer_tokens): counts per step, per window, the
// best-scored first, and run_all_steps (0-token steps kept or not).
#include "core/test_models.hpp"
#include "policy/schedule/schedule_test_util.hpp"
#include <unmask/core/sampler.hpp>
#include <unmask/policy/block/fixed_blocks.hpp>
#include <unmask/policy/block/whole_canvas.hpp>
#include <unmask/policy/schedule/linear_schedule.hpp>

#include <catch2/catch.hpp>

#include <numeric>
#include <vector>

namespace {

using unmask::index_t;
using unmask::linear_schedule;
using unmask::token_id;
using namespace unmask_test;

std::vector<index_t> counts(const linear_schedule& s, index_t masks) {
  std::vector<index_t> out;
  for (index_t i = 0; i < s.steps_per_window; ++i) out.push_back(s.count({.window_step = i, .window_masked = masks}));
  return out;
}

template <class Block>
std::vector<recorded_step> run_one_row(const linear_schedule& sched, Block block, index_t gen, index_t* calls) {
  const std::vector<std::vector<token_id>> prompts{{1, 2, 3}};
  auto canvas = unmask::token_buffer::from_prompts(prompts, gen, 16, 15);
  random_logits_model model{.seed = 5, .scale = 2.0, .banned = {15}};
  unmask::sampler<linear_schedule, unmask::low_confidence, Block> s{.schedule = sched, .block = block};
  std::vector<recorded_step> steps;
  const auto st = s.run(canvas, model, recording_observer{&steps});
  REQUIRE(canvas.count_masked(0) == 0);
  CHECK(st.steps == static_cast<index_t>(steps.size()));
  *calls = st.model_calls;
  return steps;
}

}  // namespace

TEST_CASE("linear_schedule: 32 masks over 10 steps give 4,4,3,3,3,3,3,3,3,3", "[policy][schedule][linear]") {
  const linear_schedule s{.steps_per_window = 10};
  CHECK(counts(s, 32) == std::vector<index_t>{4, 4, 3, 3, 3, 3, 3, 3, 3, 3});
  index_t calls = 0;
  const auto steps = run_one_row(s, unmask::whole_canvas{}, 32, &calls);
  CHECK(commits_per_step(steps) == std::vector<index_t>{4, 4, 3, 3, 3, 3, 3, 3, 3, 3});
  CHECK(calls == 10);
}

TEST_CASE("linear_schedule: counts sum to the window's masks, front-loaded remainder", "[policy][schedule][linear]") {
  for (index_t steps = 1; steps <= 12; ++steps)
    for (index_t m = 0; m <= 40; ++m) {
      const auto c = counts(linear_schedule{.steps_per_window = steps}, m);
      CAPTURE(steps, m, c);
      CHECK(std::accumulate(c.begin(), c.end(), index_t{0}) == m);
      for (std::size_t i = 1; i < c.size(); ++i) {
        CHECK(c[i] <= c[i - 1]);
        CHECK(c[i - 1] - c[i] <= 1);
      }
    }
}

TEST_CASE("linear_schedule: each block gets its own steps", "[policy][schedule][linear]") {
  index_t calls = 0;
  // 20 masks in blocks of 8, 8, 4 with 3 steps each.
  const auto steps = run_one_row(linear_schedule{.steps_per_window = 3}, unmask::fixed_blocks{.length = 8}, 20, &calls);
  CHECK(commits_per_step(steps) == std::vector<index_t>{3, 3, 2, 3, 3, 2, 2, 1, 1});
  CHECK(calls == 9);
  // Every commit lies in the block of its step.
  for (std::size_t k = 0; k < steps.size(); ++k)
    for (const auto& c : steps[k].commits) {
      const index_t block = static_cast<index_t>(k) / 3;
      CHECK(c.position >= 3 + 8 * block);
      CHECK(c.position < 3 + 8 * (block + 1));
    }
}

TEST_CASE("linear_schedule: run_all_steps keeps 0-token steps, Fast-dLLM's fixed mode skips them",
          "[policy][schedule][linear]") {
  index_t calls = 0;
  auto steps =
      run_one_row(linear_schedule{.steps_per_window = 5, .run_all_steps = true}, unmask::whole_canvas{}, 3, &calls);
  CHECK(commits_per_step(steps) == std::vector<index_t>{1, 1, 1, 0, 0});
  CHECK(calls == 5);
  steps =
      run_one_row(linear_schedule{.steps_per_window = 5, .run_all_steps = false}, unmask::whole_canvas{}, 3, &calls);
  CHECK(commits_per_step(steps) == std::vector<index_t>{1, 1, 1});
  CHECK(calls == 3);
  // Blocks: 6 masks as 4 + 2 with 3 steps per block.
  steps = run_one_row(linear_schedule{.steps_per_window = 3, .run_all_steps = true}, unmask::fixed_blocks{.length = 4},
                      6, &calls);
  CHECK(commits_per_step(steps) == std::vector<index_t>{2, 1, 1, 1, 1, 0});
  steps = run_one_row(linear_schedule{.steps_per_window = 3, .run_all_steps = false}, unmask::fixed_blocks{.length = 4},
                      6, &calls);
  CHECK(commits_per_step(steps) == std::vector<index_t>{2, 1, 1, 1, 1});
}

TEST_CASE("linear_schedule: select marks the k best, ties to the lowest position", "[policy][schedule][linear]") {
  const linear_schedule s{.steps_per_window = 4};
  // 10 masks over 4 steps: k = 3 at step 0.
  const auto items = candidates({9, 2, 5, 7, 3}, {0.1, 0.5, 0.9, 0.5, 0.5});
  CHECK(select_one_row(s, items, {.window_step = 0, .window_masked = 10}) == std::vector<index_t>{2, 3, 5});
  // k = 2 at step 3.
  CHECK(select_one_row(s, items, {.window_step = 3, .window_masked = 10}) == std::vector<index_t>{2, 5});
  // k larger than the candidates: all of them.
  CHECK(select_one_row(s, items, {.window_step = 0, .window_masked = 40}) == std::vector<index_t>{2, 3, 5, 7, 9});
  CHECK(select_one_row(s, items, {.window_step = 2, .window_masked = 1}).empty());
}

TEST_CASE("linear_schedule: window_done and bounds", "[policy][schedule][linear]") {
  const linear_schedule all{.steps_per_window = 3, .run_all_steps = true};
  const linear_schedule early{.steps_per_window = 3, .run_all_steps = false};
  CHECK_FALSE(all.window_done({.window_step = 2}, 0));
  CHECK(all.window_done({.window_step = 3}, 5));
  CHECK(early.window_done({.window_step = 1}, 0));
  CHECK_FALSE(early.window_done({.window_step = 1}, 1));
  CHECK(early.window_done({.window_step = 3}, 1));
  CHECK(all.max_window_steps(100) == 3);
  CHECK_THROWS_AS(linear_schedule{.steps_per_window = 0}.validate(), unmask::error);
  CHECK_THROWS_WITH(linear_schedule{.steps_per_window = -2}.validate(),
                    Catch::Matchers::Contains("steps_per_window = -2"));
}
