// dream_logits: the right shift (p reads p - 1, 0 reads 0), temperature divides, top-p
// keeps the first crossing token, top-k keeps ties with the k-th; no_transform is identity.
#include "core/test_models.hpp"
#include <unmask/core/sampler.hpp>
#include <unmask/policy/schedule/linear_schedule.hpp>
#include <unmask/policy/transform/dream_logits.hpp>
#include <unmask/policy/transform/no_transform.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <vector>

namespace {

using unmask::dream_logits;
using unmask::index_t;
using unmask::token_id;

constexpr float lowest = std::numeric_limits<float>::lowest();

std::vector<float> filter(const dream_logits& d, const std::vector<float>& in) {
  std::vector<float> scratch(static_cast<std::size_t>(d.scratch_size(static_cast<index_t>(in.size()))));
  std::vector<index_t> idx(in.size());
  const auto out = d.apply(in, scratch, idx);
  return {out.begin(), out.end()};
}

std::vector<float> logs(const std::vector<double>& p) {
  std::vector<float> out;
  for (double x : p) out.push_back(static_cast<float>(std::log(x)));
  return out;
}

}  // namespace

TEST_CASE("dream_logits: position p reads output p - 1, position 0 its own", "[policy][transform]") {
  const dream_logits d;
  CHECK(d.source(0) == 0);
  CHECK(d.source(1) == 0);
  CHECK(d.source(7) == 6);
  const dream_logits no_shift{.shift = false};
  CHECK(no_shift.source(7) == 7);
  CHECK(unmask::no_transform{}.source(7) == 7);
  CHECK_FALSE(d.filters());
  CHECK(d.scratch_size(100) == 0);
  const std::vector<float> in{1, 2, 3};
  CHECK(filter(d, in) == in);  // no filter: the row itself
}

TEST_CASE("dream_logits: the shift in the loop asks for and scores row p - 1", "[policy][transform][sampler]") {
  // Output row q of the model favours token q + 1: with the shift, position p gets token p.
  struct next_token_model {
    void operator()(const unmask::forward_request& req) const {
      for (const auto& row : req.rows)
        for (index_t q = row.logits_begin; q < row.logits_end; ++q)
          for (index_t v = 0; v < req.vocab; ++v)
            row.logits[static_cast<std::size_t>((q - row.logits_begin) * req.vocab + v)] = v == q + 1 ? 4.0f : 0.0f;
    }
  };
  const std::vector<std::vector<token_id>> prompts{{5, 5, 5}};
  auto canvas = unmask::token_buffer::from_prompts(prompts, 6, 16, 15);
  next_token_model m;
  unmask::sampler<unmask::linear_schedule, unmask::low_confidence, unmask::whole_canvas, unmask::fixed_length,
                  unmask::greedy, unmask::no_guidance, dream_logits>
      s{.schedule = {.steps_per_window = 3}};
  s.run(canvas, m);
  CHECK(unmask_test::rows_of(canvas)[0] == std::vector<token_id>{5, 5, 5, 3, 4, 5, 6, 7, 8});
  s.transform.shift = false;
  canvas = unmask::token_buffer::from_prompts(prompts, 6, 16, 15);
  s.run(canvas, m);
  CHECK(unmask_test::rows_of(canvas)[0] == std::vector<token_id>{5, 5, 5, 4, 5, 6, 7, 8, 9});
}

TEST_CASE("dream_logits: temperature divides the logits", "[policy][transform]") {
  const dream_logits d{.temperature = 0.5};
  CHECK(d.filters());
  CHECK(filter(d, {1.0f, -3.0f, 0.25f}) == std::vector<float>{2.0f, -6.0f, 0.5f});
  CHECK(filter(dream_logits{.temperature = 4.0}, {1.0f, -3.0f}) == std::vector<float>{0.25f, -0.75f});
}

TEST_CASE("dream_logits: top-k keeps every logit tied with the k-th", "[policy][transform]") {
  CHECK(filter(dream_logits{.top_k = 2}, {1, 3, 3, 2}) == std::vector<float>{lowest, 3, 3, lowest});
  CHECK(filter(dream_logits{.top_k = 2}, {5, 3, 3, 1}) == std::vector<float>{5, 3, 3, lowest});
  CHECK(filter(dream_logits{.top_k = 1}, {0, 7, 2, 7}) == std::vector<float>{lowest, 7, lowest, 7});
  CHECK(filter(dream_logits{.top_k = 3}, {4, 1, 2, 3}) == std::vector<float>{4, lowest, 2, 3});
  CHECK(filter(dream_logits{.top_k = 4}, {4, 1, 2, 3}) == std::vector<float>{4, 1, 2, 3});  // k = V: off
  CHECK(filter(dream_logits{.top_k = 9}, {4, 1, 2, 3}) == std::vector<float>{4, 1, 2, 3});  // k > V: off
}

TEST_CASE("dream_logits: top-p keeps the first token that crosses p", "[policy][transform]") {
  // Probabilities 0.2, 0.5, 0.3 (sorted: 0.5, 0.3, 0.2).
  const auto l = logs({0.2, 0.5, 0.3});
  // p = 0.6: 0.5 does not cross, 0.5 + 0.3 crosses: keep both, drop the 0.2.
  CHECK(filter(dream_logits{.top_p = 0.6}, l) == std::vector<float>{lowest, l[1], l[2]});
  // p = 0.45: the first token already crosses: only it stays.
  CHECK(filter(dream_logits{.top_p = 0.45}, l) == std::vector<float>{lowest, l[1], lowest});
  // p = 0.9: 0.8 does not cross, 1.0 does: all stay.
  CHECK(filter(dream_logits{.top_p = 0.9}, l) == l);
  // Equal logits keep index order (stable): the first of the tie survives a tight p.
  const auto tie = logs({0.25, 0.25, 0.25, 0.25});
  CHECK(filter(dream_logits{.top_p = 0.1}, tie) == std::vector<float>{tie[0], lowest, lowest, lowest});
}

TEST_CASE("dream_logits: temperature, then top-p, then top-k", "[policy][transform]") {
  // T = 0.5 sharpens 0.5 / 0.3 / 0.2 to 0.25 / 0.09 / 0.04 (normalised: 0.658 / 0.237 / 0.105):
  // top-p 0.6 then keeps only the first token; the untempered row would keep two.
  const auto l = logs({0.2, 0.5, 0.3});
  const auto out = filter(dream_logits{.temperature = 0.5, .top_p = 0.6}, l);
  CHECK(out[0] == lowest);
  CHECK(out[1] == l[1] / 0.5f);
  CHECK(out[2] == lowest);
  // Both filters apply: top-p 0.5 keeps one token where top-k 2 would keep two, and
  // top-p 0.95 keeps all three where top-k 2 drops one.
  const auto l2 = logs({0.1, 0.6, 0.3});
  CHECK(filter(dream_logits{.top_p = 0.5, .top_k = 2}, l2) == std::vector<float>{lowest, l2[1], lowest});
  CHECK(filter(dream_logits{.top_p = 0.95, .top_k = 2}, l2) == std::vector<float>{lowest, l2[1], l2[2]});
}

TEST_CASE("dream_logits: validate", "[policy][transform][errors]") {
  const dream_logits bad_t{.temperature = -1}, bad_p0{.top_p = 0}, bad_p{.top_p = 1.5}, bad_k{.top_k = -1};
  CHECK_THROWS_WITH(bad_t.validate(), Catch::Matchers::Contains("temperature = -1"));
  CHECK_THROWS_WITH(bad_p0.validate(), Catch::Matchers::Contains("top_p = 0"));
  CHECK_THROWS_WITH(bad_p.validate(), Catch::Matchers::Contains("top_p = 1.5"));
  CHECK_THROWS_WITH(bad_k.validate(), Catch::Matchers::Contains("top_k = -1"));
  CHECK_NOTHROW(dream_logits{.top_p = 1.0}.validate());
}
