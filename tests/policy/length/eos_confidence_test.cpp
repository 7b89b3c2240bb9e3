// unmask tests: DAEDAL's EOS confidence measure.
#include <unmask/policy/length/eos_confidence.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

namespace {

// A position that predicts `top` and gives EOS (token 9) probability `p_eos`.
unmask::position_stats at(unmask::token_id top, double p_eos) {
  unmask::position_stats ps;
  ps.stats.top1 = top;
  ps.stats.lse = 0.0;
  ps.tracked_logit = std::log(p_eos);
  return ps;
}

}  // namespace

TEST_CASE("eos_confidence sums p(EOS) over the last EOS predictions and divides by the window",
          "[policy][length][eos_confidence]") {
  const unmask::eos_confidence m{.eos_id = 9, .window = 4};
  // positions (generated part), last first: EOS .9, other, EOS .8, EOS .7, EOS .6, EOS .5
  std::vector<unmask::position_stats> g{at(9, 0.5), at(9, 0.6), at(9, 0.7), at(9, 0.8), at(3, 0.2), at(9, 0.9)};
  // scan from the end: .9, (skip), .8, .7, .6 -> 4 found, stop before .5
  CHECK(m(g) == Approx((0.9 + 0.8 + 0.7 + 0.6) / 4));
}

TEST_CASE("eos_confidence counts missing EOS predictions as zero", "[policy][length][eos_confidence]") {
  const unmask::eos_confidence m{.eos_id = 9, .window = 8};
  std::vector<unmask::position_stats> g{at(1, 0.9), at(9, 1.0), at(9, 1.0)};
  CHECK(m(g) == Approx(2.0 / 8));
  CHECK(m(std::vector<unmask::position_stats>{}) == 0.0);
}

TEST_CASE("eos_confidence rejects a non-positive window", "[policy][length][eos_confidence]") {
  const unmask::eos_confidence m{.eos_id = 9, .window = 0};
  REQUIRE_THROWS_AS(m.validate(), unmask::error);
  try {
    m.validate();
  } catch (const unmask::error& e) {
    CHECK(e.parameter() == "eos_check_tokens");
  }
}
