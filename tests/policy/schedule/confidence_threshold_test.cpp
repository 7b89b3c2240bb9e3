// confidence_threshold (Fast-dLLM): every candidate at or above the threshold, and
// always the best one (ties: lowest position); windows end when they have no masks.
#include "core/test_models.hpp"
#include "policy/schedule/schedule_test_util.hpp"
#include <unmask/core/sampler.hpp>
#include <unmask/policy/block/fixed_blocks.hpp>
#include <unmask/policy/schedule/confidence_threshold.hpp>

#include <catch2/catch.hpp>

#include <limits>
#include <vector>

namespace {

using unmask::confidence_threshold;
using unmask::index_t;
using unmask::token_id;
using namespace unmask_test;
using positions = std::vector<index_t>;

}  // namespace

TEST_CASE("confidence_threshold: commits every score >= threshold", "[policy][schedule][threshold]") {
  const confidence_threshold s{.threshold = 0.9};
  CHECK(select_one_row(s, candidates({4, 1, 7, 2}, {0.5, 0.95, 0.9, 0.3})) == positions{1, 7});
  CHECK(select_one_row(s, candidates({4, 1, 7, 2}, {0.91, 0.95, 0.99, 0.9})) == positions{1, 2, 4, 7});
  CHECK(select_one_row(s, candidates({}, {})).empty());
}

TEST_CASE("confidence_threshold: always commits the best, ties to the lowest position",
          "[policy][schedule][threshold]") {
  const confidence_threshold s{.threshold = 0.9};
  CHECK(select_one_row(s, candidates({4, 1, 7, 2}, {0.5, 0.6, 0.3, 0.2})) == positions{1});
  CHECK(select_one_row(s, candidates({9, 6, 3, 8}, {0.7, 0.7, 0.1, 0.7})) == positions{6});
  CHECK(select_one_row(s, candidates({5}, {0.0})) == positions{5});
  // threshold 1: only exact certainty passes, so one token a step unless scores are 1.
  CHECK(select_one_row(confidence_threshold{.threshold = 1.0}, candidates({3, 2}, {0.999, 0.998})) == positions{3});
  // threshold 0: everything.
  CHECK(select_one_row(confidence_threshold{.threshold = 0.0}, candidates({3, 2}, {0.0, 0.1})) == positions{2, 3});
}

TEST_CASE("confidence_threshold: in the loop every step commits >= 1 per row", "[policy][schedule][threshold]") {
  const std::vector<std::vector<token_id>> prompts{{1, 2, 3}, {4, 5, 6}};
  for (double threshold : {0.0, 0.3, 0.6, 0.9, 1.0}) {
    CAPTURE(threshold);
    auto canvas = unmask::token_buffer::from_prompts(prompts, 24, 12, 11);
    random_logits_model model{.seed = 3, .scale = 2.5, .banned = {11}};
    const unmask::sampler<confidence_threshold, unmask::low_confidence, unmask::fixed_blocks> s{
        .schedule = {.threshold = threshold}, .block = {.length = 8}};
    std::vector<recorded_step> rec;
    const auto st = s.run(canvas, model, recording_observer{&rec});
    CHECK(canvas.count_masked(0) + canvas.count_masked(1) == 0);
    CHECK(st.committed == 48);
    for (const auto& step : rec) {
      index_t per_row[2] = {0, 0};
      for (const auto& c : step.commits) per_row[c.row] += 1;
      // Both rows have the same length, so they are active on the same steps until one
      // finishes its last block early.
      CHECK(per_row[0] + per_row[1] >= 1);
    }
    if (threshold == 1.0) CHECK(st.steps == 24);  // one token per step and row
    if (threshold == 0.0) CHECK(st.steps == 3);   // a block per step
  }
}

TEST_CASE("confidence_threshold: validate", "[policy][schedule][threshold][errors]") {
  CHECK_NOTHROW(confidence_threshold{.threshold = 0.0}.validate());
  CHECK_NOTHROW(confidence_threshold{.threshold = 1.0}.validate());
  CHECK_THROWS_WITH(confidence_threshold{.threshold = 1.5}.validate(), Catch::Matchers::Contains("threshold = 1.5"));
  CHECK_THROWS_WITH(confidence_threshold{.threshold = -0.25}.validate(),
                    Catch::Matchers::Contains("threshold = -0.25"));
  CHECK_THROWS_AS(confidence_threshold{.threshold = std::numeric_limits<double>::quiet_NaN()}.validate(),
                  unmask::error);
}
