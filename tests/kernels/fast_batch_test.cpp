// score_rows / sample_rows / simd_backend: same results for any thread count, only the
// listed rows read, argument errors, and a sampler run identical to portable_backend's.
#include <unmask/core/philox.hpp>
#include <unmask/core/sampler.hpp>
#include <unmask/core/thread_pool.hpp>
#include <unmask/kernels/sample_rows.hpp>
#include <unmask/kernels/score_rows.hpp>
#include <unmask/kernels/simd_backend.hpp>
#include <unmask/presets/dream.hpp>
#include <unmask/presets/fastdllm.hpp>
#include <unmask/presets/llada.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <numeric>
#include <vector>

namespace {

using unmask::index_t;
using unmask::token_id;

std::vector<float> random_block(index_t rows, index_t vocab, std::uint32_t seed) {
  std::vector<float> l(static_cast<std::size_t>(rows * vocab));
  for (std::size_t i = 0; i < l.size(); ++i)
    l[i] = static_cast<float>(unmask::philox_normal(seed, {.stream = 13}, static_cast<std::uint32_t>(i)) * 2.0);
  return l;
}

// Deterministic logits per (row tokens, position): a hash of the position and the
// number of masks left, so every step sees different logits.
struct hashed_model {
  index_t vocab = 0;
  token_id mask = 0;
  void operator()(const unmask::forward_request& req) const {
    for (const auto& fr : req.rows) {
      std::uint32_t masks = 0;
      for (token_id t : fr.tokens) masks += t == mask ? 1u : 0u;
      for (index_t p = fr.logits_begin; p < fr.logits_end; ++p)
        for (index_t v = 0; v < vocab; ++v)
          fr.logits[(p - fr.logits_begin) * vocab + v] =
              static_cast<float>(3.0 * unmask::philox_normal(7,
                                                             {.stream = 14,
                                                              .step = masks,
                                                              .row = static_cast<std::uint32_t>(fr.canvas_row),
                                                              .position = static_cast<std::uint32_t>(p)},
                                                             static_cast<std::uint32_t>(v)));
    }
  }
};

template <class S>
auto with_backend(const S& s, unmask::simd_backend b) {
  using out = unmask::sampler<decltype(s.schedule), decltype(s.score), decltype(s.block), decltype(s.length),
                              decltype(s.noise), decltype(s.guidance), decltype(s.transform), unmask::simd_backend>;
  return out{s.schedule, s.score, s.block, s.length, s.noise, s.guidance, s.transform, b, s.options};
}

template <class S>
void same_run(const S& s, unmask::thread_pool* pool, bool f64) {
  constexpr index_t vocab = 3000;
  const std::vector<std::vector<token_id>> prompts{{1, 2, 3}, {4, 5, 6}};
  auto a = unmask::token_buffer::from_prompts(prompts, 32, vocab, vocab - 1);
  auto b = a;
  hashed_model m{vocab, vocab - 1};
  const auto ra = s.run(a, m);
  const auto rb = with_backend(s, {.float64 = f64, .pool = pool}).run(b, m);
  CHECK(ra.steps == rb.steps);
  for (index_t r = 0; r < a.rows(); ++r) {
    const auto x = a.row(r), y = b.row(r);
    CHECK(std::vector<token_id>(x.begin(), x.end()) == std::vector<token_id>(y.begin(), y.end()));
  }
}

}  // namespace

TEST_CASE("score_rows and sample_rows give the same results for any thread count", "[kernels][fast][batch]") {
  constexpr index_t rows = 37, vocab = 2100;
  const auto block = random_block(rows, vocab, 1);
  std::vector<index_t> idx{36, 0, 5, 5, 17, 2, 30, 31, 8, 9, 10, 11, 12, 1};
  std::vector<unmask::random_counter> where(idx.size());
  for (std::size_t i = 0; i < idx.size(); ++i) where[i] = {.step = 2, .position = static_cast<std::uint32_t>(idx[i])};
  std::vector<unmask::position_stats> ref(idx.size());
  std::vector<unmask::row_sample> sref(idx.size());
  unmask::score_rows<double>(std::span<const float>(block), vocab, idx, ref, 42);
  const unmask::categorical noise{.temperature = 0.8, .seed = 3};
  unmask::sample_rows<float>(noise, std::span<const float>(block), vocab, idx, where, sref);
  for (std::size_t i = 0; i < idx.size(); ++i) {
    const std::span<const float> row(block.data() + idx[i] * vocab, vocab);
    CHECK(ref[i].stats == unmask::row_stats_simd<double>(row));
    CHECK(ref[i].tracked_logit == row[42]);
    CHECK(ref[i].tracked_prob() == Approx(std::exp(row[42] - unmask::row_stats_of<double>(row).lse)).epsilon(1e-12));
  }
  for (const index_t threads : {1, 2, 3, 4, 16}) {
    unmask::thread_pool pool(threads);
    std::vector<unmask::position_stats> out(idx.size());
    std::vector<unmask::row_sample> sout(idx.size());
    unmask::score_rows<double>(std::span<const float>(block), vocab, idx, out, 42, &pool);
    unmask::sample_rows<float>(noise, std::span<const float>(block), vocab, idx, where, sout, &pool);
    CAPTURE(threads);
    for (std::size_t i = 0; i < idx.size(); ++i) {
      CHECK(out[i].stats == ref[i].stats);
      CHECK(out[i].tracked_logit == ref[i].tracked_logit);
      CHECK(sout[i] == sref[i]);
    }
  }
}

TEST_CASE("score_rows reads only the listed rows", "[kernels][fast][batch]") {
  constexpr index_t rows = 6, vocab = 300;
  auto block = random_block(rows, vocab, 2);
  for (index_t v = 0; v < vocab; ++v)
    block[static_cast<std::size_t>(3 * vocab + v)] = std::numeric_limits<float>::quiet_NaN();
  const std::vector<index_t> idx{0, 1, 2, 4, 5};
  std::vector<unmask::position_stats> out(idx.size());
  unmask::score_rows<float>(std::span<const float>(block), vocab, idx, out);
  for (const auto& o : out) CHECK(o.stats.valid());
  const std::vector<index_t> with3{3};
  std::vector<unmask::position_stats> one(1);
  unmask::score_rows<float>(std::span<const float>(block), vocab, with3, one);
  CHECK_FALSE(one[0].stats.valid());
}

TEST_CASE("score_rows and sample_rows reject bad shapes before writing", "[kernels][fast][batch][errors]") {
  const auto block = random_block(4, 100, 3);
  const std::vector<index_t> idx{0, 3};
  std::vector<unmask::position_stats> out(2);
  out[0].tracked_logit = 123;
  const std::span<const float> b(block);
  CHECK_THROWS_AS(unmask::score_rows<double>(b, 0, idx, out), unmask::error);
  CHECK_THROWS_AS(unmask::score_rows<double>(b, 99, idx, out), unmask::error);  // 400 % 99 != 0
  CHECK_THROWS_AS(unmask::score_rows<double>(b, 100, std::vector<index_t>{0, 4}, out), unmask::error);
  CHECK_THROWS_AS(unmask::score_rows<double>(b, 100, std::vector<index_t>{-1, 0}, out), unmask::error);
  CHECK_THROWS_AS(unmask::score_rows<double>(b, 100, idx, std::span<unmask::position_stats>(out).first(1)),
                  unmask::error);
  CHECK_THROWS_AS(unmask::score_rows<double>(b, 100, idx, out, 100), unmask::error);
  CHECK(out[0].tracked_logit == 123);  // untouched
  std::vector<unmask::row_sample> s(2);
  const std::vector<unmask::random_counter> w(1);
  CHECK_THROWS_AS(unmask::sample_rows<double>(unmask::categorical{}, b, 100, idx, w, s), unmask::error);
}

TEST_CASE("simd_backend runs the presets exactly as portable_backend", "[kernels][fast][batch][sampler]") {
  unmask::thread_pool pool(2);
  for (const bool f64 : {false, true}) {
    for (unmask::thread_pool* p : {static_cast<unmask::thread_pool*>(nullptr), &pool}) {
      same_run(
          unmask::presets::llada({.steps = 16, .gen_length = 32, .block_length = 8, .mask_id = 2999, .eos_id = 2998}),
          p, f64);
      same_run(unmask::presets::fastdllm_threshold(
                   {.gen_length = 32, .block_length = 16, .mask_id = 2999, .eos_id = 2998}, 0.2),
               p, f64);
      same_run(unmask::presets::dream({.steps = 8, .mask_id = 2999, .eos_id = 2998}), p, f64);
      same_run(unmask::presets::dream(
                   {.steps = 8, .temperature = 0.7, .top_p = 0.9, .seed = 4, .mask_id = 2999, .eos_id = 2998},
                   unmask::margin_score{}),
               p, f64);
      same_run(unmask::presets::llada({.steps = 16,
                                       .gen_length = 32,
                                       .block_length = 32,
                                       .temperature = 0.9,
                                       .seed = 8,
                                       .mask_id = 2999,
                                       .eos_id = 2998}),
               p, f64);
    }
  }
}
