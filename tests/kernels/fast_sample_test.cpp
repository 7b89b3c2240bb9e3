// sample_rows / sample_token_simd: the same tokens as categorical::pick, and a chi-square
// test that the one-uniform inverse CDF samples softmax(logits / T).
#include <unmask/core/philox.hpp>
#include <unmask/kernels/detail/chunk_ops_portable.hpp>
#include <unmask/kernels/detail/sample_row_chunked.hpp>
#include <unmask/kernels/detail/with_chunk_ops.hpp>
#include <unmask/kernels/row_stats.hpp>
#include <unmask/kernels/sample_rows.hpp>
#include <unmask/kernels/sample_token.hpp>
#include <unmask/policy/noise/categorical.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <vector>

namespace {

using unmask::index_t;
using unmask::random_counter;
using unmask::simd_level;

constexpr simd_level levels[] = {simd_level::portable, simd_level::avx2, simd_level::avx512};

std::vector<float> random_block(index_t rows, index_t vocab, double sd, std::uint32_t seed) {
  std::vector<float> l(static_cast<std::size_t>(rows * vocab));
  for (std::size_t i = 0; i < l.size(); ++i) {
    const auto w = unmask::philox_words(seed, {.stream = 11}, static_cast<std::uint32_t>(i));
    const double u = (static_cast<double>(w[0]) + w[1] + static_cast<double>(w[2]) + w[3]) * 0x1.0p-32 - 2.0;
    l[i] = static_cast<float>(u * sd * 1.7320508);
  }
  return l;
}

// Chi-square critical value for `df` degrees of freedom at upper tail alpha = 1e-6
// (Wilson-Hilferty: (1 - 2/(9 df) + z sqrt(2/(9 df)))^3 df with z = 4.753).
double chi2_critical(int df) {
  const double a = 2.0 / (9.0 * df), z = 4.753424;
  return df * std::pow(1 - a + z * std::sqrt(a), 3);
}

double chi2(const std::vector<double>& observed, const std::vector<double>& expected) {
  double c = 0;
  for (std::size_t i = 0; i < observed.size(); ++i)
    c += (observed[i] - expected[i]) * (observed[i] - expected[i]) / expected[i];
  return c;
}

}  // namespace

TEST_CASE("sample_rows picks categorical::pick's token", "[kernels][fast][sample]") {
  constexpr index_t rows = 400;
  for (const index_t vocab : {2, 37, 1000, 5000}) {
    for (const double sd : {0.3, 2.0, 8.0}) {
      const auto block = random_block(rows, vocab, sd, static_cast<std::uint32_t>(vocab + 10 * sd));
      std::vector<index_t> idx(rows);
      std::iota(idx.begin(), idx.end(), index_t{0});
      std::vector<random_counter> where(rows);
      for (index_t i = 0; i < rows; ++i)
        where[static_cast<std::size_t>(i)] = {.stream = 0,
                                              .step = 5,
                                              .row = static_cast<std::uint32_t>(i % 4),
                                              .position = static_cast<std::uint32_t>(i)};
      for (const double t : {0.0, 0.4, 1.0, 2.5}) {
        const unmask::categorical noise{.temperature = t, .seed = 99};
        std::vector<unmask::token_choice> want(rows);
        std::vector<unmask::row_stats> stats(rows);
        for (index_t i = 0; i < rows; ++i) {
          const std::span<const float> row(block.data() + i * vocab, static_cast<std::size_t>(vocab));
          stats[static_cast<std::size_t>(i)] = unmask::row_stats_of<double>(row);
          want[static_cast<std::size_t>(i)] =
              noise.pick_reference(row, stats[static_cast<std::size_t>(i)], where[static_cast<std::size_t>(i)]);
        }
        for (const simd_level lv : levels) {
          std::vector<unmask::row_sample> o64(rows), o32(rows);
          unmask::sample_rows<double>(noise, std::span<const float>(block), vocab, idx, where, o64, nullptr, lv);
          unmask::sample_rows<float>(noise, std::span<const float>(block), vocab, idx, where, o32, nullptr, lv);
          int differ = 0;
          for (index_t i = 0; i < rows; ++i) {
            const auto& s = stats[static_cast<std::size_t>(i)];
            const auto& w = want[static_cast<std::size_t>(i)];
            const auto& a = o64[static_cast<std::size_t>(i)];
            const auto& b = o32[static_cast<std::size_t>(i)];
            differ += (a.token != w.token || a.token_logit != w.logit || b.token != w.token) ? 1 : 0;
            CHECK(a.stats.top1 == s.top1);
            CHECK(b.stats.top2 == s.top2);
            CHECK(a.stats.lse == Approx(s.lse).epsilon(1e-12));
            CHECK(b.stats.lse == Approx(s.lse).epsilon(1e-6));
          }
          CAPTURE(vocab, sd, t, unmask::to_string(lv));
          CHECK(differ == 0);
        }
      }
    }
  }
}

// The one-read path of the float pass (see row_stats_simd's test of it): a later chunk
// that raises the max, holds -Inf or an entry below the cut-off, and a rising row.
TEST_CASE("sample_rows: events in later chunks leave categorical::pick's token", "[kernels][fast][sample]") {
  constexpr index_t rows = 64, vocab = 5000;
  auto block = random_block(rows, vocab, 2.0, 5);
  for (index_t i = 0; i < rows; ++i) {
    float* r = block.data() + i * vocab;
    const index_t at = 1024 + (i * 397) % (vocab - 1024);
    switch (i % 4) {
      case 0:
        r[at] = 12.0f;
        break;
      case 1:
        r[at] = -std::numeric_limits<float>::infinity();
        break;
      case 2:
        r[at] = -150.0f;
        break;
      default:
        for (index_t v = 0; v < vocab; ++v) r[v] += 0.002f * static_cast<float>(v);
    }
  }
  std::vector<index_t> idx(rows);
  std::iota(idx.begin(), idx.end(), index_t{0});
  std::vector<random_counter> where(rows);
  for (index_t i = 0; i < rows; ++i)
    where[static_cast<std::size_t>(i)] = {.step = 2, .position = static_cast<std::uint32_t>(i)};
  for (const double t : {0.3, 0.7, 1.6}) {
    const unmask::categorical noise{.temperature = t, .seed = 4};
    for (const simd_level lv : levels) {
      std::vector<unmask::row_sample> o(rows);
      unmask::sample_rows<float>(noise, std::span<const float>(block), vocab, idx, where, o, nullptr, lv);
      for (index_t i = 0; i < rows; ++i) {
        const std::span<const float> row(block.data() + i * vocab, static_cast<std::size_t>(vocab));
        const auto s = unmask::row_stats_of<double>(row);
        const auto w = noise.pick_reference(row, s, where[static_cast<std::size_t>(i)]);
        const auto& a = o[static_cast<std::size_t>(i)];
        CAPTURE(t, i, unmask::to_string(lv));
        CHECK(a.token == w.token);
        CHECK(a.stats.top1 == s.top1);
        CHECK(a.stats.top2 == s.top2);
        CHECK(a.stats.lse == Approx(s.lse).epsilon(1e-6));
      }
    }
  }
}

TEST_CASE("sample_token_simd picks categorical::pick's token, long rows included", "[kernels][fast][sample]") {
  // 300 000 entries: more than 256 chunks of 1024, so chunks grow and are re-read in parts.
  for (const index_t vocab : {3000, 300000}) {
    const auto block = random_block(6, vocab, 1.5, static_cast<std::uint32_t>(vocab));
    for (index_t r = 0; r < 6; ++r) {
      const std::span<const float> row(block.data() + r * vocab, static_cast<std::size_t>(vocab));
      const auto s = unmask::row_stats_of<double>(row);
      for (const double t : {0.5, 1.0, 3.0}) {
        const unmask::categorical noise{.temperature = t, .seed = 5};
        random_counter where{.stream = 0, .step = 1, .row = 0, .position = static_cast<std::uint32_t>(r)};
        const auto want = noise.pick_reference(row, s, where);
        where.stream = unmask::categorical::stream;
        const double u = unmask::philox_uniform(5, where);
        for (const simd_level lv : levels) {
          CAPTURE(vocab, r, t, unmask::to_string(lv));
          const auto got = unmask::sample_token_simd(row, s.max1, t, u, lv);
          CHECK(got.token == want.token);
          CHECK(got.logit == want.logit);
          std::vector<unmask::row_sample> o(1);
          const index_t one[1] = {r};
          const random_counter w1[1] = {{.stream = 0, .step = 1, .row = 0, .position = static_cast<std::uint32_t>(r)}};
          unmask::sample_rows<double>(noise, std::span<const float>(block), vocab, one, w1, o, nullptr, lv);
          CHECK(o[0].token == want.token);
        }
      }
    }
  }
}

TEST_CASE("one uniform per row samples softmax(l / T): chi-square", "[kernels][fast][sample][statistics]") {
  // Twelve logits, draws at distinct Philox addresses (one per position). At alpha =
  // 1e-6 a correct sampler fails with probability 1e-6; the control (the same draws
  // against the untempered softmax) shows the test has power.
  const std::vector<float> logits{0.0f, 1.0f, -1.0f, 2.0f, 0.5f, -3.0f, 1.5f, 0.25f, -0.5f, 2.25f, -2.0f, 1.0f};
  const auto vocab = static_cast<index_t>(logits.size());
  constexpr index_t draws = 60000;
  std::vector<float> block;
  for (index_t i = 0; i < draws; ++i) block.insert(block.end(), logits.begin(), logits.end());
  std::vector<index_t> idx(draws);
  std::iota(idx.begin(), idx.end(), index_t{0});
  std::vector<random_counter> where(draws);
  for (index_t i = 0; i < draws; ++i)
    where[static_cast<std::size_t>(i)] = {.stream = 0,
                                          .step = static_cast<std::uint32_t>(i / 1000),
                                          .row = 0,
                                          .position = static_cast<std::uint32_t>(i % 1000)};
  auto softmax = [&](double t) {
    std::vector<double> p(logits.size());
    double z = 0;
    for (std::size_t v = 0; v < p.size(); ++v) z += p[v] = std::exp(logits[v] / t);
    for (auto& x : p) x *= static_cast<double>(draws) / z;
    return p;
  };
  for (const double t : {0.5, 1.3}) {
    for (const simd_level lv : levels) {
      std::vector<unmask::row_sample> out(draws);
      unmask::sample_rows<double>(unmask::categorical{.temperature = t, .seed = 2024}, std::span<const float>(block),
                                  vocab, idx, where, out, nullptr, lv);
      std::vector<double> counts(logits.size(), 0.0);
      for (const auto& o : out) counts[static_cast<std::size_t>(o.token)] += 1;
      CAPTURE(t, unmask::to_string(lv), counts);
      const double crit = chi2_critical(static_cast<int>(vocab) - 1);
      CHECK(chi2(counts, softmax(t)) < crit);
      CHECK(chi2(counts, softmax(1.0 / t)) > 10 * crit);  // the wrong temperature is rejected
    }
  }
  SECTION("a vocabulary of several chunks, binned") {
    // 5000 logits in 4 chunks + a tail; 20 bins of 250 consecutive tokens.
    constexpr index_t v5 = 5000, n5 = 20000, bins = 20;
    const auto row = random_block(1, v5, 1.0, 7);
    std::vector<float> blk;
    for (index_t i = 0; i < n5; ++i) blk.insert(blk.end(), row.begin(), row.end());
    std::vector<index_t> id5(n5);
    std::iota(id5.begin(), id5.end(), index_t{0});
    std::vector<random_counter> w5(n5);
    for (index_t i = 0; i < n5; ++i) w5[static_cast<std::size_t>(i)] = {.position = static_cast<std::uint32_t>(i)};
    const double t = 0.8;
    std::vector<unmask::row_sample> out(n5);
    unmask::sample_rows<float>(unmask::categorical{.temperature = t, .seed = 3}, std::span<const float>(blk), v5, id5,
                               w5, out);
    std::vector<double> counts(bins, 0.0), expected(bins, 0.0);
    for (const auto& o : out) counts[static_cast<std::size_t>(o.token / (v5 / bins))] += 1;
    double z = 0;
    for (float x : row) z += std::exp(x / t);
    for (index_t v = 0; v < v5; ++v)
      expected[static_cast<std::size_t>(v / (v5 / bins))] += std::exp(row[static_cast<std::size_t>(v)] / t) / z * n5;
    CHECK(chi2(counts, expected) < chi2_critical(bins - 1));
  }
}

TEST_CASE("sample_rows: temperature 0 is the argmax and invalid rows are flagged", "[kernels][fast][sample]") {
  const auto block = random_block(3, 700, 2.0, 4);
  std::vector<float> bad = block;
  bad[700 + 5] = std::numeric_limits<float>::quiet_NaN();
  const index_t idx[3] = {0, 1, 2};
  const random_counter where[3] = {};
  std::vector<unmask::row_sample> out(3);
  unmask::sample_rows<double>(unmask::categorical{.temperature = 0.0}, std::span<const float>(block), 700, idx, where,
                              out);
  for (index_t r = 0; r < 3; ++r) {
    const auto s = unmask::row_stats_of<double>(std::span<const float>(block.data() + r * 700, 700));
    CHECK(out[static_cast<std::size_t>(r)].token == s.top1);
    CHECK(out[static_cast<std::size_t>(r)].token_logit == s.max1);
  }
  unmask::sample_rows<double>(unmask::categorical{.temperature = 0.9}, std::span<const float>(bad), 700, idx, where,
                              out);
  CHECK(out[0].stats.valid());
  CHECK_FALSE(out[1].stats.valid());
  CHECK(out[2].stats.valid());
  CHECK_THROWS_AS(unmask::sample_rows<double>(unmask::categorical{.temperature = -1.0}, std::span<const float>(block),
                                              700, idx, where, out),
                  unmask::error);
}

TEST_CASE("the inverse-CDF search flags targets within the margin of a boundary", "[kernels][fast][sample]") {
  // Weights exp(x - 0) of x = log(1), log(2), log(3), log(4): cumulative 1, 3, 6, 10.
  const std::vector<float> x{0.0f, std::log(2.0f), std::log(3.0f), std::log(4.0f)};
  using ops = unmask::detail::chunk_ops_portable;
  double w[4];
  ops::exps_tempered(x.data(), 4, 0.0, 1.0, w);
  const double cw[1] = {w[0] + w[1] + w[2] + w[3]};
  auto pick = [&](double target, double margin) {
    return unmask::detail::inverse_cdf_pick<ops>(x.data(), 4, 1024, cw, 1, 0.0, 1.0, target, margin);
  };
  CHECK(pick(0.5, 0.1).index == 0);
  CHECK(pick(0.5, 0.1).certain);
  CHECK(pick(2.0, 0.5).index == 1);
  CHECK(pick(2.0, 0.5).certain);
  CHECK(pick(2.95, 0.1).index == 1);
  CHECK_FALSE(pick(2.95, 0.1).certain);  // 0.05 below the boundary at 3
  CHECK(pick(3.05, 0.1).index == 2);
  CHECK_FALSE(pick(3.05, 0.1).certain);  // 0.05 above it
  CHECK(pick(3.05, 0.01).certain);
  CHECK(pick(10.5, 0.0).index == 3);  // unreached: the last nonzero weight, never certain
  CHECK_FALSE(pick(10.5, 0.0).certain);
}

// refine_pick recomputes the chunks with the largest bounds in double until the search
// is certain: whatever the bounds (here inflated so that the first batches cannot decide,
// and so small that one batch can), its token is sample_known_max's (all chunks double).
TEST_CASE("refine_pick decides as the all-double search", "[kernels][fast][sample]") {
  constexpr index_t n = 100000;  // 98 chunks of 1024
  const auto row = random_block(1, n, 2.0, 21);
  for (const simd_level lv : levels) {
    if (unmask::usable_simd_level(lv) != lv) continue;
    unmask::detail::with_chunk_ops(lv, [&](auto ops) {
      using Ops = decltype(ops);
      const index_t chunk = unmask::detail::sample_chunk(n), nc = (n + chunk - 1) / chunk;
      float m = row[0];
      for (float x : row) m = std::max(m, x);
      for (const double t : {0.5, 1.4}) {
        for (const double scale : {1e-9, 1e-5, 1e-2}) {
          for (int j = 0; j < 40; ++j) {
            const double u = (j + 0.5) / 40;
            std::vector<double> cw(static_cast<std::size_t>(nc)), cb(cw.size());
            for (index_t k = 0; k < nc; ++k) {
              const index_t b = k * chunk;
              const double exact = Ops::sum_tempered(row.data() + b, std::min(chunk, n - b), m, 1 / t);
              // float-like sums: off by up to the bound, which varies by chunk
              const double bnd = exact * scale * (1 + (k * 37 % 11)) / 11;
              cw[static_cast<std::size_t>(k)] = exact + ((k % 3) - 1) * bnd;
              cb[static_cast<std::size_t>(k)] = bnd;
            }
            const index_t want = unmask::detail::sample_known_max<Ops>(row.data(), n, m, 1 / t, u);
            const index_t got =
                unmask::detail::refine_pick<Ops>(row.data(), n, chunk, cw.data(), cb.data(), nc, m, 1 / t, u);
            CAPTURE(unmask::to_string(lv), t, scale, u);
            CHECK(got == want);
          }
        }
      }
      return 0;
    });
  }
}
