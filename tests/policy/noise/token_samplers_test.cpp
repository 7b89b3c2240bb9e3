// Token samplers: greedy is argmax (first index); categorical samples softmax(l / T)
// (chi-square goodness of fit, with a check that the test rejects a wrong T), is a pure
// function of (seed, stream 1, step, row, position), and never picks a -Inf entry.
#include <unmask/core/philox.hpp>
#include <unmask/kernels/row_stats.hpp>
#include <unmask/policy/noise/categorical.hpp>
#include <unmask/policy/noise/greedy.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace {

using unmask::random_counter;
using unmask::token_id;

constexpr float ninf = -std::numeric_limits<float>::infinity();

std::vector<double> softmax(const std::vector<float>& l, double t) {
  double m = -std::numeric_limits<double>::infinity();
  for (float x : l) m = std::max(m, static_cast<double>(x));
  std::vector<double> p;
  double z = 0;
  for (float x : l) z += std::exp((x - m) / t);
  for (float x : l) p.push_back(std::exp((x - m) / t) / z);
  return p;
}

// Upper tail of the chi-square distribution with an even number of degrees of freedom
// 2k: P(X > x) = exp(-x/2) * sum_{i<k} (x/2)^i / i!  (exact for even df).
double chi2_upper_tail_even_df(double x, int df) {
  const double h = x / 2;
  double term = 1, sum = 1;
  for (int i = 1; i < df / 2; ++i) {
    term *= h / i;
    sum += term;
  }
  return std::exp(-h) * sum;
}

// Pearson's statistic of `counts` against probabilities `p` over n draws.
double chi2_statistic(const std::vector<long>& counts, const std::vector<double>& p, long n) {
  double x = 0;
  for (std::size_t v = 0; v < p.size(); ++v) {
    const double e = p[v] * static_cast<double>(n);
    x += (static_cast<double>(counts[v]) - e) * (static_cast<double>(counts[v]) - e) / e;
  }
  return x;
}

}  // namespace

TEST_CASE("greedy proposes the argmax, first index among ties", "[policy][noise][greedy]") {
  for (const auto& l :
       std::vector<std::vector<float>>{{0.1f, 2.0f, 2.0f, -1.0f}, {5.0f}, {ninf, 1.0f, 1.0f}, {3, 1, 3}}) {
    const auto s = unmask::row_stats_of(l);
    const auto ch = unmask::greedy{}.pick(l, s, {});
    std::size_t arg = 0;
    for (std::size_t v = 1; v < l.size(); ++v)
      if (l[v] > l[arg]) arg = v;
    CAPTURE(l);
    CHECK(ch.token == static_cast<token_id>(arg));
    CHECK(ch.logit == l[arg]);
  }
}

TEST_CASE("categorical at T = 0 is greedy", "[policy][noise][categorical]") {
  const std::vector<float> l{0.5f, 3.0f, 3.0f, 1.0f};
  const auto s = unmask::row_stats_of(l);
  for (std::uint32_t p = 0; p < 50; ++p) {
    const auto ch = unmask::categorical{.temperature = 0.0, .seed = p}.pick(l, s, {.position = p});
    CHECK(ch.token == 1);
    CHECK(ch.logit == 3.0);
  }
}

TEST_CASE("categorical is a pure function of (seed, step, row, position)", "[policy][noise][categorical]") {
  const std::vector<float> l{0.0f, 0.3f, -0.2f, 0.1f, 0.25f, -0.4f};
  const auto s = unmask::row_stats_of(l);
  const unmask::categorical a{.temperature = 1.0, .seed = 7}, b{.temperature = 1.0, .seed = 8};
  CHECK(unmask::categorical::stream == 1);
  int differ = 0;
  for (std::uint32_t p = 0; p < 200; ++p) {
    const random_counter where{.stream = 0, .step = 3, .row = 1, .position = p};
    const auto x = a.pick(l, s, where), y = a.pick(l, s, where), z = b.pick(l, s, where);
    CHECK(x.token == y.token);
    CHECK(x.logit == l[static_cast<std::size_t>(x.token)]);
    differ += x.token != z.token ? 1 : 0;
    // The token is the inverse-CDF crossing of u at (seed, stream 1, ...).
    random_counter own = where;
    own.stream = 1;
    const double u = unmask::philox_uniform(7, own);
    const auto p_t = softmax(l, 1.0);
    double cum = 0;
    token_id expect = -1;
    for (std::size_t v = 0; v < p_t.size() && expect < 0; ++v)
      if ((cum += p_t[v]) > u) expect = static_cast<token_id>(v);
    CHECK(x.token == expect);
  }
  CHECK(differ > 100);  // different seeds give (mostly) different draws
}

TEST_CASE("categorical matches softmax(l / T): chi-square goodness of fit",
          "[policy][noise][categorical][statistics]") {
  // Nine categories: 8 degrees of freedom. Reject at p < 1e-6: a correct sampler fails
  // with probability 1e-6 (and the seed is fixed, so the outcome is reproducible).
  const std::vector<float> l{1.0f, 0.2f, -0.5f, 2.0f, 0.0f, 1.5f, -1.0f, 0.7f, 0.3f};
  constexpr double alpha = 1e-6;
  constexpr long n = 20000;
  const auto s = unmask::row_stats_of(l);
  for (double t : {0.5, 0.8, 1.0, 2.5}) {
    CAPTURE(t);
    const unmask::categorical c{.temperature = t, .seed = 2024};
    std::vector<long> counts(l.size(), 0);
    for (long i = 0; i < n; ++i) {
      const random_counter where{.stream = 0,
                                 .step = static_cast<std::uint32_t>(i / 1000),
                                 .row = 0,
                                 .position = static_cast<std::uint32_t>(i % 1000)};
      counts[static_cast<std::size_t>(c.pick(l, s, where).token)] += 1;
    }
    const double x = chi2_statistic(counts, softmax(l, t), n);
    const double p = chi2_upper_tail_even_df(x, 8);
    CAPTURE(counts, x, p);
    CHECK(p > alpha);
    // Power: the same draws judged against a wrong temperature (off by 25%) are rejected.
    const double wrong = chi2_statistic(counts, softmax(l, t * 1.25), n);
    CAPTURE(wrong);
    CHECK(chi2_upper_tail_even_df(wrong, 8) < alpha);
  }
}

TEST_CASE("chi-square tail helper against known quantiles", "[policy][noise][statistics]") {
  // chi2(8): P(X > 15.507) = 0.05, P(X > 20.090) = 0.01; chi2(2): P(X > x) = exp(-x/2).
  CHECK(chi2_upper_tail_even_df(15.507, 8) == Approx(0.05).epsilon(1e-3));
  CHECK(chi2_upper_tail_even_df(20.090, 8) == Approx(0.01).epsilon(1e-3));
  CHECK(chi2_upper_tail_even_df(3.0, 2) == Approx(std::exp(-1.5)));
}

TEST_CASE("categorical never picks a -Inf entry", "[policy][noise][categorical]") {
  const std::vector<float> l{ninf, 0.0f, ninf, 0.0f, ninf};
  const auto s = unmask::row_stats_of(l);
  const unmask::categorical c{.temperature = 1.7, .seed = 1};
  long ones = 0;
  for (std::uint32_t p = 0; p < 2000; ++p) {
    const auto ch = c.pick(l, s, {.position = p});
    REQUIRE((ch.token == 1 || ch.token == 3));
    ones += ch.token == 1 ? 1 : 0;
  }
  CHECK(ones > 850);
  CHECK(ones < 1150);
}

TEST_CASE("categorical: validate", "[policy][noise][categorical][errors]") {
  CHECK_NOTHROW(unmask::categorical{.temperature = 0.0}.validate());
  CHECK_THROWS_WITH(unmask::categorical{.temperature = -0.5}.validate(),
                    Catch::Matchers::Contains("temperature = -0.5"));
  CHECK_THROWS_AS(unmask::categorical{.temperature = std::numeric_limits<double>::infinity()}.validate(),
                  unmask::error);
}
