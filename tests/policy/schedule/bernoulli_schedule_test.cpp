// bernoulli_schedule (SMDM / Dream `origin`): reveal frequency 1 - s/t, independence,
// everything on the last step, Philox addressing, parameter checks.
#include <unmask/policy/schedule/bernoulli_schedule.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace {

using unmask::candidate;
using unmask::index_t;
using unmask::row_candidates;

// rows x positions candidates, every row at window step `window_step`.
struct grid {
  std::vector<std::vector<candidate>> rows;
  std::vector<unmask::row_state> states;
  grid(index_t n_rows, index_t n_pos, index_t window_step) {
    for (index_t r = 0; r < n_rows; ++r) {
      std::vector<candidate> row(static_cast<std::size_t>(n_pos));
      for (index_t p = 0; p < n_pos; ++p) row[static_cast<std::size_t>(p)].position = p;
      rows.push_back(std::move(row));
      unmask::row_state st;
      st.window_step = window_step;
      states.push_back(st);
    }
  }
  void select(const unmask::bernoulli_schedule& s, index_t step) {
    std::vector<row_candidates> spans;
    for (std::size_t r = 0; r < rows.size(); ++r) spans.push_back({static_cast<index_t>(r), rows[r]});
    unmask::schedule_context ctx;
    ctx.step = step;
    ctx.batch_rows = static_cast<index_t>(rows.size());
    ctx.rows = states;
    s.select(ctx, spans);
  }
  [[nodiscard]] double fraction() const {
    double n = 0, k = 0;
    for (const auto& r : rows)
      for (const auto& c : r) n += 1, k += c.commit ? 1 : 0;
    return k / n;
  }
  // Fraction of adjacent pairs (p, p + 1) revealed together.
  [[nodiscard]] double pair_fraction() const {
    double n = 0, k = 0;
    for (const auto& r : rows)
      for (std::size_t p = 0; p + 1 < r.size(); ++p) n += 1, k += (r[p].commit && r[p + 1].commit) ? 1 : 0;
    return k / n;
  }
};

}  // namespace

TEST_CASE("bernoulli_schedule: p_i = 1 - t_{i+1}/t_i in float32, 1 on the last step", "[policy][schedule][smdm]") {
  const unmask::bernoulli_schedule s{.steps = 4, .eps = 1e-5, .seed = 7};
  for (index_t i = 0; i + 1 < 4; ++i) CHECK(s.probability(i) == 1.0f - s.t(i + 1) / s.t(i));
  CHECK(s.probability(0) == Approx(0.25).margin(1e-4));  // 0.2499975
  CHECK(s.probability(2) == Approx(0.5).margin(1e-4));   // 0.49999
  CHECK(s.probability(3) == 1.0f);
  CHECK(s.t(0) == 1.0f);
  CHECK(s.t(4) == static_cast<float>(1e-5));
}

TEST_CASE("bernoulli_schedule reveals each mask with frequency ~ 1 - s/t, independently", "[policy][schedule][smdm]") {
  // 200 x 1000 = 200000 coins per case. Tolerance: 5 binomial standard deviations
  // (sqrt(p (1 - p) / n) <= 0.0011 here), so a correct coin fails with probability < 1e-6.
  struct setting {
    index_t steps, step;
  };
  for (const auto [steps, step] : {setting{4, 0}, setting{4, 2}, setting{64, 0}, setting{64, 40}}) {
    const unmask::bernoulli_schedule s{.steps = steps, .eps = 1e-5, .seed = 2024};
    grid g(200, 1000, step);
    g.select(s, step);
    const double p = s.probability(step);
    const double n = 200.0 * 1000.0, sd = std::sqrt(p * (1 - p) / n);
    INFO("steps " << steps << " step " << step << " p " << p);
    CHECK(std::abs(g.fraction() - p) <= 5 * sd);
    const double p2 = p * p, n2 = 200.0 * 999.0, sd2 = std::sqrt(p2 * (1 - p2) / n2);
    CHECK(std::abs(g.pair_fraction() - p2) <= 5 * sd2);
  }
}

TEST_CASE("bernoulli_schedule reveals everything on the last step, whatever the seed", "[policy][schedule][smdm]") {
  for (std::uint64_t seed : {0u, 1u, 99u}) {
    const unmask::bernoulli_schedule s{.steps = 5, .eps = 1e-3, .seed = seed};
    grid g(3, 50, 4);
    g.select(s, 4);
    CHECK(g.fraction() == 1.0);
  }
  // The probability follows each row's window step: a row on its last step reveals all.
  const unmask::bernoulli_schedule s{.steps = 5, .eps = 1e-3, .seed = 3};
  grid g(2, 400, 0);
  g.states[1].window_step = 4;
  g.select(s, 0);
  const auto all_of_row = [&](std::size_t r) {
    return std::all_of(g.rows[r].begin(), g.rows[r].end(), [](const candidate& c) { return c.commit; });
  };
  CHECK_FALSE(all_of_row(0));
  CHECK(all_of_row(1));
}

TEST_CASE("bernoulli_schedule coins depend on (seed, step, row, position) only", "[policy][schedule][smdm]") {
  const unmask::bernoulli_schedule s{.steps = 8, .eps = 1e-5, .seed = 11};
  auto coins = [](grid& g) {
    std::map<std::pair<index_t, index_t>, bool> out;
    for (std::size_t r = 0; r < g.rows.size(); ++r)
      for (const auto& c : g.rows[r]) out[{static_cast<index_t>(r), c.position}] = c.commit;
    return out;
  };
  grid a(3, 300, 1), b(3, 300, 1);
  std::reverse(b.rows[1].begin(), b.rows[1].end());  // candidate order does not matter
  a.select(s, 1);
  b.select(s, 1);
  CHECK(coins(a) == coins(b));

  grid c(3, 300, 1), d(3, 300, 1);
  c.select(unmask::bernoulli_schedule{.steps = 8, .eps = 1e-5, .seed = 12}, 1);
  d.select(s, 2);  // another run step, same window step
  CHECK(coins(c) != coins(a));
  CHECK(coins(d) != coins(a));
}

TEST_CASE("bernoulli_schedule: window ends after `steps` steps and bad parameters throw", "[policy][schedule][smdm]") {
  const unmask::bernoulli_schedule s{.steps = 2};
  unmask::row_state st;
  st.window_step = 1;
  CHECK_FALSE(s.window_done(st, 3));
  st.window_step = 2;
  CHECK(s.window_done(st, 3));
  CHECK(s.max_window_steps(10) == 2);
  auto param_of = [](const unmask::bernoulli_schedule& b) {
    try {
      b.validate();
    } catch (const unmask::error& e) {
      CHECK(e.code() == unmask::errc::invalid_argument);
      return e.parameter();
    }
    return std::string("none");
  };
  CHECK(param_of({.steps = 0}) == "steps");
  CHECK(param_of({.steps = 3, .eps = -1e-5}) == "eps");
  CHECK(param_of({.steps = 3, .eps = 1.5}) == "eps");
  CHECK(param_of({.steps = 3, .eps = 1e-5, .seed = 5}) == "none");
}
