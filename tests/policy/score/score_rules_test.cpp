// Score rules: low_confidence, margin_score, neg_entropy_score against direct softmax
// computations, and random_score's Philox addressing (stream 2).
#include <unmask/core/candidate.hpp>
#include <unmask/core/philox.hpp>
#include <unmask/kernels/row_stats.hpp>
#include <unmask/policy/score/low_confidence.hpp>
#include <unmask/policy/score/margin_score.hpp>
#include <unmask/policy/score/neg_entropy_score.hpp>
#include <unmask/policy/score/random_score.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <set>
#include <vector>

namespace {

using unmask::candidate;
using unmask::index_t;
using unmask::random_counter;
using unmask::token_id;

std::vector<double> softmax(const std::vector<float>& l) {
  const double m = *std::max_element(l.begin(), l.end());
  std::vector<double> p;
  double z = 0;
  for (float x : l) z += std::exp(x - m);
  for (float x : l) p.push_back(std::exp(x - m) / z);
  return p;
}

candidate make(const std::vector<float>& l, token_id token, index_t position = 0) {
  candidate c;
  c.position = position;
  c.token = token;
  c.token_logit = l[static_cast<std::size_t>(token)];
  c.stats = unmask::row_stats_of(l);
  c.logits = l;
  return c;
}

const std::vector<std::vector<float>> rows{
    {0.1f, 2.0f, -1.0f, 0.7f}, {3.0f, 3.0f, 0.0f}, {-5.0f, 1e-3f, 4.0f, 3.5f, 3.9f}, {0, 0, 0, 0, 0, 0, 0, 0}};

}  // namespace

TEST_CASE("low_confidence scores the proposed token's probability", "[policy][score]") {
  for (const auto& l : rows) {
    const auto p = softmax(l);
    for (std::size_t v = 0; v < l.size(); ++v) {
      CAPTURE(l, v);
      CHECK(unmask::low_confidence{}.score(make(l, static_cast<token_id>(v)), {}) == Approx(p[v]).epsilon(1e-12));
    }
  }
}

TEST_CASE("margin_score is p(top1) - p(top2), whatever token was proposed", "[policy][score]") {
  for (const auto& l : rows) {
    auto p = softmax(l);
    std::sort(p.begin(), p.end(), std::greater<>{});
    const double expected = p[0] - p[1];
    for (std::size_t v = 0; v < l.size(); ++v) {
      CAPTURE(l, v);
      CHECK(unmask::margin_score{}.score(make(l, static_cast<token_id>(v)), {}) == Approx(expected).margin(1e-12));
    }
  }
  // One token: the margin is p1 = 1.
  const std::vector<float> one{2.0f};
  CHECK(unmask::margin_score{}.score(make(one, 0), {}) == 1.0);
}

TEST_CASE("neg_entropy_score is sum p log p (<= 0, 0 for a point mass)", "[policy][score]") {
  for (const auto& l : rows) {
    const auto p = softmax(l);
    double expected = 0;
    for (double q : p) expected += q * std::log(q);
    CAPTURE(l);
    CHECK(unmask::neg_entropy_score{}.score(make(l, 0), {}) == Approx(expected).margin(1e-12));
  }
  const std::vector<float> uniform(8, 1.5f);
  CHECK(unmask::neg_entropy_score{}.score(make(uniform, 3), {}) == Approx(-std::log(8.0)));
  const std::vector<float> point{-std::numeric_limits<float>::infinity(), 1.0f};
  CHECK(unmask::neg_entropy_score{}.score(make(point, 1), {}) == 0.0);
}

TEST_CASE("random_score draws U(0,1) at (seed, stream 2, step, row, position)", "[policy][score][random]") {
  const std::vector<float> l{0.5f, 0.1f};
  const unmask::random_score s{.seed = 42};
  CHECK(unmask::random_score::stream == 2);
  std::set<double> seen;
  double sum = 0;
  constexpr int n = 4000;
  for (std::uint32_t i = 0; i < n; ++i) {
    // The caller's stream field is ignored: the rule draws on its own stream.
    const random_counter where{.stream = 0, .step = i / 50, .row = i % 3, .position = i % 50};
    const double x = s.score(make(l, 0), where);
    REQUIRE(x > 0.0);
    REQUIRE(x < 1.0);
    random_counter own = where;
    own.stream = 2;
    CHECK(x == unmask::philox_uniform(42, own));
    CHECK(x == s.score(make(l, 1), where));  // independent of the candidate
    seen.insert(x);
    sum += x;
  }
  CHECK(seen.size() == n);
  CHECK(sum / n == Approx(0.5).margin(0.02));
  const random_counter where{.stream = 0, .step = 1, .row = 2, .position = 3};
  CHECK(unmask::random_score{.seed = 43}.score(make(l, 0), where) != s.score(make(l, 0), where));
}
