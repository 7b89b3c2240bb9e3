// timestep_schedule (Dream): the float32 linspace, the per-step counts of samplers.md §2.3
// through the real loop, batch-average counts and per-row clamping.
#include "core/test_models.hpp"
#include "policy/schedule/schedule_test_util.hpp"
#include <unmask/core/sampler.hpp>
#include <unmask/policy/block/whole_canvas.hpp>
#include <unmask/policy/schedule/timestep_schedule.hpp>

#include <catch2/catch.hpp>

#include <numeric>
#include <vector>

namespace {

using unmask::index_t;
using unmask::timestep_schedule;
using unmask::token_id;
using namespace unmask_test;

// Commits per step of a whole-canvas run over `gen` masks with `steps` steps (one row).
std::vector<index_t> run_counts(index_t gen, index_t steps, index_t* calls = nullptr) {
  const std::vector<std::vector<token_id>> prompts{{1, 2}};
  auto canvas = unmask::token_buffer::from_prompts(prompts, gen, 4, 3);
  constant_model model{.row = {0.5f, 1.0f, 0.25f, 0.0f}};
  const unmask::sampler<timestep_schedule> s{.schedule = {.steps = steps, .eps = 1e-3}};
  std::vector<recorded_step> rec;
  const auto st = s.run(canvas, model, recording_observer{&rec});
  REQUIRE(canvas.count_masked(0) == 0);
  if (calls != nullptr) *calls = st.model_calls;
  return commits_per_step(rec);
}

// Checks `c` = [first..., middle repeated, last...] as samplers.md writes "[a, b, m, ..., m, z]".
void check_pattern(const std::vector<index_t>& c, const std::vector<index_t>& head, index_t middle,
                   const std::vector<index_t>& tail) {
  REQUIRE(c.size() >= head.size() + tail.size());
  for (std::size_t i = 0; i < head.size(); ++i) CHECK(c[i] == head[i]);
  for (std::size_t i = 0; i < tail.size(); ++i) CHECK(c[c.size() - tail.size() + i] == tail[i]);
  for (std::size_t i = head.size(); i + tail.size() < c.size(); ++i) {
    CAPTURE(i);
    CHECK(c[i] == middle);
  }
}

}  // namespace

TEST_CASE("timestep_schedule: t() is PyTorch's float32 linspace(1, eps, steps + 1)", "[policy][schedule][timestep]") {
  for (index_t steps : {1, 2, 7, 32, 256, 1000}) {
    const timestep_schedule s{.steps = steps, .eps = 1e-3};
    CAPTURE(steps);
    CHECK(s.t(0) == 1.0f);
    CHECK(s.t(steps) == 1e-3f);
    for (index_t i = 1; i <= steps; ++i) {
      CHECK(s.t(i) < s.t(i - 1));
      const double exact = 1.0 + (1e-3 - 1.0) * static_cast<double>(i) / static_cast<double>(steps);
      CHECK(static_cast<double>(s.t(i)) == Approx(exact).margin(1e-6));
    }
  }
}

TEST_CASE("timestep_schedule: counts of samplers.md §2.3 through the loop", "[policy][schedule][timestep]") {
  index_t calls = 0;
  SECTION("G = steps = 256: [0, 1, 1, ..., 1, 2]") {
    const auto c = run_counts(256, 256, &calls);
    CHECK(c.size() == 256);
    CHECK(calls == 256);
    check_pattern(c, {0, 1}, 1, {2});
  }
  SECTION("G = steps = 512: [0, 1, 1, ..., 1, 2]") {
    const auto c = run_counts(512, 512);
    CHECK(c.size() == 512);
    check_pattern(c, {0, 1}, 1, {2});
  }
  SECTION("G = steps = 1024: [0, 0, 1, ..., 1, 3]") {
    const auto c = run_counts(1024, 1024);
    CHECK(c.size() == 1024);
    check_pattern(c, {0, 0, 1}, 1, {3});
  }
  SECTION("G = 256, steps = 128: [1, 2, ..., 2, 3]") {
    const auto c = run_counts(256, 128);
    CHECK(c.size() == 128);
    check_pattern(c, {1, 2}, 2, {3});
  }
  SECTION("G = 256, steps = 32: [7, 8, ..., 8, 9]") {
    const auto c = run_counts(256, 32);
    CHECK(c.size() == 32);
    check_pattern(c, {7, 8}, 8, {9});
  }
}

TEST_CASE("timestep_schedule: every step runs, the last commits the rest", "[policy][schedule][timestep]") {
  for (index_t gen : {1, 5, 17, 40})
    for (index_t steps : {1, 3, 8, 50}) {
      CAPTURE(gen, steps);
      index_t calls = 0;
      const auto c = run_counts(gen, steps, &calls);
      CHECK(calls == steps);
      CHECK(static_cast<index_t>(c.size()) == steps);
      CHECK(std::accumulate(c.begin(), c.end(), index_t{0}) == gen);
    }
}

TEST_CASE("timestep_schedule: k from the batch-average count, clamped per row", "[policy][schedule][timestep]") {
  const timestep_schedule s{.steps = 4, .eps = 1e-3};
  CHECK(s.count(3, 7.0f) == 7);   // last step: everything
  CHECK(s.count(10, 2.5f) == 2);  // past the end counts as the last step
  // Two rows with 6 and 2 candidates, batch average 4, last step: k = int(4) for both rows.
  auto a = candidates({10, 11, 12, 13, 14, 15}, {0.9, 0.8, 0.7, 0.6, 0.5, 0.4});
  auto b = candidates({20, 21}, {0.1, 0.2});
  const std::vector<unmask::row_state> rows{{.window_step = 3, .row_masked = 6}, {.window_step = 3, .row_masked = 2}};
  std::vector<unmask::row_candidates> rc{{0, {a.data(), a.size()}}, {1, {b.data(), b.size()}}};
  s.select({.step = 3, .batch_rows = 2, .batch_masked = 8, .mask_id = 0, .rows = rows}, rc);
  index_t na = 0, nb = 0;
  for (const auto& c : a) na += c.commit ? 1 : 0;
  for (const auto& c : b) nb += c.commit ? 1 : 0;
  CHECK(na == 4);  // int(8 / 2)
  CHECK(nb == 2);  // clamped to the row's candidates
  for (const auto& c : a) CHECK(c.commit == (c.position <= 13));

  // batch_average = false: each row its own count.
  const timestep_schedule own{.steps = 4, .eps = 1e-3, .batch_average = false};
  for (auto& c : a) c.commit = false;
  for (auto& c : b) c.commit = false;
  own.select({.step = 3, .batch_rows = 2, .batch_masked = 8, .mask_id = 0, .rows = rows}, rc);
  na = nb = 0;
  for (const auto& c : a) na += c.commit ? 1 : 0;
  for (const auto& c : b) nb += c.commit ? 1 : 0;
  CHECK(na == 6);
  CHECK(nb == 2);
}

TEST_CASE("timestep_schedule: validate", "[policy][schedule][timestep][errors]") {
  const timestep_schedule ok{.steps = 3, .eps = 0.5}, no_steps{.steps = 0}, eps0{.steps = 4, .eps = 0},
      eps1{.steps = 4, .eps = 1};
  CHECK_NOTHROW(ok.validate());
  CHECK_THROWS_WITH(no_steps.validate(), Catch::Matchers::Contains("steps = 0"));
  CHECK_THROWS_WITH(eps0.validate(), Catch::Matchers::Contains("eps = 0"));
  CHECK_THROWS_WITH(eps1.validate(), Catch::Matchers::Contains("eps = 1"));
}
