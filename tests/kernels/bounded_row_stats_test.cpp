// row_stats_bounded (every simd level, float / bfloat16 / float16 input): exact indices,
// and the certified lse error covers both the long-double value and the float64 kernel's.
#include <unmask/core/bfloat16.hpp>
#include <unmask/core/float16.hpp>
#include <unmask/core/philox.hpp>
#include <unmask/kernels/flag_uncertain.hpp>
#include <unmask/kernels/row_stats.hpp>
#include <unmask/kernels/row_stats_bounded.hpp>
#include <unmask/kernels/row_stats_simd.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

namespace {

using unmask::bounded_row_stats;
using unmask::index_t;
using unmask::row_stats;
using unmask::simd_level;

constexpr float ninf = -std::numeric_limits<float>::infinity();
constexpr simd_level levels[] = {simd_level::portable, simd_level::avx2, simd_level::avx512};

// lse in long double, two passes, max subtracted.
long double exact_lse(std::span<const float> l) {
  float m = ninf;
  for (float x : l) m = std::max(m, x);
  long double z = 0;
  for (float x : l)
    if (x != ninf) z += std::exp(static_cast<long double>(x) - static_cast<long double>(m));
  return static_cast<long double>(m) + std::log(z);
}

// Deterministic pseudo-normal logits (sum of 4 Philox uniforms), scale sd.
std::vector<float> random_row(index_t n, double sd, std::uint32_t seed) {
  std::vector<float> l(static_cast<std::size_t>(n));
  for (index_t v = 0; v < n; ++v) {
    const auto w =
        unmask::philox_words(seed, {.stream = 11, .step = 0, .row = 0, .position = 0}, static_cast<std::uint32_t>(v));
    const double u = (static_cast<double>(w[0]) + w[1] + static_cast<double>(w[2]) + w[3]) * 0x1.0p-32 - 2.0;
    l[static_cast<std::size_t>(v)] = static_cast<float>(u * sd * 1.7320508);
  }
  return l;
}

// Checks one row at every level; returns the largest lse_error seen.
template <class T>
double check_row(const std::vector<T>& row, const std::vector<float>& as_float) {
  const long double ref = exact_lse(as_float);
  double worst = 0;
  for (const simd_level lv : levels) {
    CAPTURE(unmask::to_string(lv), row.size());
    const bounded_row_stats b = unmask::row_stats_bounded(std::span<const T>(row), lv);
    const row_stats x = unmask::row_stats_simd<double, false>(std::span<const T>(row), lv);
    REQUIRE(b.stats.valid());
    CHECK(b.stats.top1 == x.top1);
    CHECK(b.stats.top2 == x.top2);
    CHECK(b.stats.max1 == x.max1);
    CHECK(b.stats.max2 == x.max2);
    REQUIRE(b.lse_error > 0);
    REQUIRE(std::isfinite(b.lse_error));
    CHECK(std::fabs(static_cast<long double>(b.stats.lse) - ref) <= b.lse_error);
    CHECK(std::fabs(b.stats.lse - x.lse) <= b.lse_error);  // the float64 kernel's value is inside too
    worst = std::max(worst, b.lse_error);
  }
  return worst;
}

double check_row(const std::vector<float>& row) { return check_row<float>(row, row); }

}  // namespace

TEST_CASE("row_stats_bounded: the bound holds on random rows and is useful", "[kernels][fast][bounded]") {
  std::uint32_t seed = 1;
  for (const index_t n : {1, 2, 7, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 1000, 1024, 1025, 3073, 32000}) {
    for (const double sd : {0.01, 1.0, 3.0, 30.0}) {
      CAPTURE(n, sd);
      const double e = check_row(random_row(n, sd, seed++));
      CHECK(e < 2e-6);  // float precision: ~7 x 2^-24 of the tail, plus the argument term
    }
  }
  SECTION("LLaDA's and Qwen's vocabularies") {
    CHECK(check_row(random_row(126464, 2.5, 77)) < 2e-6);
    CHECK(check_row(random_row(151936, 4.0, 78)) < 2e-6);
  }
}

TEST_CASE("row_stats_bounded: a peaked row's error shrinks with its tail", "[kernels][fast][bounded]") {
  // The max's own term is exactly 1 and kept out of the float lanes, so the error
  // follows the tail's mass: p1 near 1 gets a near-exact lse.
  for (const float gap : {5.0f, 15.0f, 30.0f, 60.0f}) {
    auto row = random_row(5000, 1.0, 9);
    row[1234] = 4.0f + gap;
    const double e = check_row(row);
    const row_stats x = unmask::row_stats_simd<double, false>(std::span<const float>(row));
    CAPTURE(gap, e, x.p1());
    CHECK(e <= 8e-7 * (1 - x.p1()) * (1 + std::fabs(x.max1)) + 1e-12 * (1 + std::fabs(x.lse)));
  }
}

TEST_CASE("row_stats_bounded on adversarial rows", "[kernels][fast][bounded]") {
  SECTION("all equal") {
    for (const index_t n : {1, 2, 17, 1024, 1500, 4096})
      check_row(std::vector<float>(static_cast<std::size_t>(n), 3.25f));
  }
  SECTION("ties for the max across lanes and chunks") {
    auto row = random_row(3000, 1.0, 3);
    for (const std::size_t v : {0u, 17u, 1023u, 1024u, 2999u}) row[v] = 9.0f;
    check_row(row);
  }
  SECTION("a max that rises chunk by chunk") {
    std::vector<float> up(5000);
    for (std::size_t v = 0; v < up.size(); ++v) up[v] = static_cast<float>(v) * 0.01f;
    check_row(up);
  }
  SECTION("-Inf entries, and rows below the float cut-off") {
    auto row = random_row(3000, 2.0, 5);
    for (std::size_t v = 0; v < row.size(); v += 3) row[v] = ninf;
    check_row(row);
    auto wide = random_row(3000, 200.0, 6);  // most entries flushed: < e^-86 each
    check_row(wide);
  }
  SECTION("huge magnitudes") {
    auto row = random_row(2000, 1.0, 7);
    for (auto& x : row) x = x * 1e6f + 3e7f;
    check_row(row);
    auto neg = random_row(2000, 1.0, 8);
    for (auto& x : neg) x -= 1e30f;
    check_row(neg);
  }
  SECTION("invalid rows are flagged as by row_stats_simd") {
    auto row = random_row(2000, 1.0, 10);
    row[1500] = std::numeric_limits<float>::quiet_NaN();
    for (const simd_level lv : levels) {
      CHECK_FALSE(unmask::row_stats_bounded(std::span<const float>(row), lv).stats.valid());
      const std::vector<float> all_ninf(100, ninf);
      CHECK_FALSE(unmask::row_stats_bounded(std::span<const float>(all_ninf), lv).stats.valid());
    }
  }
}

TEST_CASE("row_stats_bounded on bfloat16 and float16 rows", "[kernels][fast][bounded]") {
  const auto base = random_row(40000, 3.0, 21);
  std::vector<unmask::bfloat16> b(base.size());
  std::vector<unmask::float16> h(base.size());
  std::vector<float> bf(base.size()), hf(base.size());
  for (std::size_t v = 0; v < base.size(); ++v) {
    b[v] = unmask::bfloat16::from_float(base[v]);
    h[v] = unmask::float16::from_float(base[v]);
    bf[v] = b[v].to_float();
    hf[v] = h[v].to_float();
  }
  CHECK(check_row(b, bf) < 2e-6);
  CHECK(check_row(h, hf) < 2e-6);
}

TEST_CASE("flag_uncertain flags exactly the intervals that meet another or a critical value",
          "[kernels][fast][bounded]") {
  std::vector<index_t> order(64);
  std::vector<unsigned char> flags(64);
  auto never = [](double, double) { return false; };
  SECTION("by hand") {
    const std::vector<double> lo{0.1, 0.15, 0.5, 0.7, 0.7, 0.9}, hi{0.2, 0.16, 0.6, 0.7, 0.8, 0.95};
    // [0.1,0.2] meets [0.15,0.16]; [0.5,0.6] alone; the point 0.7 meets [0.7,0.8] (only
    // the interval is flagged: a point is exact); [0.9,0.95] alone but holds 0.92.
    const index_t n = unmask::flag_uncertain(lo, hi, never, order, flags);
    CHECK(n == 3);
    CHECK(std::vector<int>(flags.begin(), flags.begin() + 6) == std::vector<int>{1, 1, 0, 0, 1, 0});
    auto at = [](double lo_, double hi_) { return lo_ <= 0.92 && 0.92 <= hi_; };
    CHECK(unmask::flag_uncertain(lo, hi, at, order, flags) == 4);
    CHECK(flags[5] == 1);
  }
  SECTION("against the quadratic definition on random intervals") {
    for (std::uint32_t seed = 0; seed < 200; ++seed) {
      const std::size_t n = 1 + seed % 60;
      std::vector<double> lo(n), hi(n);
      for (std::size_t i = 0; i < n; ++i) {
        const auto w = unmask::philox_words(seed, {.stream = 12, .step = 0, .row = 0, .position = 0},
                                            static_cast<std::uint32_t>(i));
        const double c = static_cast<double>(w[0] % 1000) / 1000.0, r = static_cast<double>(w[1] % 30) / 1000.0;
        lo[i] = c - (w[2] % 4 == 0 ? 0.0 : r);  // a quarter are points
        hi[i] = w[2] % 4 == 0 ? lo[i] : c + r;
      }
      auto crit = [](double a, double b) { return a <= 0.5 && 0.5 <= b; };
      const index_t got = unmask::flag_uncertain(lo, hi, crit, order, flags);
      index_t want = 0;
      for (std::size_t i = 0; i < n; ++i) {
        bool f = false;
        if (lo[i] < hi[i]) {
          f = crit(lo[i], hi[i]);
          for (std::size_t j = 0; j < n; ++j) f = f || (j != i && lo[j] <= hi[i] && lo[i] <= hi[j]);
        }
        CAPTURE(seed, i);
        CHECK(static_cast<bool>(flags[i]) == f);
        want += f ? 1 : 0;
      }
      CHECK(got == want);
    }
  }
  SECTION("size errors name the parameter") {
    const std::vector<double> lo{0.1, 0.2}, hi{0.3};
    CHECK_THROWS_AS(unmask::flag_uncertain(lo, hi, never, order, flags), unmask::error);
    const std::vector<double> hi2{0.3, 0.4};
    std::vector<index_t> small(1);
    CHECK_THROWS_AS(unmask::flag_uncertain(lo, hi2, never, small, flags), unmask::error);
  }
}
