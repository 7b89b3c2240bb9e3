// The sampler loop: tie-breaking (equal scores commit the lowest position first),
// planned workspaces, run statistics and the observer's view.
#include "core/test_models.hpp"
#include <unmask/core/sampler.hpp>
#include <unmask/policy/block/fixed_blocks.hpp>
#include <unmask/policy/block/whole_canvas.hpp>
#include <unmask/policy/schedule/confidence_factor.hpp>
#include <unmask/policy/schedule/confidence_threshold.hpp>
#include <unmask/policy/schedule/linear_schedule.hpp>
#include <unmask/policy/schedule/timestep_schedule.hpp>
#include <unmask/policy/score/margin_score.hpp>
#include <unmask/policy/score/neg_entropy_score.hpp>

#include <catch2/catch.hpp>

#include <limits>
#include <vector>

namespace {

using unmask::index_t;
using unmask::token_id;
using namespace unmask_test;

// Positions committed, in commit order (step by step; within a step ascending).
std::vector<index_t> commit_order(const std::vector<recorded_step>& steps) {
  std::vector<index_t> out;
  for (const auto& s : steps)
    for (const auto& c : s.commits) out.push_back(c.position);
  return out;
}

template <class Sampler>
std::vector<recorded_step> run_uniform(const Sampler& s, index_t gen) {
  const std::vector<std::vector<token_id>> prompts{{1, 2}};
  auto canvas = unmask::token_buffer::from_prompts(prompts, gen, 6, 5);
  constant_model model{.row = {0.5f, 0.5f, 0.5f, 0.5f, 0.5f, -std::numeric_limits<float>::infinity()}};
  std::vector<recorded_step> rec;
  s.run(canvas, model, recording_observer{&rec});
  REQUIRE(canvas.count_masked(0) == 0);
  return rec;
}

}  // namespace

TEST_CASE("tie-breaking: equal scores commit the lowest position first", "[core][sampler][ties]") {
  const std::vector<index_t> left_to_right{2, 3, 4, 5, 6, 7};
  SECTION("linear schedule, one token a step, each score rule") {
    CHECK(commit_order(run_uniform(unmask::sampler<unmask::linear_schedule>{.schedule = {.steps_per_window = 6}}, 6)) ==
          left_to_right);
    CHECK(commit_order(run_uniform(
              unmask::sampler<unmask::linear_schedule, unmask::margin_score>{.schedule = {.steps_per_window = 6}},
              6)) == left_to_right);
    CHECK(commit_order(run_uniform(
              unmask::sampler<unmask::linear_schedule, unmask::neg_entropy_score>{.schedule = {.steps_per_window = 6}},
              6)) == left_to_right);
  }
  SECTION("linear schedule, several tokens a step: the lowest positions") {
    const auto rec = run_uniform(unmask::sampler<unmask::linear_schedule>{.schedule = {.steps_per_window = 3}}, 6);
    REQUIRE(rec.size() == 3);
    CHECK(commit_order({rec[0]}) == std::vector<index_t>{2, 3});
    CHECK(commit_order({rec[1]}) == std::vector<index_t>{4, 5});
  }
  SECTION("threshold and factor schedules pick the lowest position as the best") {
    CHECK(commit_order(run_uniform(unmask::sampler<unmask::confidence_threshold>{.schedule = {.threshold = 0.9}}, 6)) ==
          left_to_right);
    CHECK(commit_order(run_uniform(
              unmask::sampler<unmask::confidence_factor>{.schedule = {.factor = 0.1, .reference_off_by_one = false}},
              6)) == left_to_right);
  }
  SECTION("timestep schedule") {
    const auto rec = run_uniform(unmask::sampler<unmask::timestep_schedule>{.schedule = {.steps = 3}}, 6);
    CHECK(commit_order(rec) == left_to_right);
  }
  SECTION("the tie-break holds inside each block") {
    const auto rec = run_uniform(
        unmask::sampler<unmask::linear_schedule, unmask::low_confidence, unmask::fixed_blocks>{
            .schedule = {.steps_per_window = 2}, .block = {.length = 3}},
        6);
    REQUIRE(rec.size() == 4);
    CHECK(commit_order({rec[0]}) == std::vector<index_t>{2, 3});
    CHECK(commit_order({rec[1]}) == std::vector<index_t>{4});
    CHECK(commit_order({rec[2]}) == std::vector<index_t>{5, 6});
    CHECK(commit_order({rec[3]}) == std::vector<index_t>{7});
  }
}

TEST_CASE("sampler: a planned workspace gives the same run and can be reused", "[core][sampler][workspace]") {
  const std::vector<std::vector<token_id>> prompts{{1, 2, 3}, {4, 5}};
  const unmask::sampler<unmask::linear_schedule, unmask::low_confidence, unmask::fixed_blocks> s{
      .schedule = {.steps_per_window = 4}, .block = {.length = 4}};
  auto fresh = unmask::token_buffer::from_prompts(prompts, 8, 9, 8);
  random_logits_model m0{.seed = 2, .banned = {8}};
  const auto st0 = s.run(fresh, m0);

  auto canvas = unmask::token_buffer::from_prompts(prompts, 8, 9, 8);
  auto ws = s.plan(canvas);
  CHECK(ws.bytes() > 0);
  for (int round = 0; round < 3; ++round) {
    auto c = unmask::token_buffer::from_prompts(prompts, 8, 9, 8);
    random_logits_model m{.seed = 2, .banned = {8}};
    const auto st = s.run(c, m, ws);
    CHECK(c == fresh);
    CHECK(st.steps == st0.steps);
    CHECK(st.committed == st0.committed);
  }
}

TEST_CASE("sampler: run statistics", "[core][sampler][stats]") {
  const std::vector<std::vector<token_id>> prompts{{1, 2, 3}, {4, 5, 6}};
  unmask::sampler<unmask::linear_schedule> s{.schedule = {.steps_per_window = 4}};
  s.options.eos_id = 0;
  auto canvas = unmask::token_buffer::from_prompts(prompts, 8, 9, 8);
  random_logits_model m{.seed = 6, .banned = {8}};
  std::vector<recorded_step> rec;
  const auto st = s.run(canvas, m, recording_observer{&rec});
  CHECK(st.steps == 4);
  CHECK(st.model_calls == 4);
  CHECK(st.committed == 16);
  CHECK(st.token_evaluations == 4 * 2 * 11);  // every call runs both rows' 11 tokens
  CHECK(st.final_length == std::vector<index_t>{8, 8});
  REQUIRE(st.effective_length.size() == 2);
  for (index_t r = 0; r < 2; ++r) {
    index_t eff = 8;
    for (index_t p = 3; p < 11; ++p)
      if (canvas.at(r, p) == 0) {
        eff = p - 3 + 1;
        break;
      }
    CHECK(st.effective_length[static_cast<std::size_t>(r)] == eff);
  }
  REQUIRE(rec.size() == 4);
  CHECK(rec.back().canvas == rows_of(canvas));
  for (std::size_t k = 0; k < rec.size(); ++k) {
    CHECK(rec[k].step == static_cast<index_t>(k));
    CHECK(rec[k].model_calls == static_cast<index_t>(k + 1));
  }
}

TEST_CASE("sampler: a row that finishes early is no longer sent to the model", "[core][sampler]") {
  // Row 1 starts with one mask left, row 0 with four; threshold 1 commits one token a
  // step and row, so row 1 finishes after step 0 and row 0 after step 3.
  const std::vector<std::vector<token_id>> prompts{{1}, {1, 2, 3, 4}};
  const unmask::sampler<unmask::confidence_threshold, unmask::low_confidence, unmask::fixed_blocks> s{
      .schedule = {.threshold = 1.0}, .block = {.length = 3}};
  auto canvas = unmask::token_buffer::from_prompts(prompts, 4, 9, 8);
  canvas.commit(1, 4, 2);
  canvas.commit(1, 5, 2);
  canvas.commit(1, 6, 2);
  random_logits_model m{.seed = 3, .banned = {8}};
  const auto st = s.run(canvas, m);
  CHECK(st.steps == 4);  // row 0: four masks, one a step
  index_t row1_requests = 0;
  for (const auto& q : m.requests) row1_requests += q.canvas_row == 1 ? 1 : 0;
  CHECK(row1_requests == 1);  // its last mask commits at step 0; then it is finished
}
