// The sampler loop over every schedule x score rule x block policy (greedy and sampled
// tokens, random logits): commits only masked positions of the active window, never
// touches a committed token, commits every mask, ends within its bound, is deterministic.
#include "core/test_models.hpp"
#include <unmask/core/sampler.hpp>
#include <unmask/policy/block/fixed_blocks.hpp>
#include <unmask/policy/block/whole_canvas.hpp>
#include <unmask/policy/noise/categorical.hpp>
#include <unmask/policy/noise/greedy.hpp>
#include <unmask/policy/schedule/confidence_factor.hpp>
#include <unmask/policy/schedule/confidence_threshold.hpp>
#include <unmask/policy/schedule/linear_schedule.hpp>
#include <unmask/policy/schedule/timestep_schedule.hpp>
#include <unmask/policy/score/low_confidence.hpp>
#include <unmask/policy/score/margin_score.hpp>
#include <unmask/policy/score/neg_entropy_score.hpp>
#include <unmask/policy/score/random_score.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace {

using unmask::index_t;
using unmask::token_id;
using namespace unmask_test;

constexpr index_t gen = 20, vocab = 11, block_len = 8;
constexpr token_id mask = 7;

// Schedules under test, with the exact or bounding step count of one row whose windows
// start with the given mask counts.
struct linear_all {
  static constexpr const char* name = "linear_schedule{5, run_all_steps}";
  static unmask::linear_schedule make() { return {.steps_per_window = 5, .run_all_steps = true}; }
  static void check_steps(index_t steps, const std::vector<index_t>& window_masks) {
    CHECK(steps == 5 * static_cast<index_t>(window_masks.size()));
  }
};
struct linear_early {
  static constexpr const char* name = "linear_schedule{5, !run_all_steps}";
  static unmask::linear_schedule make() { return {.steps_per_window = 5, .run_all_steps = false}; }
  static void check_steps(index_t steps, const std::vector<index_t>& window_masks) {
    index_t expected = 0;  // a window of m masks takes min(S, m) steps: k >= 1 while m >= S
    for (index_t m : window_masks) expected += std::min<index_t>(5, m);
    CHECK(steps == expected);
  }
};
struct timestep {
  static constexpr const char* name = "timestep_schedule{6}";
  static unmask::timestep_schedule make() { return {.steps = 6, .eps = 1e-3}; }
  static void check_steps(index_t steps, const std::vector<index_t>& window_masks) {
    CHECK(steps == 6 * static_cast<index_t>(window_masks.size()));
  }
};
struct threshold {
  static constexpr const char* name = "confidence_threshold{0.6}";
  static unmask::confidence_threshold make() { return {.threshold = 0.6}; }
  static void check_steps(index_t steps, const std::vector<index_t>& window_masks) {
    CHECK(steps >= static_cast<index_t>(window_masks.size()));
    CHECK(steps <= gen);  // >= 1 commit per step and row
  }
};
struct factor {
  static constexpr const char* name = "confidence_factor{1.0}";
  static unmask::confidence_factor make() { return {.factor = 1.0}; }
  static void check_steps(index_t steps, const std::vector<index_t>& window_masks) {
    threshold::check_steps(steps, window_masks);
  }
};

struct whole {
  static constexpr const char* name = "whole_canvas";
  static unmask::whole_canvas make() { return {}; }
  static index_t scan_begin(index_t) { return 0; }
  static void check_window(index_t prompt, index_t len, index_t begin, index_t end) {
    CHECK(begin == prompt);
    CHECK(end == len);
  }
  static std::vector<index_t> window_masks() { return {gen}; }
};
struct blocks {
  static constexpr const char* name = "fixed_blocks{8}";
  static unmask::fixed_blocks make() { return {.length = block_len}; }
  static index_t scan_begin(index_t window_begin) { return window_begin; }
  static void check_window(index_t prompt, index_t len, index_t begin, index_t end) {
    CHECK((begin - prompt) % block_len == 0);
    CHECK(end == std::min(begin + block_len, len));
  }
  static std::vector<index_t> window_masks() { return {8, 8, 4}; }
};

template <class Score>
Score make_score(std::uint64_t seed) {
  if constexpr (std::is_same_v<Score, unmask::random_score>)
    return {.seed = seed};
  else
    return {};
}
template <class Score>
std::string score_name() {
  if constexpr (std::is_same_v<Score, unmask::low_confidence>)
    return "low_confidence";
  else if constexpr (std::is_same_v<Score, unmask::margin_score>)
    return "margin_score";
  else if constexpr (std::is_same_v<Score, unmask::neg_entropy_score>)
    return "neg_entropy_score";
  else
    return "random_score";
}

template <class Sch, class Score, class Block>
struct combo {
  using schedule = Sch;
  using score = Score;
  using block = Block;
};

template <class Sch>
using with_every_score =
    std::tuple<combo<Sch, unmask::low_confidence, whole>, combo<Sch, unmask::margin_score, whole>,
               combo<Sch, unmask::neg_entropy_score, whole>, combo<Sch, unmask::random_score, whole>,
               combo<Sch, unmask::low_confidence, blocks>, combo<Sch, unmask::margin_score, blocks>,
               combo<Sch, unmask::neg_entropy_score, blocks>, combo<Sch, unmask::random_score, blocks>>;

using all_combos =
    decltype(std::tuple_cat(std::declval<with_every_score<linear_all>>(),
                            std::declval<with_every_score<linear_early>>(), std::declval<with_every_score<timestep>>(),
                            std::declval<with_every_score<threshold>>(), std::declval<with_every_score<factor>>()));
static_assert(std::tuple_size_v<all_combos> == 40);

const std::vector<std::vector<token_id>> prompts{{1, 2, 3}, {4, 5, 6, 8, 9}, {9, 1, 2, 3}};

// Checks every step of a run against the canvas before it; returns the commit transcript.
template <class Combo, class Sampler>
std::vector<recorded_step> checked_run(const Sampler& s, std::uint64_t model_seed,
                                       std::vector<std::vector<token_id>>* out) {
  using Block = typename Combo::block;
  auto canvas = unmask::token_buffer::from_prompts(prompts, gen, vocab, mask);
  index_t initial_masks = 0;
  for (index_t r = 0; r < canvas.rows(); ++r) initial_masks += canvas.count_masked(r);
  random_logits_model model{.seed = model_seed, .scale = 2.0, .banned = {mask}};
  std::vector<std::vector<token_id>> prev = rows_of(canvas);
  std::vector<recorded_step> transcript;
  std::vector<index_t> last_window(prompts.size(), 0);

  auto observer = [&](const unmask::step_event& e) {
    INFO("step " << e.step);
    REQUIRE(e.step == static_cast<index_t>(transcript.size()));
    CHECK(e.model_calls == e.step + 1);
    CHECK(e.length_changes.empty());
    auto expected = prev;
    index_t last_row = -1, last_pos = -1;
    for (const auto& c : e.commits) {
      INFO("commit row " << c.row << " position " << c.position << " token " << c.token);
      REQUIRE(c.row >= 0);
      REQUIRE(c.row < static_cast<index_t>(prev.size()));
      auto& row = expected[static_cast<std::size_t>(c.row)];
      REQUIRE(c.position >= 0);
      REQUIRE(c.position < static_cast<index_t>(row.size()));
      CHECK((c.row > last_row || (c.row == last_row && c.position > last_pos)));  // row-major, each position once
      last_row = c.row, last_pos = c.position;
      CHECK(row[static_cast<std::size_t>(c.position)] == mask);  // only masks are committed
      CHECK(c.token >= 0);
      CHECK(c.token < vocab);
      CHECK(c.token != mask);
      const auto req = model.request_of(e.step, c.row);
      REQUIRE(req.has_value());
      CHECK(c.position >= Block::scan_begin(req->window_begin));  // inside the active scan range
      CHECK(c.position < req->window_end);
      CHECK(c.position >= req->logits_begin);  // the model was asked for its logits
      CHECK(c.position < req->logits_end);
      row[static_cast<std::size_t>(c.position)] = c.token;
    }
    // Requests: the documented window, logits exactly over its masks' span.
    for (index_t r = 0; r < static_cast<index_t>(prev.size()); ++r) {
      const auto req = model.request_of(e.step, r);
      if (!req) continue;
      const auto& before = prev[static_cast<std::size_t>(r)];
      const auto P = static_cast<index_t>(prompts[static_cast<std::size_t>(r)].size());
      CHECK(req->tokens == before);
      Block::check_window(P, static_cast<index_t>(before.size()), req->window_begin, req->window_end);
      CHECK(req->window_begin >= last_window[static_cast<std::size_t>(r)]);
      last_window[static_cast<std::size_t>(r)] = req->window_begin;
      index_t lo = -1, hi = -1;
      for (index_t p = Block::scan_begin(req->window_begin); p < req->window_end; ++p)
        if (before[static_cast<std::size_t>(p)] == mask) {
          if (lo < 0) lo = p;
          hi = p + 1;
        }
      if (lo >= 0) {
        CHECK(req->logits_begin == lo);
        CHECK(req->logits_end == hi);
      }
    }
    const auto after = rows_of(*e.canvas);
    CHECK(after == expected);  // nothing else changed: no re-masking, no rewrite of committed tokens
    prev = after;
    transcript.push_back({e.step, e.model_calls, {e.commits.begin(), e.commits.end()}, after});
  };

  const auto st = s.run(canvas, model, observer);
  CHECK(st.steps == static_cast<index_t>(transcript.size()));
  CHECK(st.model_calls == st.steps);
  CHECK(st.forward_calls == st.steps);
  CHECK(model.calls == st.steps);
  index_t commits = 0;
  for (const auto& t : transcript) commits += static_cast<index_t>(t.commits.size());
  CHECK(commits == initial_masks);
  CHECK(st.committed == initial_masks);
  for (index_t r = 0; r < canvas.rows(); ++r) CHECK(canvas.count_masked(r) == 0);
  CHECK(rows_of(canvas) == prev);
  Combo::schedule::check_steps(st.steps, Block::window_masks());
  *out = rows_of(canvas);
  return transcript;
}

template <class Combo, class Noise>
void check_combo(Noise noise) {
  using S = unmask::sampler<decltype(Combo::schedule::make()), typename Combo::score, decltype(Combo::block::make()),
                            unmask::fixed_length, Noise>;
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    INFO(Combo::schedule::name << " x " << score_name<typename Combo::score>() << " x " << Combo::block::name
                               << ", seed " << seed);
    S s{.schedule = Combo::schedule::make(),
        .score = make_score<typename Combo::score>(seed + 100),
        .block = Combo::block::make(),
        .noise = noise};
    std::vector<std::vector<token_id>> first, second;
    const auto t1 = checked_run<Combo>(s, seed, &first);
    const auto t2 = checked_run<Combo>(s, seed, &second);
    CHECK(first == second);  // deterministic: same inputs, same seeds, same run
    REQUIRE(t1.size() == t2.size());
    for (std::size_t k = 0; k < t1.size(); ++k) CHECK(t1[k].commits == t2[k].commits);
  }
}

}  // namespace

TEMPLATE_LIST_TEST_CASE("sampler properties over schedule x score x block", "[core][sampler][property]", all_combos) {
  SECTION("greedy tokens") { check_combo<TestType>(unmask::greedy{}); }
  SECTION("sampled tokens (categorical T = 0.8)") {
    check_combo<TestType>(unmask::categorical{.temperature = 0.8, .seed = 5});
  }
}

TEST_CASE("sampler: seeds change sampled runs, and only them", "[core][sampler][property]") {
  using S = unmask::sampler<unmask::linear_schedule, unmask::random_score, unmask::whole_canvas, unmask::fixed_length,
                            unmask::categorical>;
  auto run = [](const S& s) {
    auto canvas = unmask::token_buffer::from_prompts(prompts, gen, vocab, mask);
    random_logits_model model{.seed = 1, .scale = 1.0, .banned = {mask}};
    s.run(canvas, model);
    return rows_of(canvas);
  };
  const S base{.schedule = {.steps_per_window = 10}, .score = {.seed = 1}, .noise = {.temperature = 1.0, .seed = 1}};
  S other_noise = base, other_score = base;
  other_noise.noise.seed = 2;
  other_score.score.seed = 2;
  CHECK(run(base) == run(base));
  CHECK(run(base) != run(other_noise));
  // The random score changes the order, not the tokens' distribution: with greedy
  // tokens from fixed logits the final tokens can still differ since the canvas
  // differs at each step; it must at least change the commit order.
  std::vector<recorded_step> a, b;
  auto canvas = unmask::token_buffer::from_prompts(prompts, gen, vocab, mask);
  random_logits_model m1{.seed = 1, .scale = 1.0, .banned = {mask}};
  base.run(canvas, m1, recording_observer{&a});
  canvas = unmask::token_buffer::from_prompts(prompts, gen, vocab, mask);
  random_logits_model m2{.seed = 1, .scale = 1.0, .banned = {mask}};
  other_score.run(canvas, m2, recording_observer{&b});
  REQUIRE(a.size() == b.size());
  bool order_differs = false;
  for (std::size_t k = 0; k < a.size(); ++k) {
    std::vector<std::pair<index_t, index_t>> pa, pb;
    for (const auto& c : a[k].commits) pa.emplace_back(c.row, c.position);
    for (const auto& c : b[k].commits) pb.emplace_back(c.row, c.position);
    order_differs = order_differs || pa != pb;
  }
  CHECK(order_differs);
}
