// Classifier-free guidance: the unconditional row (prompt masked), the combination
// un + (w + 1)(cond - un), and a guided run served as one call or as two (split).
#include "core/test_models.hpp"
#include <unmask/core/sampler.hpp>
#include <unmask/policy/block/fixed_blocks.hpp>
#include <unmask/policy/guidance/cfg.hpp>
#include <unmask/policy/guidance/no_guidance.hpp>
#include <unmask/policy/noise/categorical.hpp>
#include <unmask/policy/schedule/linear_schedule.hpp>

#include <catch2/catch.hpp>

#include <limits>
#include <vector>

namespace {

using unmask::cfg;
using unmask::index_t;
using unmask::token_id;
using namespace unmask_test;

}  // namespace

TEST_CASE("cfg: the unconditional row is the row with its prompt masked", "[policy][guidance][cfg]") {
  const std::vector<token_id> row{5, 6, 7, 9, 3, 9};
  std::vector<token_id> out(row.size(), -1);
  cfg{.scale = 1.0}.unconditional(row, 3, 9, out);
  CHECK(out == std::vector<token_id>{9, 9, 9, 9, 3, 9});
  cfg{.scale = 1.0}.unconditional(row, 0, 9, out);
  CHECK(out == row);
}

TEST_CASE("cfg: combine computes un + (w + 1)(cond - un) in float", "[policy][guidance][cfg]") {
  std::vector<float> cond{3.0f, -1.0f, 0.5f, 2.0f};
  const std::vector<float> un{1.0f, 1.0f, 0.5f, -1.0f};
  cfg{.scale = 0.5}.combine(cond, un);
  CHECK(cond == std::vector<float>{4.0f, -2.0f, 0.5f, 3.5f});
  // A token both passes ban stays banned (the bare formula would give NaN).
  constexpr float ninf = -std::numeric_limits<float>::infinity();
  std::vector<float> banned{ninf, 2.0f};
  cfg{.scale = 0.5}.combine(banned, std::vector<float>{ninf, 1.0f});
  CHECK(banned == std::vector<float>{ninf, 2.5f});
  CHECK_FALSE(cfg{.scale = 0.0}.active());
  CHECK(cfg{.scale = 0.1}.active());
  CHECK_FALSE(unmask::no_guidance{}.active());
}

TEST_CASE("cfg: validate", "[policy][guidance][cfg][errors]") {
  CHECK_THROWS_WITH(cfg{.scale = -0.5}.validate(), Catch::Matchers::Contains("cfg_scale = -0.5"));
  CHECK_THROWS_AS(cfg{.scale = std::numeric_limits<double>::quiet_NaN()}.validate(), unmask::error);
}

TEST_CASE("cfg: a guided run, one call or two, with the guided logits", "[policy][guidance][cfg][sampler]") {
  const std::vector<std::vector<token_id>> prompts{{1, 2, 3}, {4, 5, 6}};
  using guided = unmask::sampler<unmask::linear_schedule, unmask::low_confidence, unmask::fixed_blocks,
                                 unmask::fixed_length, unmask::categorical, cfg>;
  guided s{.schedule = {.steps_per_window = 3},
           .block = {.length = 6},
           .noise = {.temperature = 0.7, .seed = 9},
           .guidance = {.scale = 1.5, .split = false}};

  auto run = [&](const guided& g, random_logits_model& model, std::vector<recorded_step>& rec) {
    auto canvas = unmask::token_buffer::from_prompts(prompts, 12, 10, 9);
    const auto st = g.run(canvas, model, recording_observer{&rec});
    return std::make_pair(canvas, st);
  };

  random_logits_model one{.seed = 4, .scale = 2.0, .banned = {9}};
  std::vector<recorded_step> rec_one;
  const auto [canvas_one, st_one] = run(s, one, rec_one);

  s.guidance.split = true;
  random_logits_model two{.seed = 4, .scale = 2.0, .banned = {9}};
  std::vector<recorded_step> rec_two;
  const auto [canvas_two, st_two] = run(s, two, rec_two);

  CHECK(canvas_one == canvas_two);
  CHECK(rows_of(canvas_one) == rows_of(canvas_two));
  REQUIRE(rec_one.size() == rec_two.size());
  for (std::size_t k = 0; k < rec_one.size(); ++k) CHECK(rec_one[k].commits == rec_two[k].commits);
  CHECK(st_one.steps == 6);
  CHECK(st_one.model_calls == 6);
  CHECK(st_one.forward_calls == 6);
  CHECK(st_two.model_calls == 6);
  CHECK(st_two.forward_calls == 12);
  CHECK(one.calls == 6);
  CHECK(two.calls == 12);
  for (std::size_t k = 0; k < rec_two.size(); ++k) CHECK(rec_two[k].model_calls == static_cast<index_t>(k + 1));

  // Every unconditional row is its conditional row with the prompt masked.
  for (const auto* m : {&one, &two}) {
    index_t uncond = 0;
    for (const auto& q : m->requests) {
      if (!q.unconditional) continue;
      ++uncond;
      const auto c = m->request_of(q.step, q.canvas_row);
      REQUIRE(c.has_value());
      REQUIRE(c->tokens.size() == q.tokens.size());
      for (std::size_t p = 0; p < q.tokens.size(); ++p) CHECK(q.tokens[p] == (p < 3 ? 9 : c->tokens[p]));
      CHECK(q.logits_begin == c->logits_begin);
      CHECK(q.logits_end == c->logits_end);
    }
    CHECK(uncond == 12);  // 2 rows x 6 steps
  }

  // The guided logits drive token choice and score: an unguided run on a model that
  // returns un + (w + 1)(cond - un) itself gives the same result.
  struct precombined_model {
    random_logits_model base;
    float w1;
    void operator()(const unmask::forward_request& req) const {
      for (const auto& row : req.rows) {
        REQUIRE_FALSE(row.unconditional);
        for (index_t p = row.logits_begin; p < row.logits_end; ++p)
          for (index_t v = 0; v < req.vocab; ++v) {
            const float c = base.logit(req.step, row.canvas_row, false, p, v);
            const float u = base.logit(req.step, row.canvas_row, true, p, v);
            row.logits[static_cast<std::size_t>((p - row.logits_begin) * req.vocab + v)] =
                c == u ? c : u + w1 * (c - u);
          }
      }
    }
  };
  guided off = s;
  off.guidance.scale = 0.0;
  precombined_model pre{{.seed = 4, .scale = 2.0, .banned = {9}}, 2.5f};
  auto canvas_pre = unmask::token_buffer::from_prompts(prompts, 12, 10, 9);
  const auto st_pre = off.run(canvas_pre, pre);
  CHECK(st_pre.forward_calls == 6);
  CHECK(rows_of(canvas_pre) == rows_of(canvas_one));
  // ... and it is not the unguided result.
  random_logits_model plain{.seed = 4, .scale = 2.0, .banned = {9}};
  auto canvas_plain = unmask::token_buffer::from_prompts(prompts, 12, 10, 9);
  off.run(canvas_plain, plain);
  CHECK(rows_of(canvas_plain) != rows_of(canvas_one));
  for (const auto& q : plain.requests) CHECK_FALSE(q.unconditional);
}
