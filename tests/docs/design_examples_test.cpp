// The examples of docs/design.md: planned workspaces, the Philox addressing of a
// categorical draw, and a model serving only the active window. Compiled and checked.
#include "core/test_models.hpp"
#include <unmask/unmask.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

using unmask::index_t;
using unmask::token_id;

TEST_CASE("design.md: a planned workspace serves many runs", "[docs][design]") {
  const auto sampler = unmask::presets::llada({.steps = 8, .gen_length = 8, .block_length = 4, .mask_id = 15});
  const std::vector<std::vector<std::vector<token_id>>> batches{{{1, 2}, {3, 4}}, {{5, 6}, {7, 8}}, {{9, 1}, {2, 3}}};
  unmask_test::random_logits_model model{.seed = 1, .banned = {15}};
  std::vector<std::vector<std::vector<token_id>>> outputs;
  // example-begin design-workspace
  auto canvas = unmask::token_buffer::from_prompts(batches[0], 8, 16, 15);
  auto ws = sampler.plan(canvas);  // every buffer the step loop needs, sized once
  for (const auto& prompts : batches) {
    for (index_t r = 0; r < canvas.rows(); ++r) canvas.set_row(r, prompts[static_cast<std::size_t>(r)], 8);
    sampler.run(canvas, model, ws);  // no allocation inside the loop
    outputs.push_back(unmask_test::rows_of(canvas));
  }
  // example-end
  REQUIRE(outputs.size() == 3);
  for (std::size_t b = 0; b < batches.size(); ++b) {
    auto fresh = unmask::token_buffer::from_prompts(batches[b], 8, 16, 15);
    unmask_test::random_logits_model again{.seed = 1, .banned = {15}};
    sampler.run(fresh, again);
    CHECK(unmask_test::rows_of(fresh) == outputs[b]);
  }
}

TEST_CASE("design.md: where a categorical draw comes from", "[docs][design]") {
  const std::vector<float> logits{0.5f, 1.0f,  -0.5f, 0.25f,
                                  0.0f, -1.0f, 0.75f, -std::numeric_limits<float>::infinity()};
  unmask_test::constant_model model{.row = logits};
  const unmask::sampler<unmask::linear_schedule, unmask::low_confidence, unmask::whole_canvas, unmask::fixed_length,
                        unmask::categorical>
      s{.schedule = {.steps_per_window = 4}, .noise = {.temperature = 1.0, .seed = 42}};
  const std::vector<std::vector<token_id>> prompts{{0, 1, 2}, {3, 4, 5}};
  auto canvas = unmask::token_buffer::from_prompts(prompts, 8, 8, 7);
  std::vector<unmask_test::recorded_step> rec;
  s.run(canvas, model, unmask_test::recording_observer{&rec});
  // Every committed token is the inverse-CDF crossing of the documented uniform.
  index_t checked = 0;
  for (const auto& step : rec)
    for (const auto& c : step.commits) {
      const auto row = static_cast<std::uint32_t>(c.row), position = static_cast<std::uint32_t>(c.position);
      const auto step_index = static_cast<std::uint32_t>(step.step);
      // example-begin design-philox
      // The uniform behind the token sampled at (step, row, position) of a run with seed 42:
      const double u = unmask::philox_uniform(
          42, {.stream = unmask::categorical::stream, .step = step_index, .row = row, .position = position});
      // example-end
      double z = 0, cum = 0;
      for (float l : logits) z += std::exp(static_cast<double>(l) - 1.0);
      token_id expect = -1;
      for (std::size_t v = 0; v < logits.size() && expect < 0; ++v)
        if ((cum += std::exp(static_cast<double>(logits[v]) - 1.0)) > u * z) expect = static_cast<token_id>(v);
      CHECK(c.token == expect);
      ++checked;
    }
  CHECK(checked == 16);
}

// example-begin design-window-model
// A model that recomputes only the active window (an engine with a KV cache would keep
// the rest); here it just records what it was told.
struct window_model {
  std::vector<std::pair<unmask::index_t, unmask::index_t>> windows;
  void operator()(const unmask::forward_request& req) {
    for (const auto& row : req.rows) {
      windows.emplace_back(row.window_begin, row.window_end);  // positions that may change
      // logits are wanted for [logits_begin, logits_end), a sub-range of the window here
      for (auto p = row.logits_begin; p < row.logits_end; ++p)
        for (unmask::index_t v = 0; v < req.vocab; ++v)
          row.logits[(p - row.logits_begin) * req.vocab + v] = static_cast<float>((v * 7 + p) % 5);
    }
  }
};
// example-end

TEST_CASE("design.md: the request names the active window", "[docs][design]") {
  window_model m;
  const auto s = unmask::presets::llada({.steps = 4, .gen_length = 8, .block_length = 4, .mask_id = 15});
  const std::vector<std::vector<token_id>> prompts{{1, 2, 3}};
  auto canvas = unmask::token_buffer::from_prompts(prompts, 8, 16, 15);
  s.run(canvas, m);
  using w = std::pair<index_t, index_t>;
  CHECK(m.windows == std::vector<w>{{3, 7}, {3, 7}, {7, 11}, {7, 11}});
}
