// row_stats_simd (every simd level, float and double accumulation, float / bfloat16 /
// float16 input) against a naive long-double computation and the row_stats_of oracle.
#include <unmask/core/bfloat16.hpp>
#include <unmask/core/float16.hpp>
#include <unmask/core/philox.hpp>
#include <unmask/kernels/row_stats.hpp>
#include <unmask/kernels/row_stats_simd.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

namespace {

using unmask::index_t;
using unmask::row_stats;
using unmask::simd_level;
using unmask::token_id;

constexpr float ninf = -std::numeric_limits<float>::infinity();
constexpr simd_level levels[] = {simd_level::portable, simd_level::avx2, simd_level::avx512};

// The definition: top1 = first index of the max, top2 = first index of the max of the
// others (-Inf entries included), lse and sum p log p in long double with the max
// subtracted, two passes.
struct naive_stats {
  token_id top1 = -1, top2 = -1;
  long double lse = 0, sum_p_log_p = 0;
};

naive_stats naive(std::span<const float> l) {
  naive_stats s;
  const auto n = static_cast<token_id>(l.size());
  for (token_id v = 0; v < n; ++v)
    if (s.top1 < 0 || l[static_cast<std::size_t>(v)] > l[static_cast<std::size_t>(s.top1)]) s.top1 = v;
  for (token_id v = 0; v < n; ++v)
    if (v != s.top1 && (s.top2 < 0 || l[static_cast<std::size_t>(v)] > l[static_cast<std::size_t>(s.top2)])) s.top2 = v;
  const long double m = l[static_cast<std::size_t>(s.top1)];
  long double z = 0, t = 0;
  for (float x : l) {
    if (x == ninf) continue;
    const long double d = static_cast<long double>(x) - m;
    z += std::exp(d);
    t += std::exp(d) * d;
  }
  s.lse = m + std::log(z);
  s.sum_p_log_p = t / z - std::log(z);
  return s;
}

// Tolerances: Acc = double within 4 ulp of the long-double value; Acc = float within 3
// float ulp (float exponentials, double sums across chunks; 1.1e-7 is the largest
// error seen). The lse error is the relative error of the sum (the max is exact), so
// for float it is absolute.
template <class Acc>
double lse_tol(long double lse) {
  if constexpr (std::is_same_v<Acc, double>) {
    return 4 * std::numeric_limits<double>::epsilon() * static_cast<double>(std::max(1.0L, std::fabs(lse)));
  } else {
    return 3 * static_cast<double>(std::numeric_limits<float>::epsilon());
  }
}
template <class Acc>
double spl_tol(long double spl, long double lse) {
  const auto scale = static_cast<double>(std::max({1.0L, std::fabs(spl), std::fabs(lse)}));
  if constexpr (std::is_same_v<Acc, double>) {
    return 4 * std::numeric_limits<double>::epsilon() * scale;
  } else {
    return 4 * static_cast<double>(std::numeric_limits<float>::epsilon()) * scale;
  }
}

template <class Acc, class T>
void check_row(const std::vector<T>& row, const std::vector<float>& as_float) {
  const naive_stats o = naive(as_float);
  for (const simd_level lv : levels) {
    CAPTURE(unmask::to_string(lv), row.size());
    const row_stats s = unmask::row_stats_simd<Acc>(std::span<const T>(row), lv);
    REQUIRE(s.valid());
    CHECK(s.top1 == o.top1);
    CHECK(s.top2 == o.top2);
    CHECK(s.max1 == static_cast<double>(as_float[static_cast<std::size_t>(o.top1)]));
    if (o.top2 >= 0) CHECK(s.max2 == static_cast<double>(as_float[static_cast<std::size_t>(o.top2)]));
    CHECK(std::fabs(static_cast<long double>(s.lse) - o.lse) <= lse_tol<Acc>(o.lse));
    CHECK(std::fabs(static_cast<long double>(s.sum_p_log_p) - o.sum_p_log_p) <= spl_tol<Acc>(o.sum_p_log_p, o.lse));
  }
}

template <class Acc>
void check_row(const std::vector<float>& row) {
  check_row<Acc, float>(row, row);
}

// Deterministic pseudo-normal logits (sum of 4 Philox uniforms), scale sd.
std::vector<float> random_row(index_t n, double sd, std::uint32_t seed) {
  std::vector<float> l(static_cast<std::size_t>(n));
  for (index_t v = 0; v < n; ++v) {
    const auto w =
        unmask::philox_words(seed, {.stream = 9, .step = 0, .row = 0, .position = 0}, static_cast<std::uint32_t>(v));
    const double u = (static_cast<double>(w[0]) + w[1] + static_cast<double>(w[2]) + w[3]) * 0x1.0p-32 - 2.0;
    l[static_cast<std::size_t>(v)] = static_cast<float>(u * sd * 1.7320508);
  }
  return l;
}

}  // namespace

TEST_CASE("row_stats_simd matches the definition on random rows", "[kernels][fast][row_stats]") {
  std::uint32_t seed = 1;
  for (const index_t n : {1, 2, 3, 7, 15, 16, 17, 31, 63, 64, 65, 1000, 1023, 1024, 1025, 2047, 2048, 3073, 32000}) {
    for (const double sd : {0.01, 1.0, 3.0, 30.0}) {
      const auto row = random_row(n, sd, seed++);
      CAPTURE(n, sd);
      check_row<double>(row);
      check_row<float>(row);
    }
  }
  SECTION("LLaDA's vocabulary") {
    const auto row = random_row(126464, 2.5, 77);
    check_row<double>(row);
    check_row<float>(row);
  }
}

TEST_CASE("row_stats_simd agrees with the row_stats_of oracle", "[kernels][fast][row_stats]") {
  for (std::uint32_t seed = 100; seed < 130; ++seed) {
    const auto row = random_row(1 + seed * 97 % 5000, 0.5 + seed % 7, seed);
    const row_stats o = unmask::row_stats_of<double>(row);
    for (const simd_level lv : levels) {
      CAPTURE(seed, unmask::to_string(lv));
      for (const row_stats s : {unmask::row_stats_simd<double>(std::span<const float>(row), lv),
                                unmask::row_stats_simd<float>(std::span<const float>(row), lv)}) {
        CHECK(s.top1 == o.top1);
        CHECK(s.top2 == o.top2);
        CHECK(s.max1 == o.max1);
        CHECK(s.max2 == o.max2);
        CHECK(s.lse == Approx(o.lse).epsilon(1e-6));
        CHECK(s.p1() == Approx(o.p1()).epsilon(1e-6));
      }
    }
  }
}

TEST_CASE("row_stats_simd on adversarial rows", "[kernels][fast][row_stats]") {
  SECTION("all equal: first two indices, uniform probabilities") {
    for (const index_t n : {2, 16, 17, 1024, 1500, 4096}) {
      const std::vector<float> row(static_cast<std::size_t>(n), 3.25f);
      for (const simd_level lv : levels) {
        CAPTURE(n, unmask::to_string(lv));
        for (const row_stats s : {unmask::row_stats_simd<double>(std::span<const float>(row), lv),
                                  unmask::row_stats_simd<float>(std::span<const float>(row), lv)}) {
          CHECK(s.top1 == 0);
          CHECK(s.top2 == 1);
          CHECK(s.p1() == Approx(1.0 / static_cast<double>(n)).epsilon(1e-6));
          CHECK(s.sum_p_log_p == Approx(-std::log(static_cast<double>(n))).epsilon(1e-6));
        }
      }
      check_row<double>(row);
      check_row<float>(row);
    }
  }
  SECTION("ties for the max and for the second, across lanes and chunks") {
    for (const index_t n : {40, 3000}) {
      for (const auto& [a, b] :
           std::vector<std::pair<index_t, index_t>>{{0, 1}, {3, 19}, {17, 1}, {1023, 1024}, {5, 2999}}) {
        if (a >= n || b >= n) continue;
        auto row = random_row(n, 1.0, static_cast<std::uint32_t>(a * 31 + b));
        row[static_cast<std::size_t>(a)] = 9.0f;
        row[static_cast<std::size_t>(b)] = 9.0f;
        CAPTURE(n, a, b);
        check_row<double>(row);  // top1 = min(a, b), top2 = max(a, b)
        auto row2 = random_row(n, 1.0, static_cast<std::uint32_t>(a + b));
        row2[static_cast<std::size_t>(n / 2)] = 20.0f;
        row2[static_cast<std::size_t>(a)] = 9.0f;
        row2[static_cast<std::size_t>(b)] = 9.0f;
        check_row<float>(row2);  // top2 = min(a, b) when n / 2 is neither
      }
    }
  }
  SECTION("ascending, descending, max at either end") {
    for (const index_t n : {33, 2500}) {
      std::vector<float> up(static_cast<std::size_t>(n)), down(static_cast<std::size_t>(n));
      for (index_t v = 0; v < n; ++v) {
        up[static_cast<std::size_t>(v)] = static_cast<float>(v) * 0.01f;
        down[static_cast<std::size_t>(v)] = -static_cast<float>(v) * 0.01f;
      }
      check_row<double>(up);
      check_row<float>(up);
      check_row<double>(down);
      check_row<float>(down);
    }
  }
  SECTION("-Inf entries (banned tokens) have no mass and rank last") {
    auto row = random_row(3000, 2.0, 5);
    for (std::size_t v = 0; v < row.size(); v += 3) row[v] = ninf;
    check_row<double>(row);
    check_row<float>(row);
    std::vector<float> one(2000, ninf);
    one[1500] = 4.0f;  // a single finite entry: p = 1, top2 = the first -Inf entry
    check_row<double>(one);
    check_row<float>(one);
    for (const simd_level lv : levels) {
      const auto s = unmask::row_stats_simd<double>(std::span<const float>(one), lv);
      CHECK(s.top1 == 1500);
      CHECK(s.top2 == 0);
      CHECK(s.p1() == 1.0);
      CHECK(s.p2() == 0.0);
      CHECK(s.sum_p_log_p == 0.0);
    }
    std::vector<float> two(1100, ninf);
    two[1090] = 1.0f;
    two[7] = 1.0f;
    check_row<double>(two);
    check_row<float>(two);
  }
  SECTION("huge magnitudes and float's lowest (filtered entries)") {
    auto row = random_row(2100, 1.0, 8);
    row[10] = 3.0e38f;
    row[11] = -3.0e38f;
    row[1500] = std::numeric_limits<float>::lowest();
    row[2000] = 2.9e38f;
    check_row<double>(row);
    check_row<float>(row);
    auto big = random_row(1500, 1e30, 9);  // mass on one entry, the rest underflows
    check_row<double>(big);
    check_row<float>(big);
  }
  SECTION("vocab of one") {
    const std::vector<float> row{0.5f};
    for (const simd_level lv : levels) {
      const auto s = unmask::row_stats_simd<float>(std::span<const float>(row), lv);
      CHECK(s.top1 == 0);
      CHECK(s.top2 == -1);
      CHECK(s.p1() == 1.0);
    }
  }
}

TEST_CASE("row_stats_simd without entropy gives the same statistics, sum p log p NaN", "[kernels][fast][row_stats]") {
  for (const index_t n : {5, 1024, 5000}) {
    auto row = random_row(n, 2.0, static_cast<std::uint32_t>(n));
    row[static_cast<std::size_t>(n / 3)] = ninf;  // the clamped path too
    for (const simd_level lv : levels) {
      for (const auto& r : {row, random_row(n, 1.0, 3)}) {
        const auto a = unmask::row_stats_simd<double, false>(std::span<const float>(r), lv);
        const auto b = unmask::row_stats_simd<double, true>(std::span<const float>(r), lv);
        const auto c = unmask::row_stats_simd<float, false>(std::span<const float>(r), lv);
        const auto d = unmask::row_stats_simd<float, true>(std::span<const float>(r), lv);
        CAPTURE(n, unmask::to_string(lv));
        CHECK((a.top1 == b.top1 && a.top2 == b.top2 && a.lse == b.lse && a.max2 == b.max2));
        CHECK((c.top1 == d.top1 && c.top2 == d.top2 && c.lse == d.lse && c.max2 == d.max2));
        CHECK(std::isnan(a.sum_p_log_p));
        CHECK(std::isnan(c.sum_p_log_p));
        CHECK(a.valid());
      }
    }
  }
}

TEST_CASE("row_stats_simd flags NaN, +Inf and all -Inf rows as invalid", "[kernels][fast][row_stats][errors]") {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  for (const index_t n : {1, 5, 16, 100, 1024, 3000}) {
    for (const index_t at : {index_t{0}, n / 2, n - 1}) {
      for (const float bad : {nan, inf, -nan}) {
        auto row = random_row(n, 1.0, static_cast<std::uint32_t>(n + at));
        row[static_cast<std::size_t>(at)] = bad;
        for (const simd_level lv : levels) {
          CAPTURE(n, at, bad, unmask::to_string(lv));
          CHECK_FALSE(unmask::row_stats_simd<double>(std::span<const float>(row), lv).valid());
          CHECK_FALSE(unmask::row_stats_simd<float>(std::span<const float>(row), lv).valid());
        }
      }
    }
    const std::vector<float> all_ninf(static_cast<std::size_t>(n), ninf);
    for (const simd_level lv : levels)
      CHECK_FALSE(unmask::row_stats_simd<double>(std::span<const float>(all_ninf), lv).valid());
  }
}

// After the first chunk a chunk is read once (range and sums together, walk_chunks'
// one-read path) unless it raises the max or holds -Inf / an entry below the exp
// cut-off / NaN / +Inf: then it is read again the two-read way. Each event in a later
// chunk, at a chunk's start, middle and end, and a row whose max rises in every chunk.
TEST_CASE("row_stats_simd: events in later chunks send them back to the two-read path", "[kernels][fast][row_stats]") {
  constexpr index_t n = 5000;
  for (const index_t at : {index_t{1024}, index_t{1500}, index_t{2047}, index_t{4999}}) {
    for (const float set : {30.0f, ninf, -120.0f}) {
      auto row = random_row(n, 2.0, static_cast<std::uint32_t>(at));
      row[static_cast<std::size_t>(at)] = set;
      CAPTURE(at, set);
      check_row<float>(row);
      check_row<double>(row);
    }
    for (const float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
      auto row = random_row(n, 2.0, static_cast<std::uint32_t>(at));
      row[static_cast<std::size_t>(at)] = bad;
      for (const simd_level lv : levels) {
        CAPTURE(at, bad, unmask::to_string(lv));
        CHECK_FALSE(unmask::row_stats_simd<float>(std::span<const float>(row), lv).valid());
      }
    }
  }
  auto rising = random_row(n, 1.0, 7);
  for (index_t v = 0; v < n; ++v) rising[static_cast<std::size_t>(v)] += 0.01f * static_cast<float>(v);
  check_row<float>(rising);
  check_row<double>(rising);
}

TEST_CASE("row_stats_simd reads bfloat16 and float16 logits", "[kernels][fast][row_stats]") {
  for (const index_t n : {5, 16, 1030, 40000}) {
    const auto f = random_row(n, 3.0, static_cast<std::uint32_t>(n));
    std::vector<unmask::bfloat16> b(f.size());
    std::vector<unmask::float16> h(f.size());
    std::vector<float> bf(f.size()), hf(f.size());
    for (std::size_t i = 0; i < f.size(); ++i) {
      b[i] = unmask::bfloat16::from_float(f[i]);
      h[i] = unmask::float16::from_float(f[i]);
      bf[i] = b[i].to_float();
      hf[i] = h[i].to_float();
    }
    CAPTURE(n);
    check_row<double>(b, bf);  // ties are frequent at 8 mantissa bits: the tie order is exercised
    check_row<float>(b, bf);
    check_row<double>(h, hf);
    check_row<float>(h, hf);
  }
}
