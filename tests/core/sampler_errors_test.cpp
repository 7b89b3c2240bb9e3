// Bad input to the sampler: each throws unmask::error naming the parameter and the value,
// and the caller's canvas is exactly as before (the loop works on a copy).
#include "core/error_matcher.hpp"
#include "core/test_models.hpp"
#include <unmask/core/sampler.hpp>
#include <unmask/policy/block/fixed_blocks.hpp>
#include <unmask/policy/guidance/cfg.hpp>
#include <unmask/policy/noise/categorical.hpp>
#include <unmask/policy/schedule/confidence_threshold.hpp>
#include <unmask/policy/schedule/linear_schedule.hpp>

#include <catch2/catch.hpp>

#include <limits>
#include <vector>

namespace {

using unmask::errc;
using unmask::index_t;
using unmask::token_buffer;
using unmask::token_id;
using namespace unmask_test;

constexpr float ninf = -std::numeric_limits<float>::infinity();

const std::vector<std::vector<token_id>> prompts{{1, 2, 3}, {4, 5, 6}};

// Requires `f` to throw a matching unmask::error and `canvas` to be unchanged.
template <class F>
void require_rejected(token_buffer& canvas, F&& f, const error_is& m) {
  const token_buffer copy = canvas;
  const auto rows = rows_of(canvas);
  REQUIRE_THROWS_MATCHES(f(), unmask::error, m);
  CHECK(canvas == copy);
  CHECK(rows_of(canvas) == rows);
  for (index_t r = 0; r < canvas.rows(); ++r) CHECK(canvas.prompt_length(r) == copy.prompt_length(r));
}

// The random model, except that at step `bad_step` it writes `value` into entry `entry`
// of position `bad_position` of every conditional (or unconditional) row, or the whole row
// when entry < 0.
struct poisoned_model {
  random_logits_model base{.seed = 8, .scale = 2.0, .banned = {9}};
  index_t bad_step = 0, bad_position = 0, entry = 0;
  float value = 0;
  bool poison_unconditional = false;
  void operator()(const unmask::forward_request& req) {
    base(req);
    if (req.step != bad_step) return;
    for (const auto& row : req.rows) {
      if (row.unconditional != poison_unconditional) continue;
      if (bad_position < row.logits_begin || bad_position >= row.logits_end) continue;
      float* l = row.logits + (bad_position - row.logits_begin) * req.vocab;
      for (index_t v = 0; v < req.vocab; ++v)
        if (entry < 0 || v == entry) l[v] = value;
    }
  }
};

// A token sampler that proposes a token outside the vocabulary at a given step.
struct out_of_vocab_sampler {
  token_id bad = 10;
  index_t at_step = 0;
  [[nodiscard]] unmask::token_choice pick(std::span<const float> l, const unmask::row_stats& s,
                                          unmask::random_counter where) const noexcept {
    if (where.step == static_cast<std::uint32_t>(at_step)) return {bad, 0.0};
    return {s.top1, l[static_cast<std::size_t>(s.top1)]};
  }
};
static_assert(unmask::token_sampler<out_of_vocab_sampler>);

// A length policy that promises more room than a tight canvas has.
struct doubling_length : unmask::fixed_length {
  [[nodiscard]] constexpr index_t length_cap(index_t g) const noexcept { return 2 * g; }
};
static_assert(unmask::length_policy<doubling_length>);

using linear_sampler = unmask::sampler<unmask::linear_schedule, unmask::low_confidence, unmask::fixed_blocks>;
const linear_sampler good{.schedule = {.steps_per_window = 4}, .block = {.length = 4}};

}  // namespace

TEST_CASE("sampler rejects NaN, +Inf and all -Inf logits rows (errc::invalid_logits)", "[core][sampler][errors]") {
  auto canvas = token_buffer::from_prompts(prompts, 8, 10, 9);
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  // Step 2 of the first block, so the working copy has commits when the error is thrown.
  for (index_t step : {0, 2}) {
    CAPTURE(step);
    // The bad position must still be a mask at that step: with a greedy linear schedule
    // from this model position 6 (last of block 1) is the natural candidate; check it is.
    poisoned_model probe{.bad_step = -1};
    auto c = canvas;
    std::vector<recorded_step> rec;
    good.run(c, probe, recording_observer{&rec});
    index_t p = -1;
    for (index_t q = 3; q < 7 && p < 0; ++q) {
      bool committed_before = false;
      for (index_t k = 0; k < step; ++k)
        for (const auto& cm : rec[static_cast<std::size_t>(k)].commits)
          committed_before = committed_before || (cm.row == 0 && cm.position == q);
      if (!committed_before) p = q;
    }
    REQUIRE(p >= 0);
    const std::string where = "row 0, position " + std::to_string(p);
    poisoned_model nan_model{.bad_step = step, .bad_position = p, .entry = 2, .value = nan};
    require_rejected(
        canvas, [&] { good.run(canvas, nan_model); }, error_is(errc::invalid_logits, "logits", where));
    poisoned_model inf_model{.bad_step = step, .bad_position = p, .entry = 0, .value = inf};
    require_rejected(
        canvas, [&] { good.run(canvas, inf_model); }, error_is(errc::invalid_logits, "logits", where));
    poisoned_model all_ninf{.bad_step = step, .bad_position = p, .entry = -1, .value = ninf};
    require_rejected(
        canvas, [&] { good.run(canvas, all_ninf); }, error_is(errc::invalid_logits, "logits", where));
    // One -Inf entry is a banned token, which is fine.
    poisoned_model one_ninf{.bad_step = step, .bad_position = p, .entry = 4, .value = ninf};
    auto ok = canvas;
    CHECK_NOTHROW(good.run(ok, one_ninf));
    CHECK(ok.count_masked(0) == 0);
  }
}

TEST_CASE("sampler rejects NaN from the unconditional pass of CFG", "[core][sampler][errors][cfg]") {
  auto canvas = token_buffer::from_prompts(prompts, 8, 10, 9);
  using guided = unmask::sampler<unmask::linear_schedule, unmask::low_confidence, unmask::fixed_blocks,
                                 unmask::fixed_length, unmask::greedy, unmask::cfg>;
  const guided s{.schedule = {.steps_per_window = 4}, .block = {.length = 4}, .guidance = {.scale = 0.5}};
  poisoned_model m{.bad_step = 0,
                   .bad_position = 4,
                   .entry = 1,
                   .value = std::numeric_limits<float>::quiet_NaN(),
                   .poison_unconditional = true};
  require_rejected(
      canvas, [&] { s.run(canvas, m); }, error_is(errc::invalid_logits, "logits", "position 4"));
}

TEST_CASE("sampler rejects a committed token outside the vocabulary", "[core][sampler][errors]") {
  auto canvas = token_buffer::from_prompts(prompts, 8, 10, 9);
  for (index_t step : {0, 3}) {
    for (token_id bad : {10, -1}) {
      CAPTURE(step, bad);
      const unmask::sampler<unmask::linear_schedule, unmask::low_confidence, unmask::fixed_blocks, unmask::fixed_length,
                            out_of_vocab_sampler>
          s{.schedule = {.steps_per_window = 4}, .block = {.length = 4}, .noise = {.bad = bad, .at_step = step}};
      random_logits_model m{.seed = 1, .banned = {9}};
      require_rejected(
          canvas, [&] { s.run(canvas, m); },
          error_is(errc::invalid_argument, "token", "token = " + std::to_string(bad)));
    }
  }
}

TEST_CASE("sampler rejects bad policy parameters before touching anything", "[core][sampler][errors]") {
  auto canvas = token_buffer::from_prompts(prompts, 8, 10, 9);
  random_logits_model m{.seed = 1, .banned = {9}};
  linear_sampler zero_steps = good;
  zero_steps.schedule.steps_per_window = 0;
  require_rejected(
      canvas, [&] { zero_steps.run(canvas, m); },
      error_is(errc::invalid_argument, "steps_per_window", "steps_per_window = 0"));
  linear_sampler neg_block = good;
  neg_block.block.length = -4;
  require_rejected(
      canvas, [&] { neg_block.run(canvas, m); }, error_is(errc::invalid_argument, "block_length", "block_length = -4"));
  for (double t : {1.5, -0.1}) {
    const unmask::sampler<unmask::confidence_threshold> s{.schedule = {.threshold = t}};
    require_rejected(
        canvas, [&] { s.run(canvas, m); },
        error_is(errc::invalid_argument, "threshold", "threshold = " + std::string(t > 1 ? "1.5" : "-0.1")));
  }
  const unmask::sampler<unmask::linear_schedule, unmask::low_confidence, unmask::whole_canvas, unmask::fixed_length,
                        unmask::categorical>
      bad_t{.schedule = {.steps_per_window = 2}, .noise = {.temperature = -1.0}};
  require_rejected(
      canvas, [&] { bad_t.run(canvas, m); }, error_is(errc::invalid_argument, "temperature", "temperature = -1"));
  CHECK(m.calls == 0);
}

TEST_CASE("sampler rejects a workspace planned for another canvas (errc::shape_mismatch)", "[core][sampler][errors]") {
  auto canvas = token_buffer::from_prompts(prompts, 8, 10, 9);
  random_logits_model m{.seed = 1, .banned = {9}};
  const std::vector<std::vector<token_id>> three{{1, 2, 3}, {4, 5, 6}, {7, 8, 1}};
  auto other_rows = good.plan(token_buffer::from_prompts(three, 8, 10, 9));
  require_rejected(
      canvas, [&] { good.run(canvas, m, other_rows); },
      error_is(errc::shape_mismatch, "workspace rows", "workspace rows = 3"));
  auto other_capacity = good.plan(token_buffer::from_prompts(prompts, 8, 10, 9, 12));
  require_rejected(
      canvas, [&] { good.run(canvas, m, other_capacity); },
      error_is(errc::shape_mismatch, "workspace rows", "workspace rows = 2"));
  auto other_vocab = good.plan(token_buffer::from_prompts(prompts, 8, 12, 9));
  require_rejected(
      canvas, [&] { good.run(canvas, m, other_vocab); },
      error_is(errc::shape_mismatch, "workspace rows", "another canvas shape"));
  CHECK(m.calls == 0);
}

TEST_CASE("sampler rejects rows without generation and canvases without room", "[core][sampler][errors]") {
  random_logits_model m{.seed = 1, .banned = {9}};
  token_buffer canvas(2, 12, 10, 9);
  const std::vector<token_id> p0{1, 2, 3}, p1{4, 5};
  canvas.set_row(0, p0, 4);
  canvas.set_row(1, p1, 0);
  require_rejected(
      canvas, [&] { good.run(canvas, m); }, error_is(errc::invalid_argument, "gen_length(row)", "gen_length(row) = 0"));

  // A length policy that may double the generation needs prompt + 2 * gen_length of room.
  auto tight = token_buffer::from_prompts(prompts, 8, 10, 9);
  const unmask::sampler<unmask::linear_schedule, unmask::low_confidence, unmask::whole_canvas, doubling_length> grows{
      .schedule = {.steps_per_window = 2}};
  require_rejected(
      tight, [&] { grows.run(tight, m); },
      error_is(errc::shape_mismatch, "canvas.capacity()", "canvas.capacity() = 11"));
  auto roomy = token_buffer::from_prompts(prompts, 8, 10, 9, 19);
  CHECK_NOTHROW(grows.run(roomy, m));
}

TEST_CASE("sampler: equal_prompt_lengths rejects ragged batches", "[core][sampler][errors]") {
  const std::vector<std::vector<token_id>> ragged{{1, 2, 3}, {4, 5}};
  auto canvas = token_buffer::from_prompts(ragged, 8, 10, 9);
  random_logits_model m{.seed = 1, .banned = {9}};
  linear_sampler s = good;
  s.options.equal_prompt_lengths = true;
  require_rejected(
      canvas, [&] { s.run(canvas, m); },
      error_is(errc::shape_mismatch, "prompt_length(row)", "prompt_length(row) = 2"));
  CHECK_NOTHROW(good.run(canvas, m));
}

TEST_CASE("sampler: a policy that never finishes hits the loop bound (errc::bound_exceeded)",
          "[core][sampler][errors]") {
  auto canvas = token_buffer::from_prompts(prompts, 4, 10, 9);
  // The model always proposes the mask token itself: a commit never removes a mask, so a
  // schedule that waits for an empty window never ends. The loop stops at its bound.
  std::vector<float> row(10, 0.0f);
  row[9] = 5.0f;
  constant_model m{.row = row};
  const unmask::sampler<unmask::confidence_threshold> s{.schedule = {.threshold = 0.5}};
  require_rejected(
      canvas, [&] { s.run(canvas, m); }, error_is(errc::bound_exceeded, "max_steps", "max_steps = "));
  // Derived bound: rows * (capacity + 1) * max_window_steps(capacity) + 1.
  CHECK(m.calls == 2 * 8 * 7 + 1);

  // An explicit max_steps bounds a run that would otherwise finish later.
  random_logits_model r{.seed = 1, .banned = {9}};
  unmask::sampler<unmask::linear_schedule> slow{.schedule = {.steps_per_window = 4}};
  slow.options.max_steps = 3;
  require_rejected(
      canvas, [&] { slow.run(canvas, r); }, error_is(errc::bound_exceeded, "max_steps", "max_steps = 3"));
  CHECK(r.calls == 3);
}

TEST_CASE("sampler: an exception from the model leaves the canvas unchanged", "[core][sampler][errors]") {
  auto canvas = token_buffer::from_prompts(prompts, 8, 10, 9);
  struct failing_model {
    random_logits_model base{.seed = 2, .banned = {9}};
    index_t calls = 0;
    void operator()(const unmask::forward_request& req) {
      if (++calls == 3) throw unmask::error(errc::model_failure, "model", "model: backend lost at call 3");
      base(req);
    }
  } m;
  require_rejected(
      canvas, [&] { good.run(canvas, m); }, error_is(errc::model_failure, "model", "call 3"));
}
