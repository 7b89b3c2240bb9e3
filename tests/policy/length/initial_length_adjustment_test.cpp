// unmask tests: DAEDAL Stage 1 on its own, under the LLaDA-style linear schedule.
#include "daedal_model.hpp"

#include <unmask/unmask.hpp>

#include <catch2/catch.hpp>

#include <vector>

namespace {

using stage1_sampler = unmask::sampler<unmask::linear_schedule, unmask::low_confidence, unmask::fixed_blocks,
                                       unmask::initial_length_adjustment>;

stage1_sampler make(unmask::index_t step, unmask::index_t cap, unmask::index_t window, unmask::index_t anchor) {
  stage1_sampler s;
  s.schedule = {.steps_per_window = 1000, .run_all_steps = false};
  s.block = {.length = 1000};
  s.length = {.step = step, .eos_threshold = 0.5, .max_gen_length = cap,
              .measure = {.eos_id = 14, .window = window}, .eos_anchor = anchor};
  return s;
}

}  // namespace

TEST_CASE("Stage 1 grows by `step` until the EOS tail reaches half the window", "[policy][length][stage1]") {
  // EOS predicted from generated position 20 on; window 8 needs >= 4 EOS predictions:
  // gen >= 24. From 8 by 4: 8, 12, 16, 20, 24 -> 5 evaluations, 4 expansions, then +4 EOS.
  daedal_test::scripted_model model{.prompt = 4, .eos_from = 20};
  const std::vector<std::vector<unmask::token_id>> prompts{{1, 2, 3, 4}};
  auto canvas = unmask::token_buffer::from_prompts(prompts, 8, 16, 15, 4 + 64);
  const auto s = make(4, 64, 8, 4);
  const auto st = s.run(canvas, model);
  CHECK(st.length_calls == 5);
  CHECK(st.expansions == 4);
  CHECK(canvas.gen_length(0) == 24 + 4);
  CHECK(st.final_length.at(0) == 28);
  // the anchor tokens are EOS and the region is fully denoised
  for (unmask::index_t p = 4 + 24; p < canvas.length(0); ++p) CHECK(canvas.at(0, p) == 14);
  CHECK(canvas.count_masked(0) == 0);
  CHECK(st.model_calls == st.length_calls + st.steps);
  CHECK(st.effective_length.at(0) == st.final_length.at(0));  // eos_id option unset: every token counts
}

TEST_CASE("Stage 1 stops at the cap and the anchor is clamped to it", "[policy][length][stage1]") {
  daedal_test::scripted_model model{.prompt = 4, .eos_from = 1000};  // never EOS
  const std::vector<std::vector<unmask::token_id>> prompts{{1, 2, 3, 4}};
  auto canvas = unmask::token_buffer::from_prompts(prompts, 8, 16, 15, 4 + 30);
  const auto st = make(8, 30, 8, 4).run(canvas, model);
  CHECK(canvas.gen_length(0) == 30);  // 8, 16, 24, 30 (clamped), anchor clamped to 0
  CHECK(st.expansions == 3);
  CHECK(st.length_calls == 4);
}

TEST_CASE("Stage 1 grows each row of a ragged batch on its own", "[policy][length][stage1]") {
  // Two prompts of different lengths; EOS from generated position 20 for both.
  daedal_test::scripted_model model{.prompt = 0, .eos_from = 0};
  model.eos_from = 0;
  // Make EOS depend on the distance from each row's prompt: prompt lengths 3 and 5.
  struct two_rows {
    daedal_test::scripted_model a, b;
    void operator()(const unmask::forward_request& req) {
      for (const auto& row : req.rows) {
        unmask::forward_row one = row;
        const unmask::forward_row arr[1] = {one};
        (row.canvas_row == 0 ? a : b)(unmask::forward_request{req.step, req.vocab, arr});
      }
    }
  } model2{{.prompt = 3, .eos_from = 12}, {.prompt = 5, .eos_from = 28}};
  const std::vector<std::vector<unmask::token_id>> prompts{{1, 2, 3}, {1, 2, 3, 4, 5}};
  auto canvas = unmask::token_buffer::from_prompts(prompts, 8, 16, 15, 5 + 64);
  const auto st = make(4, 64, 8, 0).run(canvas, model2);
  // row 0 needs gen >= 16; row 1 needs gen >= 32
  CHECK(canvas.gen_length(0) == 16);
  CHECK(canvas.gen_length(1) == 32);
  CHECK(st.final_length == std::vector<unmask::index_t>{16, 32});
}
