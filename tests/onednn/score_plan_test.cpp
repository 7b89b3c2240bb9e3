// The oneDNN score plan against the oracle row_stats_of: f32 and bf16 memory, chosen rows,
// tracked token, thread counts, invalid rows, errors; and the sampler's score_backend hook.
#include <unmask/backend/onednn/context.hpp>
#include <unmask/backend/onednn/memory_view.hpp>
#include <unmask/backend/onednn/score_backend.hpp>
#include <unmask/backend/onednn/score_plan.hpp>
#include <unmask/core/bfloat16.hpp>
#include <unmask/core/philox.hpp>
#include <unmask/kernels/portable_backend.hpp>
#include <unmask/kernels/row_stats.hpp>
#include <unmask/presets/llada.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <utility>
#include <vector>

namespace {

using unmask::index_t;
namespace on = unmask::onednn;
using dt = dnnl::memory::data_type;

// Rows with the hard cases: ties for the maximum and for second place, -Inf entries,
// a row with one finite entry, a NaN row and a +Inf row.
std::vector<float> tricky_block(index_t rows, index_t vocab) {
  std::vector<float> l(static_cast<std::size_t>(rows * vocab));
  for (std::size_t i = 0; i < l.size(); ++i)
    l[i] = static_cast<float>(2.5 * unmask::philox_normal(5, {.stream = 21}, static_cast<std::uint32_t>(i)));
  auto at = [&](index_t r, index_t v) -> float& { return l[static_cast<std::size_t>(r * vocab + v)]; };
  const float ninf = -std::numeric_limits<float>::infinity();
  at(1, 7) = at(1, 900) = 20.0f;                    // tie for the max: lower index first
  at(2, 3) = 20.0f, at(2, 10) = at(2, 11) = 19.0f;  // tie for second place
  for (index_t v = 0; v < vocab; v += 3) at(3, v) = ninf;
  for (index_t v = 0; v < vocab; ++v) at(4, v) = v == 17 ? 1.0f : ninf;
  at(5, 40) = std::numeric_limits<float>::quiet_NaN();
  at(6, 2) = std::numeric_limits<float>::infinity();
  return l;
}

// top1 / top2 by their definition: the first index of the largest entry, and the first
// index of the largest entry other than top1 (an all -Inf remainder gives its first index).
std::pair<unmask::token_id, unmask::token_id> top2_of(std::span<const float> row) {
  index_t i1 = 0, i2 = -1;
  for (index_t v = 1; v < static_cast<index_t>(row.size()); ++v)
    if (row[static_cast<std::size_t>(v)] > row[static_cast<std::size_t>(i1)]) i1 = v;
  for (index_t v = 0; v < static_cast<index_t>(row.size()); ++v)
    if (v != i1 && (i2 < 0 || row[static_cast<std::size_t>(v)] > row[static_cast<std::size_t>(i2)])) i2 = v;
  return {static_cast<unmask::token_id>(i1), static_cast<unmask::token_id>(i2)};
}

// Valid rows: top1 / top2 as defined, the rest as row_stats_of within `rel`. Invalid rows
// (NaN, +Inf, all -Inf) only have to be flagged: their indices are unspecified.
void same_stats(const unmask::row_stats& got, std::span<const float> row, double rel) {
  const auto want = unmask::row_stats_of<double>(row);
  CHECK(got.valid() == want.valid());
  if (!want.valid()) return;
  const auto [t1, t2] = top2_of(row);
  CHECK(got.top1 == t1);
  CHECK(got.top2 == t2);
  CHECK(got.max1 == want.max1);
  CHECK(got.max2 == static_cast<double>(row[static_cast<std::size_t>(t2)]));
  CHECK(got.lse == Approx(want.lse).epsilon(rel).margin(rel));
  CHECK(got.sum_p_log_p == Approx(want.sum_p_log_p).epsilon(rel).margin(rel));
  CHECK(got.p1() == Approx(want.p1()).epsilon(rel).margin(rel));
}

}  // namespace

TEST_CASE("score_plan: f32 memory, every row and chosen rows, equal row_stats_of", "[onednn][score]") {
  on::context ctx;
  constexpr index_t rows = 12, vocab = 3001;
  auto block = tricky_block(rows, vocab);
  const auto m = on::wrap(ctx, std::span<float>(block), {rows, vocab});
  for (const bool f64 : {true, false})
    for (const index_t threads : {1, 2, 3}) {
      CAPTURE(f64, threads);
      on::score_plan plan(ctx, rows, vocab, dt::f32, {.float64 = f64, .threads = threads});
      CHECK(plan.workspace_bytes() == 0);
      CHECK(plan.logits_desc() == m.get_desc());
      std::vector<unmask::position_stats> out(static_cast<std::size_t>(rows));
      plan.run(m, out, 17);
      for (index_t r = 0; r < rows; ++r) {
        const std::span<const float> row(block.data() + r * vocab, static_cast<std::size_t>(vocab));
        CAPTURE(r);
        same_stats(out[static_cast<std::size_t>(r)].stats, row, f64 ? 1e-12 : 1e-6);
        CHECK(out[static_cast<std::size_t>(r)].tracked_logit == row[17]);
      }
      const std::vector<index_t> which{9, 0, 4, 4};
      std::vector<unmask::position_stats> some(which.size());
      plan.run(m, which, some);
      for (std::size_t i = 0; i < which.size(); ++i)
        CHECK(some[i].stats == out[static_cast<std::size_t>(which[i])].stats);
    }
}

TEST_CASE("score_plan: bf16 memory equals row_stats_of of the widened values", "[onednn][score]") {
  on::context ctx;
  constexpr index_t rows = 7, vocab = 5000;
  const auto f = tricky_block(rows, vocab);
  std::vector<unmask::bfloat16> b(f.size());
  std::vector<float> widened(f.size());
  for (std::size_t i = 0; i < f.size(); ++i) {
    b[i] = unmask::bfloat16::from_float(f[i]);
    widened[i] = b[i].to_float();
  }
  on::score_plan plan(ctx, rows, vocab, dt::bf16, {.entropy = false});
  std::vector<unmask::position_stats> out(static_cast<std::size_t>(rows));
  plan.run(on::wrap(ctx, std::span<const unmask::bfloat16>(b), {rows, vocab}), out, 3);
  for (index_t r = 0; r < rows; ++r) {
    const std::span<const float> row(widened.data() + r * vocab, static_cast<std::size_t>(vocab));
    const auto want = unmask::row_stats_of<double>(row);
    const auto& got = out[static_cast<std::size_t>(r)].stats;
    CAPTURE(r);
    CHECK(got.valid() == want.valid());
    if (want.valid()) {
      const auto [t1, t2] = top2_of(row);
      CHECK(got.top1 == t1);
      CHECK(got.top2 == t2);
      CHECK(got.lse == Approx(want.lse).epsilon(1e-12));
      CHECK(std::isnan(got.sum_p_log_p));  // entropy = false
    }
    CHECK(out[static_cast<std::size_t>(r)].tracked_logit == row[3]);
  }
}

TEST_CASE("score_plan: shape errors are thrown before anything is written", "[onednn][score][errors]") {
  on::context ctx;
  CHECK_THROWS_AS(on::score_plan(ctx, 0, 10, dt::f32), unmask::error);
  CHECK_THROWS_AS(on::score_plan(ctx, 2, 10, dt::s8), unmask::error);
  CHECK_THROWS_AS(on::score_plan(ctx, 2, 10, dt::f32, {.threads = 0}), unmask::error);
  on::score_plan plan(ctx, 2, 10, dt::f32);
  std::vector<float> block(30, 0.5f);
  std::vector<unmask::position_stats> out(2);
  out[0].tracked_logit = 42;
  CHECK_THROWS_AS(plan.run(on::wrap(ctx, std::span<float>(block), {3, 10}), out), unmask::error);
  const auto m = on::wrap(ctx, std::span<float>(block).first(20), {2, 10});
  CHECK_THROWS_AS(plan.run(m, std::vector<index_t>{0, 2}, out), unmask::error);
  CHECK_THROWS_AS(plan.run(m, std::vector<index_t>{0}, out), unmask::error);
  CHECK_THROWS_AS(plan.run(m, out, 10), unmask::error);
  CHECK(out[0].tracked_logit == 42);
  std::vector<unmask::bfloat16> bb(20);
  CHECK_THROWS_AS(plan.run(on::wrap(ctx, std::span<unmask::bfloat16>(bb), {2, 10}), out), unmask::error);
}

TEST_CASE("score_backend: a sampler run equals the portable oracle's", "[onednn][score][sampler]") {
  on::context ctx;
  constexpr index_t vocab = 500;
  const auto s =
      unmask::presets::llada({.steps = 8, .gen_length = 16, .block_length = 8, .mask_id = 499, .eos_id = 498});
  const on::score_plan plan(ctx, 2 * 32, vocab, dt::f32, {.threads = 2});
  using with_onednn =
      unmask::sampler<decltype(s.schedule), decltype(s.score), decltype(s.block), decltype(s.length), decltype(s.noise),
                      decltype(s.guidance), decltype(s.transform), on::score_backend>;
  const with_onednn so{s.schedule, s.score, s.block, s.length, s.noise, s.guidance, s.transform, {&plan}, s.options};
  using with_portable =
      unmask::sampler<decltype(s.schedule), decltype(s.score), decltype(s.block), decltype(s.length), decltype(s.noise),
                      decltype(s.guidance), decltype(s.transform), unmask::portable_backend>;
  const with_portable sp{s.schedule, s.score, s.block, s.length, s.noise, s.guidance, s.transform, {}, s.options};
  auto model = [](const unmask::forward_request& req) {
    for (const auto& fr : req.rows) {
      std::uint32_t masks = 0;
      for (auto t : fr.tokens) masks += t == 499 ? 1u : 0u;
      for (index_t p = fr.logits_begin; p < fr.logits_end; ++p)
        for (index_t v = 0; v < vocab; ++v)
          fr.logits[(p - fr.logits_begin) * vocab + v] =
              static_cast<float>(3.0 * unmask::philox_normal(2,
                                                             {.step = masks,
                                                              .row = static_cast<std::uint32_t>(fr.canvas_row),
                                                              .position = static_cast<std::uint32_t>(p)},
                                                             static_cast<std::uint32_t>(v)));
    }
  };
  const std::vector<std::vector<unmask::token_id>> prompts{{1, 2, 3}, {4, 5, 6}};
  auto a = unmask::token_buffer::from_prompts(prompts, 16, vocab, 499, 32);
  auto b = a;
  const auto ra = sp.run(a, model);
  const auto rb = so.run(b, model);
  CHECK(ra.steps == rb.steps);
  for (index_t r = 0; r < a.rows(); ++r) {
    const auto x = a.row(r), y = b.row(r);
    CHECK(std::vector<unmask::token_id>(x.begin(), x.end()) == std::vector<unmask::token_id>(y.begin(), y.end()));
  }
  const with_onednn none{s.schedule, s.score,     s.block,   s.length, s.noise,
                         s.guidance, s.transform, {nullptr}, s.options};
  auto c = unmask::token_buffer::from_prompts(prompts, 16, vocab, 499, 32);
  CHECK_THROWS_AS(none.run(c, model), unmask::error);
}
