// The examples of docs/custom_score_rule.md (a "confidence minus position penalty" score
// rule plugged into presets and a composed sampler), compiled and checked.
#include "core/test_models.hpp"
#include <unmask/unmask.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace custom_score_doc {

// example-begin custom-score-rule
/// Score = p(token) - penalty * position: confident predictions first and, among
/// similar ones, the leftmost (a soft left-to-right order). Concept: score_rule.
/// O(1) from the candidate's row_stats. Deterministic.
struct confidence_minus_position {
  double penalty = 0.01;  ///< score lost per position to the right

  [[nodiscard]] double score(const unmask::candidate& c, unmask::random_counter) const noexcept {
    return c.token_prob() - penalty * static_cast<double>(c.position);
  }
  void validate() const {  // optional: the sampler calls it before a run
    if (!(penalty >= 0))
      throw unmask::error(unmask::errc::invalid_argument, "penalty",
                          "penalty = " + std::to_string(penalty) + ": must be >= 0");
  }
  friend bool operator==(const confidence_minus_position&, const confidence_minus_position&) = default;
};
static_assert(unmask::score_rule<confidence_minus_position>);
// example-end

}  // namespace custom_score_doc

using custom_score_doc::confidence_minus_position;
using unmask::index_t;
using unmask::token_id;

namespace {

const std::vector<std::vector<token_id>> prompts{{1, 2, 3}, {4, 5, 6}};

template <class Sampler>
std::vector<unmask_test::recorded_step> run(const Sampler& s, std::uint64_t seed,
                                            std::vector<std::vector<token_id>>* out = nullptr) {
  auto canvas = unmask::token_buffer::from_prompts(prompts, 16, 20, 19);
  unmask_test::random_logits_model model{.seed = seed, .scale = 2.0, .banned = {19}};
  std::vector<unmask_test::recorded_step> rec;
  s.run(canvas, model, unmask_test::recording_observer{&rec});
  if (out != nullptr) *out = unmask_test::rows_of(canvas);
  return rec;
}

}  // namespace

TEST_CASE("custom_score_rule.md: the rule", "[docs][custom_score]") {
  const std::vector<float> l{0.0f, 2.0f, 1.0f};
  unmask::candidate c;
  c.position = 10;
  c.token = 1;
  c.token_logit = 2.0;
  c.stats = unmask::row_stats_of(l);
  const double p = c.token_prob();
  CHECK(confidence_minus_position{.penalty = 0.01}.score(c, {}) == Approx(p - 0.1));
  CHECK(confidence_minus_position{.penalty = 0.0}.score(c, {}) == p);
  CHECK_NOTHROW(confidence_minus_position{}.validate());
  CHECK_THROWS_WITH(confidence_minus_position{.penalty = -1}.validate(), Catch::Matchers::Contains("penalty = -1"));
}

TEST_CASE("custom_score_rule.md: plugged into LLaDA", "[docs][custom_score]") {
  // example-begin custom-score-llada
  const auto llada = unmask::presets::llada({.steps = 16, .gen_length = 16, .block_length = 16, .mask_id = 19},
                                            confidence_minus_position{.penalty = 0.05});
  // example-end
  CHECK(llada.score.penalty == 0.05);
  CHECK(llada.schedule.steps_per_window == 16);

  // A penalty larger than any probability gap makes the order strictly left to right.
  const auto strict = unmask::presets::llada({.steps = 16, .gen_length = 16, .block_length = 16, .mask_id = 19},
                                             confidence_minus_position{.penalty = 1.0});
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    const auto rec = run(strict, seed);
    REQUIRE(rec.size() == 16);
    for (std::size_t k = 0; k < rec.size(); ++k) {
      REQUIRE(rec[k].commits.size() == 2);
      CHECK(rec[k].commits[0].position == static_cast<index_t>(3 + k));
      CHECK(rec[k].commits[1].position == static_cast<index_t>(3 + k));
    }
  }
  // Penalty 0 is low_confidence exactly; a moderate one changes the order.
  const auto plain = unmask::presets::llada({.steps = 16, .gen_length = 16, .block_length = 16, .mask_id = 19});
  const auto zero = unmask::presets::llada({.steps = 16, .gen_length = 16, .block_length = 16, .mask_id = 19},
                                           confidence_minus_position{.penalty = 0.0});
  std::vector<std::vector<token_id>> a, b;
  const auto ra = run(plain, 4, &a), rb = run(zero, 4, &b);
  CHECK(a == b);
  for (std::size_t k = 0; k < ra.size(); ++k) CHECK(ra[k].commits == rb[k].commits);
  const auto rl = run(llada, 4);
  bool differs = false;
  for (std::size_t k = 0; k < ra.size(); ++k) differs = differs || !(ra[k].commits == rl[k].commits);
  CHECK(differs);
}

TEST_CASE("custom_score_rule.md: plugged into Dream and a composed Fast-dLLM sampler", "[docs][custom_score]") {
  // example-begin custom-score-dream
  const auto dream = unmask::presets::dream({.steps = 16, .mask_id = 19}, confidence_minus_position{.penalty = 0.05});
  // example-end
  // example-begin custom-score-compose
  // Fast-dLLM's threshold rule with this score; the preset's other choices spelled out.
  using threshold_sampler =
      unmask::sampler<unmask::confidence_threshold, confidence_minus_position, unmask::fixed_blocks>;
  const threshold_sampler fast{.schedule = {.threshold = 0.9}, .score = {.penalty = 0.001}, .block = {.length = 8}};
  // example-end
  CHECK(dream.score.penalty == 0.05);
  const auto rd = run(dream, 5);
  CHECK(rd.size() == 16);
  const auto rf = run(fast, 5);
  CHECK(rf.size() >= 2);
  CHECK(rf.size() <= 16);
  threshold_sampler negative = fast;
  negative.score.penalty = -0.5;
  CHECK_THROWS_AS(run(negative, 5), unmask::error);
}
