// The examples of docs/concepts.md, compiled and exercised. The regions between the
// example markers are shown verbatim in the doc (checked by docs_examples_test.cpp).
#include <unmask/unmask.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <limits>
#include <string>
#include <vector>

namespace concepts_doc {

// example-begin concepts-model
// Favours, at every position asked for, the token that follows the row's previous token.
struct next_token_model {
  unmask::index_t calls = 0;
  void operator()(const unmask::forward_request& req) {
    ++calls;
    for (const unmask::forward_row& row : req.rows) {
      for (unmask::index_t p = row.logits_begin; p < row.logits_end; ++p) {
        float* out = row.logits + (p - row.logits_begin) * req.vocab;  // vocab floats for position p
        std::fill(out, out + req.vocab, 0.0f);
        out[(row.tokens[p - 1] + 1) % (req.vocab - 1)] = 4.0f;  // never the mask id (vocab - 1)
      }
    }
  }
};
static_assert(unmask::model<next_token_model>);
// example-end

// example-begin concepts-schedule
// Commits the k best candidates of each row every step; a window ends with its last mask.
struct k_per_step {
  unmask::index_t k = 2;

  void select(const unmask::schedule_context&, std::span<unmask::row_candidates> rows) const {
    for (auto& rc : rows) unmask::mark_top_k(rc.items, k);
  }
  bool window_done(const unmask::row_state&, unmask::index_t masks_left) const noexcept { return masks_left == 0; }
  // >= 1 commit per step, so a window never takes more steps than it has positions.
  unmask::index_t max_window_steps(unmask::index_t capacity) const noexcept { return capacity; }
  void validate() const {
    if (k < 1) throw unmask::error(unmask::errc::invalid_argument, "k", "k = " + std::to_string(k) + ": must be >= 1");
  }
  friend bool operator==(const k_per_step&, const k_per_step&) = default;
};
static_assert(unmask::schedule<k_per_step>);
// example-end

// example-begin concepts-transform
// Bans one token (e.g. EOS, like LLaDA's logits_eos_inf) by setting its logit to -Inf.
struct ban_token {
  unmask::token_id token = 0;

  unmask::index_t source(unmask::index_t p) const noexcept { return p; }  // no shift
  unmask::index_t scratch_size(unmask::index_t vocab) const noexcept { return vocab; }
  std::span<const float> apply(std::span<const float> in, std::span<float> scratch,
                               std::span<unmask::index_t>) const noexcept {
    std::copy(in.begin(), in.end(), scratch.begin());
    scratch[static_cast<std::size_t>(token)] = -std::numeric_limits<float>::infinity();
    return scratch.first(in.size());
  }
  friend bool operator==(const ban_token&, const ban_token&) = default;
};
static_assert(unmask::logits_transform<ban_token>);
// example-end

}  // namespace concepts_doc

using namespace concepts_doc;

TEST_CASE("concepts.md: the canvas", "[docs][concepts]") {
  // example-begin concepts-canvas
  const std::vector<std::vector<unmask::token_id>> prompts{{5, 6, 7}, {8, 9}};
  auto canvas = unmask::token_buffer::from_prompts(prompts, /*gen_length=*/4, /*vocab=*/16, /*mask_id=*/15);
  // rows: [5 6 7 M M M M] and [8 9 M M M M], with room for 7 tokens a row
  canvas.commit(1, 2, 3);  // row 1, position 2 := token 3
  // now canvas.count_masked(1) == 3, canvas.prompt_length(1) == 2, canvas.length(1) == 6
  // example-end
  CHECK(canvas.capacity() == 7);
  CHECK(canvas.count_masked(1) == 3);
  CHECK(canvas.prompt_length(1) == 2);
  CHECK(canvas.length(1) == 6);
  CHECK(canvas.at(1, 2) == 3);
  CHECK(canvas.length(0) == 7);
}

TEST_CASE("concepts.md: a model and a hand-composed sampler", "[docs][concepts]") {
  // example-begin concepts-sampler
  // Dream's timestep schedule and margin score, with LLaDA-style blocks of 4.
  using my_sampler = unmask::sampler<unmask::timestep_schedule, unmask::margin_score, unmask::fixed_blocks>;
  const my_sampler s{.schedule = {.steps = 3}, .block = {.length = 4}};

  const std::vector<std::vector<unmask::token_id>> prompts{{1, 2}};
  auto canvas = unmask::token_buffer::from_prompts(prompts, 8, 16, 15);
  next_token_model model;
  const unmask::run_stats stats = s.run(canvas, model);  // 2 blocks x 3 steps = 6 model calls
  // example-end
  CHECK(stats.model_calls == 6);
  CHECK(model.calls == 6);
  CHECK(canvas.count_masked(0) == 0);
  // Each block's first position follows a committed or prompt token: it is predicted
  // with certainty, and the chain continues left to right.
  CHECK(canvas.at(0, 2) == 3);
}

TEST_CASE("concepts.md: a custom schedule", "[docs][concepts]") {
  // example-begin concepts-schedule-use
  const unmask::sampler<k_per_step> two_a_step{.schedule = {.k = 2}};
  // example-end
  const std::vector<std::vector<unmask::token_id>> prompts{{1}};
  auto canvas = unmask::token_buffer::from_prompts(prompts, 7, 16, 15);
  next_token_model model;
  std::vector<std::size_t> per_step;
  two_a_step.run(canvas, model, [&](const unmask::step_event& e) { per_step.push_back(e.commits.size()); });
  CHECK(per_step == std::vector<std::size_t>{2, 2, 2, 1});
  const unmask::sampler<k_per_step> zero{.schedule = {.k = 0}};
  CHECK_THROWS_AS(zero.run(canvas, model), unmask::error);
}

TEST_CASE("concepts.md: a custom logits transform", "[docs][concepts]") {
  const std::vector<std::vector<unmask::token_id>> prompts{{1}};
  auto canvas = unmask::token_buffer::from_prompts(prompts, 6, 16, 15);
  next_token_model model;  // would propose 2, 3, 4, ...
  // example-begin concepts-transform-use
  unmask::sampler<unmask::linear_schedule, unmask::low_confidence, unmask::whole_canvas, unmask::fixed_length,
                  unmask::greedy, unmask::no_guidance, ban_token>
      no_four{.schedule = {.steps_per_window = 6}, .transform = {.token = 4}};
  // example-end
  no_four.run(canvas, model);
  for (unmask::index_t p = 1; p < canvas.length(0); ++p) CHECK(canvas.at(0, p) != 4);
  CHECK(canvas.at(0, 1) == 2);
}

TEST_CASE("concepts.md: observers, guidance, noise and errors", "[docs][concepts]") {
  const std::vector<std::vector<unmask::token_id>> prompts{{1, 2}, {3, 4}};
  auto canvas = unmask::token_buffer::from_prompts(prompts, 8, 16, 15);
  next_token_model model;
  // example-begin concepts-policies
  auto s = unmask::presets::llada({.steps = 8, .gen_length = 8, .block_length = 4, .mask_id = 15});
  s.noise = {.temperature = 0.7, .seed = 42};  // token_sampler: categorical, Philox stream 1
  s.guidance = {.scale = 0.5, .split = true};  // guidance_policy: CFG, unconditional rows in a 2nd call
  s.block.length = 8;                          // block_policy: one window...
  s.schedule.steps_per_window = 8;             // ...of 8 steps
  // example-end
  // example-begin concepts-observer
  std::vector<unmask::committed_token> log;
  const auto stats = s.run(canvas, model, [&](const unmask::step_event& e) {
    log.insert(log.end(), e.commits.begin(), e.commits.end());  // (row, position, token) per commit
  });
  // stats.model_calls == 8 evaluations, stats.forward_calls == 16 calls of `model`
  // example-end
  CHECK(log.size() == 16);
  CHECK(stats.model_calls == 8);
  CHECK(stats.forward_calls == 16);
  CHECK(model.calls == 16);

  const auto before = canvas;
  // example-begin concepts-errors
  std::string message, parameter;
  try {
    const auto bad = unmask::presets::llada({.steps = 9, .gen_length = 8, .block_length = 4});
    bad.run(canvas, model);
  } catch (const unmask::error& e) {
    message = e.what();         // "steps = 9: must be a multiple of gen_length / block_length"
    parameter = e.parameter();  // "steps"; e.code() == unmask::errc::invalid_argument
  }
  // example-end
  CHECK(message == "steps = 9: must be a multiple of gen_length / block_length");
  CHECK(parameter == "steps");
  CHECK(canvas == before);
}
