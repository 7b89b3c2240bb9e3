// row_stats_of: the one-pass statistics against a naive two-pass double computation on
// random and adversarial rows; rows with NaN, +Inf or no finite entry are not valid().
#include <unmask/core/philox.hpp>
#include <unmask/kernels/row_stats.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace {

using unmask::row_stats;
using unmask::token_id;

constexpr float ninf = -std::numeric_limits<float>::infinity();

// The oracle: argmax and second argmax by first index, then lse and sum p log p with
// the max subtracted, each in its own pass, all in double.
struct naive_stats {
  token_id top1 = -1, top2 = -1;
  double max1 = 0, max2 = 0, lse = 0, sum_p_log_p = 0;
};

naive_stats naive(const std::vector<float>& l) {
  naive_stats s;
  const auto n = static_cast<token_id>(l.size());
  for (token_id v = 0; v < n; ++v)
    if (s.top1 < 0 || l[static_cast<std::size_t>(v)] > l[static_cast<std::size_t>(s.top1)]) s.top1 = v;
  for (token_id v = 0; v < n; ++v)
    if (v != s.top1 && (s.top2 < 0 || l[static_cast<std::size_t>(v)] > l[static_cast<std::size_t>(s.top2)])) s.top2 = v;
  s.max1 = l[static_cast<std::size_t>(s.top1)];
  s.max2 = s.top2 < 0 ? -std::numeric_limits<double>::infinity() : l[static_cast<std::size_t>(s.top2)];
  double z = 0;
  for (float x : l) z += std::exp(static_cast<double>(x) - s.max1);
  s.lse = s.max1 + std::log(z);
  for (float x : l) {
    const double lp = static_cast<double>(x) - s.lse;
    if (std::isfinite(lp)) s.sum_p_log_p += std::exp(lp) * lp;
  }
  return s;
}

template <class Acc>
void check_against_naive(const std::vector<float>& l, double rel) {
  const row_stats s = unmask::row_stats_of<Acc>(l);
  const naive_stats o = naive(l);
  REQUIRE(s.valid());
  CHECK(s.top1 == o.top1);
  CHECK(s.max1 == o.max1);
  if (o.top2 >= 0 && std::isfinite(o.max2)) {
    CHECK(s.top2 == o.top2);
    CHECK(s.max2 == o.max2);
  }
  const double scale = std::max(1.0, std::abs(o.lse));
  CHECK(std::abs(s.lse - o.lse) <= rel * scale);
  CHECK(std::abs(s.sum_p_log_p - o.sum_p_log_p) <= rel * std::max(1.0, std::abs(o.sum_p_log_p)));
  CHECK(s.sum_p_log_p <= 1e-12);
  CHECK(s.p1() == Approx(std::exp(o.max1 - o.lse)).epsilon(rel * 10));
}

std::vector<float> random_row(std::uint64_t seed, std::uint32_t row, int n, double scale) {
  std::vector<float> l(static_cast<std::size_t>(n));
  for (int v = 0; v < n; ++v)
    l[static_cast<std::size_t>(v)] = static_cast<float>(
        scale * unmask::philox_normal(seed, {.stream = 0x5747u, .step = 0, .row = row, .position = 0},
                                      static_cast<std::uint32_t>(v)));
  return l;
}

}  // namespace

TEST_CASE("row_stats_of matches a two-pass computation on random rows", "[kernels][row_stats][property]") {
  for (std::uint32_t row = 0; row < 200; ++row) {
    const int n = 1 + static_cast<int>(row % 7) * 37 + static_cast<int>(row % 3);
    const double scale = row % 4 == 0 ? 30.0 : row % 4 == 1 ? 0.1 : 3.0;
    const auto l = random_row(7, row, n, scale);
    CAPTURE(row, n, scale);
    check_against_naive<double>(l, 1e-12);
    check_against_naive<float>(l, 1e-5);
  }
}

TEST_CASE("row_stats_of on adversarial rows", "[kernels][row_stats]") {
  SECTION("ties give the first index to top1 and the next to top2") {
    const std::vector<float> l{1, 3, 0, 3, 3, 2};
    const auto s = unmask::row_stats_of(l);
    CHECK(s.top1 == 1);
    CHECK(s.top2 == 3);
    CHECK(s.max1 == 3);
    CHECK(s.max2 == 3);
    CHECK(s.p1() == Approx(s.p2()));
    check_against_naive<double>(l, 1e-12);
  }
  SECTION("a later larger value after a tie") {
    const std::vector<float> l{2, 2, 5, 1};
    const auto s = unmask::row_stats_of(l);
    CHECK(s.top1 == 2);
    CHECK(s.top2 == 0);
    check_against_naive<double>(l, 1e-12);
  }
  SECTION("-Inf entries contribute nothing") {
    const std::vector<float> l{ninf, 0.5f, ninf, -1.0f, 2.0f, ninf};
    check_against_naive<double>(l, 1e-12);
    const std::vector<float> finite{0.5f, -1.0f, 2.0f};
    const auto a = unmask::row_stats_of(l), b = unmask::row_stats_of(finite);
    CHECK(a.lse == Approx(b.lse).epsilon(1e-15));
    CHECK(a.sum_p_log_p == Approx(b.sum_p_log_p).epsilon(1e-14));
    CHECK(a.top1 == 4);
    CHECK(a.top2 == 1);
  }
  SECTION("huge magnitudes do not overflow") {
    const std::vector<float> l{1e30f, -1e30f, 1e30f - 1e24f, 3.0f, -1e30f};
    check_against_naive<double>(l, 1e-12);
    const auto s = unmask::row_stats_of(l);
    CHECK(s.top1 == 0);
    CHECK(s.lse == static_cast<double>(1e30f));  // the others are e^-1e24 = 0 relative to it
    CHECK(s.p1() == Approx(1.0));
    const auto f = unmask::row_stats_of<float>(l);
    CHECK(f.valid());
    CHECK(f.top1 == 0);
  }
  SECTION("all equal: uniform distribution") {
    const std::vector<float> l(50, -7.25f);
    const auto s = unmask::row_stats_of(l);
    CHECK(s.top1 == 0);
    CHECK(s.top2 == 1);
    CHECK(s.p1() == Approx(1.0 / 50));
    CHECK(s.sum_p_log_p == Approx(-std::log(50.0)));
    check_against_naive<double>(l, 1e-12);
  }
  SECTION("a single finite entry has probability 1 and zero entropy") {
    const std::vector<float> l{ninf, ninf, 4.0f, ninf};
    const auto s = unmask::row_stats_of(l);
    REQUIRE(s.valid());
    CHECK(s.top1 == 2);
    CHECK(s.lse == 4.0);
    CHECK(s.p1() == 1.0);
    CHECK(s.p2() == 0.0);
    CHECK(s.sum_p_log_p == 0.0);
  }
  SECTION("vocab of one") {
    const std::vector<float> l{0.25f};
    const auto s = unmask::row_stats_of(l);
    CHECK(s.top1 == 0);
    CHECK(s.top2 == -1);
    CHECK(s.p2() == 0.0);
    CHECK(s.p1() == 1.0);
  }
}

TEST_CASE("row_stats_of flags NaN, +Inf and all -Inf rows as invalid", "[kernels][row_stats][errors]") {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  for (const auto& l : std::vector<std::vector<float>>{
           {1, nan, 2}, {nan}, {nan, 1}, {1, 2, inf}, {inf, 1}, {ninf, ninf}, {ninf}, {ninf, inf}, {nan, ninf}}) {
    CAPTURE(l);
    CHECK_FALSE(unmask::row_stats_of<double>(l).valid());
    CHECK_FALSE(unmask::row_stats_of<float>(l).valid());
  }
  const std::vector<float> empty;
  CHECK_FALSE(unmask::row_stats_of(empty).valid());
}
