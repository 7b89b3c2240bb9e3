// global_timestep_schedule (SMDM greddy): float32 counts, batch-global top-k across rows,
// tie order (row, position), last step commits all, parameter checks.
#include <unmask/policy/schedule/global_timestep_schedule.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <random>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace {

using unmask::candidate;
using unmask::index_t;
using unmask::row_candidates;

// Candidates of several rows, owned, with spans handed to the schedule.
struct batch {
  std::vector<std::vector<candidate>> rows;  // rows[r] = candidates of canvas row ids[r]
  std::vector<index_t> ids;
  std::vector<row_candidates> spans() {
    std::vector<row_candidates> out;
    for (std::size_t i = 0; i < rows.size(); ++i) out.push_back({ids[i], rows[i]});
    return out;
  }
  // (row, position) of every committed candidate, sorted.
  [[nodiscard]] std::vector<std::pair<index_t, index_t>> committed() const {
    std::vector<std::pair<index_t, index_t>> out;
    for (std::size_t i = 0; i < rows.size(); ++i)
      for (const auto& c : rows[i])
        if (c.commit) out.emplace_back(ids[i], c.position);
    std::sort(out.begin(), out.end());
    return out;
  }
};

candidate cand(index_t position, double score) {
  candidate c;
  c.position = position;
  c.score = score;
  return c;
}

// The k best of the flattened batch by (score desc, row asc, position asc), sorted.
std::vector<std::pair<index_t, index_t>> brute_force(const batch& b, index_t k) {
  std::vector<std::tuple<double, index_t, index_t>> all;
  for (std::size_t i = 0; i < b.rows.size(); ++i)
    for (const auto& c : b.rows[i]) all.emplace_back(-c.score, b.ids[i], c.position);
  std::sort(all.begin(), all.end());
  std::vector<std::pair<index_t, index_t>> out;
  for (index_t i = 0; i < k && i < static_cast<index_t>(all.size()); ++i)
    out.emplace_back(std::get<1>(all[static_cast<std::size_t>(i)]), std::get<2>(all[static_cast<std::size_t>(i)]));
  std::sort(out.begin(), out.end());
  return out;
}

unmask::schedule_context context(index_t step, std::vector<unmask::row_state>& st) {
  unmask::schedule_context ctx;
  ctx.step = step;
  ctx.batch_rows = static_cast<index_t>(st.size());
  ctx.rows = st;
  return ctx;
}

}  // namespace

TEST_CASE("global_timestep_schedule: k = int(N (1 - s/t)) truncated in float32, all on the last step",
          "[policy][schedule][smdm]") {
  const unmask::global_timestep_schedule s{.steps = 4, .eps = 1e-5};
  // t = 1, 0.7500025, 0.500005, 0.2500075, 1e-5: 8 * (1 - t1/t0) = 1.99998 -> 1, not 2.
  CHECK(s.count(0, 8) == 1);
  // 9 * (1 - 0.500005 / 0.7500025) = 2.99997 -> 2.
  CHECK(s.count(1, 9) == 2);
  CHECK(s.count(3, 37) == 37);  // last step: everything
  CHECK(s.count(0, 0) == 0);
  CHECK(s.t(0) == 1.0f);
  CHECK(s.t(4) == static_cast<float>(1e-5));

  // Against the formula in double: float32 rounding moves k by at most one.
  for (index_t steps : {1, 2, 3, 7, 8, 16, 64, 256, 512}) {
    const unmask::global_timestep_schedule g{.steps = steps, .eps = 1e-5};
    for (index_t i = 0; i + 1 < steps; ++i) {
      const double t = 1.0 + (1e-5 - 1.0) * static_cast<double>(i) / static_cast<double>(steps);
      const double sv = 1.0 + (1e-5 - 1.0) * static_cast<double>(i + 1) / static_cast<double>(steps);
      for (index_t n : {1, 5, 16, 100, 1000, 16384}) {
        const double exact = std::floor(static_cast<double>(n) * (1.0 - sv / t));
        INFO("steps " << steps << " step " << i << " n " << n);
        CHECK(std::abs(static_cast<double>(g.count(i, n)) - exact) <= 1.0);
        CHECK(g.count(i, n) >= 0);
        CHECK(g.count(i, n) <= n);
      }
    }
  }
}

TEST_CASE("global_timestep_schedule picks across rows, not per row", "[policy][schedule][smdm]") {
  // Row 1 holds the three most confident masks; N = 8 over the batch, steps = 4: k = 1 at
  // step 0 and int(7 * 0.3333) = 2 at step 1. A per-row rule would also take from row 0.
  batch b;
  b.ids = {0, 1};
  b.rows = {{cand(3, 0.20), cand(4, 0.30), cand(6, 0.10), cand(7, 0.25), cand(9, 0.05)},
            {cand(2, 0.90), cand(5, 0.80), cand(8, 0.70)}};
  std::vector<unmask::row_state> st(2);
  const unmask::global_timestep_schedule s{.steps = 4, .eps = 1e-5};
  auto spans = b.spans();
  s.select(context(0, st), spans);
  CHECK(b.committed() == std::vector<std::pair<index_t, index_t>>{{1, 2}});

  for (auto& r : b.rows)
    for (auto& c : r) c.commit = false;
  b.rows[1].erase(b.rows[1].begin());  // position 2 was committed: 7 candidates left
  spans = b.spans();
  REQUIRE(s.count(1, 7) == 2);
  s.select(context(1, st), spans);
  CHECK(b.committed() == std::vector<std::pair<index_t, index_t>>{{1, 5}, {1, 8}});

  for (auto& r : b.rows)
    for (auto& c : r) c.commit = false;
  spans = b.spans();
  s.select(context(3, st), spans);  // last step
  CHECK(b.committed().size() == 7);
}

TEST_CASE("global_timestep_schedule breaks ties by lower (row, position), whatever the input order",
          "[policy][schedule][smdm]") {
  batch b;
  b.ids = {2, 0, 1};  // rows handed over out of order
  b.rows = {{cand(1, 0.5), cand(0, 0.5)}, {cand(9, 0.5), cand(4, 0.5)}, {cand(7, 0.9), cand(3, 0.5)}};
  auto spans = b.spans();
  unmask::detail::mark_top_k_across_rows(spans, 3);
  // 0.9 first, then the ties in batch-major order: (0, 4), (0, 9).
  CHECK(b.committed() == std::vector<std::pair<index_t, index_t>>{{0, 4}, {0, 9}, {1, 7}});
}

TEST_CASE("global top-k equals a brute-force sort of the flattened batch", "[policy][schedule][smdm]") {
  std::mt19937 gen(12345);
  std::uniform_int_distribution<int> rows_d(1, 6), len_d(0, 30), level(0, 6);
  const double levels[] = {-std::numeric_limits<double>::infinity(), -2.5, -0.0, 0.0, 0.125, 0.5, 1e300};
  for (int trial = 0; trial < 300; ++trial) {
    batch b;
    const int rows = rows_d(gen);
    index_t total = 0;
    for (int r = 0; r < rows; ++r) {
      b.ids.push_back(r);
      std::vector<candidate> row;
      const int len = len_d(gen);
      for (int p = 0; p < len; ++p) {
        // Few distinct scores (many ties), sometimes a continuous one.
        const double sc = trial % 3 == 0 ? std::generate_canonical<double, 53>(gen) : levels[level(gen)];
        row.push_back(cand(2 * p + (r % 2), sc));
      }
      std::shuffle(row.begin(), row.end(), gen);
      total += len;
      b.rows.push_back(std::move(row));
    }
    std::shuffle(b.ids.begin(), b.ids.end(), gen);
    std::uniform_int_distribution<index_t> k_d(0, total + 2);
    const index_t k = k_d(gen);
    const auto want = brute_force(b, k);
    auto spans = b.spans();
    unmask::detail::mark_top_k_across_rows(spans, k);
    INFO("trial " << trial << " k " << k << " total " << total);
    CHECK(b.committed() == want);
  }
}

TEST_CASE("global_timestep_schedule: window ends after `steps` steps and bad parameters throw",
          "[policy][schedule][smdm]") {
  const unmask::global_timestep_schedule s{.steps = 3, .eps = 1e-5};
  unmask::row_state st;
  st.window_step = 2;
  CHECK_FALSE(s.window_done(st, 5));
  st.window_step = 3;
  CHECK(s.window_done(st, 5));
  CHECK(s.max_window_steps(100) == 3);

  auto param_of = [](const unmask::global_timestep_schedule& g) {
    try {
      g.validate();
    } catch (const unmask::error& e) {
      CHECK(e.code() == unmask::errc::invalid_argument);
      return e.parameter();
    }
    return std::string("none");
  };
  CHECK(param_of({.steps = 0, .eps = 1e-5}) == "steps");
  CHECK(param_of({.steps = -4, .eps = 1e-5}) == "steps");
  CHECK(param_of({.steps = 4, .eps = 0.0}) == "eps");
  CHECK(param_of({.steps = 4, .eps = 1.0}) == "eps");
  CHECK(param_of({.steps = 4, .eps = std::nan("")}) == "eps");
  CHECK(param_of({.steps = 4, .eps = 1e-5}) == "none");
}
