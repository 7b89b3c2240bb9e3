// confidence_factor (Fast-dLLM factor rule): the examples of samplers.md §3.1 with and
// without the reference's last-rank quirk, and against the paper's rule on random scores.
#include "policy/schedule/schedule_test_util.hpp"
#include <unmask/core/philox.hpp>
#include <unmask/policy/schedule/confidence_factor.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

namespace {

using unmask::confidence_factor;
using unmask::index_t;
using namespace unmask_test;

index_t committed(const confidence_factor& f, const std::vector<double>& scores) {
  std::vector<index_t> pos(scores.size());
  for (std::size_t i = 0; i < pos.size(); ++i) pos[i] = static_cast<index_t>(i);
  return static_cast<index_t>(select_one_row(f, candidates(pos, scores)).size());
}

// The paper's rule: the largest n with (m + 1)(1 - c_(m)) <= f for every rank m <= n
// (ranks from 1, scores sorted descending), at least 1.
index_t paper_rule(double f, std::vector<double> c) {
  std::sort(c.begin(), c.end(), std::greater<>{});
  index_t n = 0;
  for (std::size_t m = 1; m <= c.size(); ++m) {
    if (m > 1 && static_cast<double>(m + 1) * (1.0 - c[m - 1]) > f) break;
    n = static_cast<index_t>(m);
  }
  return std::max<index_t>(n, 1);
}

}  // namespace

TEST_CASE("confidence_factor: the examples of samplers.md 3.1 (f = 1)", "[policy][schedule][factor]") {
  const confidence_factor quirk{.factor = 1.0, .reference_off_by_one = true};
  const confidence_factor fixed{.factor = 1.0, .reference_off_by_one = false};
  CHECK(committed(quirk, {0.99, 0.97, 0.90, 0.50}) == 4);
  CHECK(committed(fixed, {0.99, 0.97, 0.90, 0.50}) == 3);
  CHECK(committed(quirk, {0.99, 0.98, 0.3, 0.2}) == 2);
  CHECK(committed(fixed, {0.99, 0.98, 0.3, 0.2}) == 2);
  CHECK(committed(quirk, {0.6, 0.55, 0.5}) == 1);
  CHECK(committed(fixed, {0.6, 0.55, 0.5}) == 1);
  // Unsorted input and nothing failing: all.
  CHECK(committed(quirk, {0.9, 0.99, 0.95}) == 3);
  CHECK(committed(fixed, {0.9, 0.99, 0.95}) == 3);
  // One candidate always commits, however low.
  CHECK(committed(fixed, {0.01}) == 1);
}

TEST_CASE("confidence_factor: commits the best-scored, ties to the lowest position", "[policy][schedule][factor]") {
  const confidence_factor f{.factor = 1.0, .reference_off_by_one = false};
  // sorted: 0.99 (pos 8), 0.9 (pos 2), 0.9 (pos 6), 0.2 (pos 1): rank 3 passes (0.9 >= 0.75), rank 4 fails.
  CHECK(select_one_row(f, candidates({6, 8, 1, 2}, {0.9, 0.99, 0.2, 0.9})) == std::vector<index_t>{2, 6, 8});
  // A tie straddling the cut: 0.5, 0.5 with f = 1: rank 2 needs >= 2/3, fails; the lower position wins.
  CHECK(select_one_row(f, candidates({7, 3}, {0.5, 0.5})) == std::vector<index_t>{3});
}

TEST_CASE("confidence_factor: without the quirk it is the paper's rule", "[policy][schedule][factor][property]") {
  for (std::uint32_t trial = 0; trial < 2000; ++trial) {
    const auto n = 1 + static_cast<std::size_t>(trial % 9);
    const double f = 0.25 + 0.25 * static_cast<double>(trial % 8);
    std::vector<double> c(n);
    for (std::size_t i = 0; i < n; ++i)
      c[i] = 1.0 - std::pow(unmask::philox_uniform(
                                11, {.stream = 9, .step = trial, .row = 0, .position = static_cast<std::uint32_t>(i)}),
                            3.0);
    CAPTURE(trial, f, c);
    const index_t expected = paper_rule(f, c);
    CHECK(committed({.factor = f, .reference_off_by_one = false}, c) == expected);
    // The quirk differs only when the first failing rank is the last one.
    const index_t q = committed({.factor = f, .reference_off_by_one = true}, c);
    CHECK((q == expected || (expected == static_cast<index_t>(n) - 1 && q == static_cast<index_t>(n))));
  }
}

TEST_CASE("confidence_factor: validate", "[policy][schedule][factor][errors]") {
  CHECK_NOTHROW(confidence_factor{.factor = 0.5}.validate());
  CHECK_THROWS_WITH(confidence_factor{.factor = 0.0}.validate(), Catch::Matchers::Contains("factor = 0"));
  CHECK_THROWS_WITH(confidence_factor{.factor = -1.0}.validate(), Catch::Matchers::Contains("factor = -1"));
}
