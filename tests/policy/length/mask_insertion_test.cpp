// unmask tests: DAEDAL Stage 2 on its own, on top of Dream's schedule and shift.
#include "daedal_model.hpp"

#include <unmask/unmask.hpp>

#include <catch2/catch.hpp>

#include <vector>

namespace {

// Dream's composition with DAEDAL's insertion in the length slot.
using dream_insertion = unmask::sampler<unmask::timestep_schedule, unmask::low_confidence, unmask::whole_canvas,
                                        unmask::mask_insertion, unmask::categorical, unmask::no_guidance,
                                        unmask::dream_logits>;

}  // namespace

TEST_CASE("Stage 2 inserts masks where the model is unsure, up to the cap", "[policy][length][stage2]") {
  // Position 6 (generated index 2) is always flat: p = 1/16 < 0.1. It is inserted at
  // (replaced by `factor` masks) while the row is under the cap.
  daedal_test::scripted_model model{.prompt = 4, .eos_from = 1000};
  model.flat = [](unmask::index_t p, unmask::index_t) { return p == 5; };  // Dream reads p - 1
  dream_insertion s;
  s.schedule = {.steps = 8, .eps = 1e-3};
  s.length = {.low_threshold = 0.1, .factor = 3, .eos_threshold = 0.9, .max_gen_length = 16,
              .measure = {.eos_id = 14, .window = 4}};
  const std::vector<std::vector<unmask::token_id>> prompts{{1, 2, 3, 4}};
  auto canvas = unmask::token_buffer::from_prompts(prompts, 8, 16, 15, 4 + 16);
  std::vector<unmask::length_change> seen;
  const auto st = s.run(canvas, model, [&](const unmask::step_event& e) {
    for (const auto& c : e.length_changes) seen.push_back(c);
  });
  REQUIRE(st.insertions > 0);
  CHECK(static_cast<unmask::index_t>(seen.size()) == st.insertions);
  for (const auto& c : seen) {
    CHECK(c.count == 3);
    CHECK(c.position == 6);
  }
  CHECK(canvas.gen_length(0) <= 16);
  CHECK(st.final_length.at(0) == canvas.gen_length(0));
  // 8 + 2 per insertion, capped at 16: 4 insertions reach the cap, then denoise-only.
  CHECK(st.insertions == 4);
  CHECK(canvas.gen_length(0) == 16);
}

TEST_CASE("Stage 2 does not insert once the row is EOS-confident", "[policy][length][stage2]") {
  daedal_test::scripted_model model{.prompt = 4, .eos_from = 0};  // every position predicts EOS
  model.flat = [](unmask::index_t p, unmask::index_t) { return p == 5; };
  dream_insertion s;
  s.schedule = {.steps = 4, .eps = 1e-3};
  s.length = {.low_threshold = 0.1, .factor = 3, .eos_threshold = 0.5, .max_gen_length = 16,
              .measure = {.eos_id = 14, .window = 4}};
  const std::vector<std::vector<unmask::token_id>> prompts{{1, 2, 3, 4}};
  auto canvas = unmask::token_buffer::from_prompts(prompts, 8, 16, 15, 4 + 16);
  const auto st = s.run(canvas, model);
  CHECK(st.insertions == 0);
  CHECK(canvas.gen_length(0) == 8);
}

TEST_CASE("mask_insertion validates its parameters", "[policy][length][stage2]") {
  unmask::mask_insertion m{.low_threshold = 1.5};
  REQUIRE_THROWS_AS(m.validate(), unmask::error);
  m = {.factor = 0};
  REQUIRE_THROWS_AS(m.validate(), unmask::error);
}
