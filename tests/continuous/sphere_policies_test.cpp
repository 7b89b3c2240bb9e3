// unmask tests: the continuous policies one by one: schedule, priors, the step's
// theta / sin theta, readout, digit splitting, and the Gaussian sources.
#include <unmask/continuous/digit_split.hpp>
#include <unmask/continuous/geodesic_random_walk.hpp>
#include <unmask/continuous/geometric_schedule.hpp>
#include <unmask/continuous/sphere_prior.hpp>
#include <unmask/continuous/sphere_readout.hpp>
#include <unmask/continuous/sphere_state.hpp>
#include <unmask/core/error.hpp>
#include <unmask/policy/noise/philox_gaussian.hpp>
#include <unmask/policy/noise/recorded_gaussian.hpp>
#include <unmask/presets/rdlm.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>
#include <numeric>
#include <string>
#include <vector>

using unmask::index_t;
using unmask::token_id;

TEST_CASE("geometric_schedule: beta and the drift coefficient beta / int_t^1 beta", "[continuous][schedule]") {
  const unmask::geometric_schedule g{};
  CHECK(g.beta(0) == Approx(1e-3).epsilon(1e-12));
  CHECK(g.beta(1) == Approx(0.2).epsilon(1e-12));
  CHECK(g.beta(0.5) == Approx(std::sqrt(1e-3 * 0.2)).epsilon(1e-12));
  for (const double t : {0.0, 0.3, 0.9, 0.999}) {
    double integral = 0;  // midpoint rule for int_t^1 beta
    const int n = 200000;
    for (int i = 0; i < n; ++i) integral += g.beta(t + (1 - t) * (i + 0.5) / n) * (1 - t) / n;
    CHECK(g.drift_coefficient(t) == Approx(g.beta(t) / integral).epsilon(1e-8));
  }
  CHECK(g.drift_coefficient(0) == Approx(std::log(200.0) / 199.0).epsilon(1e-14));
  const unmask::geometric_schedule flat{0.1, 0.1};
  CHECK(flat.drift_coefficient(0.75) == Approx(4.0));
  CHECK(g == unmask::geometric_schedule{1e-3, 0.2});
  CHECK_THROWS_AS((unmask::geometric_schedule{-1, 0.2}.validate()), unmask::error);
}

TEST_CASE("sphere priors: the three start points and the mixture rule", "[continuous][prior]") {
  const index_t v = 27, d = v + 1;
  unmask::sphere_state x(2, 3, v);
  auto norm = [&](index_t r, index_t p) {
    double sq = 0;
    for (float c : x.position(r, p)) sq += double{c} * c;
    return std::sqrt(sq);
  };
  unmask::fixed_prior{unmask::prior_point::mask_vertex}.sample(x.view());
  CHECK(x(1, 2, v) == 1.0f);
  CHECK(x(1, 2, 0) == 0.0f);
  unmask::fixed_prior{unmask::prior_point::uniform_barycentre}.sample(x.view());
  CHECK(x(0, 1, 5) == static_cast<float>(1 / std::sqrt(double(d))));
  CHECK(x(0, 1, v) == x(0, 1, 0));
  CHECK(norm(1, 1) == Approx(1).epsilon(1e-6));
  unmask::fixed_prior{unmask::prior_point::uniform_tokens}.sample(x.view());
  CHECK(x(0, 0, v) == 0.0f);
  CHECK(x(0, 0, 3) == static_cast<float>(std::sqrt(1.0 / v)));
  CHECK(norm(0, 2) == Approx(1).epsilon(1e-6));

  using unmask::mix_type;
  using unmask::prior_point;
  CHECK(unmask::mixture_prior{mix_type::step, 0.0}.start_point() == prior_point::mask_vertex);
  CHECK(unmask::mixture_prior{mix_type::step, 0.35}.start_point() == prior_point::uniform_barycentre);
  CHECK(unmask::mixture_prior{mix_type::linear, 0.0}.start_point() == prior_point::uniform_barycentre);
  CHECK(unmask::mixture_prior{mix_type::sqrt, 0.0}.start_point() == prior_point::uniform_barycentre);
  CHECK(unmask::mixture_prior{mix_type::linear, 0.0}.uniform_probability(0.25) == 0.75);
  CHECK(unmask::mixture_prior{mix_type::sqrt, 0.0}.uniform_probability(0.25) == 0.5);
  CHECK(unmask::mixture_prior{mix_type::step, 0.5}.uniform_probability(0.5) == 0.0);
}

TEST_CASE("geodesic_random_walk: theta / sin theta to float accuracy on the clipped interval", "[continuous][step]") {
  // Against arccos(x) / sqrt(1 - x^2) in double, x in float over the clipped range.
  double worst = 0;
  const float lo = static_cast<float>(-1.0 + 1e-6), hi = static_cast<float>(1.0 - 1e-6);
  auto check = [&](float x) {
    const double xd = x, want = std::acos(xd) / std::sqrt((1 - xd) * (1 + xd));
    worst = std::max(worst, std::fabs(unmask::detail::theta_over_sin(x) - want) / want);
  };
  for (int i = 0; i <= 2000000; ++i) check(lo + (hi - lo) * static_cast<float>(i) / 2000000.0f);
  for (float x = hi; x > 0.999f; x = std::nextafter(x, 0.0f)) check(x);
  for (float x = lo; x < -0.999f; x = std::nextafter(x, 0.0f)) check(x);
  for (const float x : {0.5f, -0.5f, std::nextafter(0.5f, 1.0f), std::nextafter(-0.5f, -1.0f), 0.0f}) check(x);
  INFO("max relative error " << worst);
  CHECK(worst < 5e-7);  // a few float ulps
  CHECK(unmask::detail::theta_over_sin(0.0f) == Approx(std::numbers::pi / 2).epsilon(1e-7));
}

TEST_CASE("geodesic_random_walk: with no noise and a certain model the step follows the geodesic",
          "[continuous][step]") {
  // From the barycentre, with p = e_0 and z = 0, v is along log_x(e_0): x stays in the
  // plane of x and e_0 and moves toward e_0 by angle |v| = gamma dt theta.
  const index_t v = 5, d = v + 1;
  std::vector<float> x(d, static_cast<float>(1 / std::sqrt(double(d)))), z(d, 0.0f),
      scratch(static_cast<std::size_t>(unmask::geodesic_random_walk::scratch_floats(d)));
  std::vector<float> logits(v, -std::numeric_limits<float>::infinity());
  logits[0] = 0;
  const unmask::sphere_step s{0.5, 0.01, 0.0, 2.0};
  const double theta0 = std::acos(x[0]);
  unmask::geodesic_random_walk{}.advance(x, logits, 0.0f, z, s, scratch);
  CHECK(std::acos(double{x[0]}) == Approx(theta0 - 2.0 * 0.01 * theta0).epsilon(1e-6));
  for (index_t k = 2; k < d; ++k) CHECK(x[static_cast<std::size_t>(k)] == x[1]);
  double sq = 0;
  for (float c : x) sq += double{c} * c;
  CHECK(std::sqrt(sq) == Approx(1).epsilon(1e-7));
}

TEST_CASE("sphere_readout: clamp and square and drop the mask with the lowest index on ties", "[continuous][readout]") {
  const unmask::sphere_readout r{};
  const std::vector<float> a{-0.9f, 0.3f, 0.3f, 0.1f, 0.95f};  // mask coordinate largest: ignored
  CHECK(r.token(a, 4) == 1);
  const std::vector<float> b{-0.5f, -0.2f, 0.1f, -0.8f, 0.2f};
  CHECK(r.token(b, 4) == 2);
  const std::vector<float> none{-0.5f, -0.5f, -0.5f, 0.0f, -0.5f};
  CHECK(r.token(none, 4) == 0);
  unmask::sphere_state x(1, 2, 4);
  std::copy(a.begin(), a.end(), x.position(0, 0).begin());
  std::copy(b.begin(), b.end(), x.position(0, 1).begin());
  std::vector<token_id> out(2);
  r.read(x.view(), out);
  CHECK(out == std::vector<token_id>{1, 2});
  std::vector<token_id> wrong(3, -1);
  CHECK_THROWS_AS(r.read(x.view(), wrong), unmask::error);
  CHECK(wrong == std::vector<token_id>(3, -1));
}

TEST_CASE("digit_split: integer digit counts and round trips", "[continuous][digits]") {
  using unmask::digit_split;
  CHECK(digit_split{30522, 3}.digits() == 10);  // RDLM LM1B: BERT vocabulary in base 3
  CHECK(digit_split{27, 3}.digits() == 3);      // exact power: log 27 / log 3 rounds above 3 in double
  CHECK(digit_split{28, 3}.digits() == 4);
  CHECK(digit_split{243, 3}.digits() == 5);
  CHECK(digit_split{2, 2}.digits() == 1);
  CHECK(digit_split{1, 3}.digits() == 0);
  CHECK(digit_split{126464, 3}.digits() == 11);
  CHECK(digit_split{151936, 16}.digits() == 5);
  CHECK(digit_split{2147483647, 2}.digits() == 31);
  for (index_t p = 1; p <= 19; ++p) {  // every power of 3 below 2^31 and its neighbours
    index_t pw = 1;
    for (index_t j = 0; j < p; ++j) pw *= 3;
    CHECK(digit_split{pw, 3}.digits() == p);
    CHECK(digit_split{pw + 1, 3}.digits() == p + 1);
    CHECK(digit_split{pw - 1, 3}.digits() == p);
  }

  const digit_split ds{30522, 3};
  std::vector<token_id> digits(10);
  ds.split(30521, digits);
  // 30521 = 1 1 2 1 1 0 2 1 1 1 (little endian): check by value
  index_t value = 0, place = 1;
  for (token_id dg : digits) value += dg * place, place *= 3;
  CHECK(value == 30521);
  for (token_id t = 0; t < 30522; t += 7) {
    ds.split(t, digits);
    for (token_id dg : digits) REQUIRE((dg >= 0 && dg < 3));
    REQUIRE(ds.join(digits) == t);
  }
  const std::vector<token_id> seq{0, 1, 2, 30521, 101, 102};
  std::vector<token_id> sub(seq.size() * 10), back(seq.size());
  ds.split_sequence(seq, sub);
  CHECK(sub[10] == 1);  // token 1's lowest digit
  ds.join_sequence(sub, back);
  CHECK(back == seq);
  std::vector<token_id> top(10, 2);  // 3^10 - 1 = 59048: spelled, outside the vocabulary
  CHECK(ds.join(top) == 59048);
  CHECK_FALSE(ds.in_vocabulary(59048));
}

TEST_CASE("digit_split: bad input throws naming the value", "[continuous][digits][errors]") {
  using unmask::digit_split;
  std::vector<token_id> digits(10, 0);
  auto message = [](auto&& f) {
    try {
      f();
    } catch (const unmask::error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(message([&] { digit_split{30522, 1}.validate(); }) == "base = 1: must be in [2, 2^31 - 1]");
  CHECK(message([&] { digit_split{0, 3}.validate(); }) == "vocab = 0: must be in [1, 2^31 - 1]");
  CHECK(message([&] { digit_split{2147483647, 3}.validate(); }).rfind("base^digits() = ", 0) == 0);
  CHECK(message([&] { digit_split{30522, 3}.split(30522, digits); }) == "token = 30522: must be in [0, vocab)");
  CHECK(message([&] { digit_split{30522, 3}.split(-1, digits); }) == "token = -1: must be in [0, vocab)");
  digits[4] = 3;
  CHECK(message([&] { (void)digit_split{30522, 3}.join(digits); }) == "digit = 3: must be in [0, base)");
  std::vector<token_id> out(2, -7);
  CHECK(message([&] { digit_split{30522, 3}.join_sequence(std::vector<token_id>(20, 0), out); }) == "no error");
  std::vector<token_id> sub(20, 1);
  sub[17] = 5;
  out.assign(2, -7);
  CHECK(message([&] { digit_split{30522, 3}.join_sequence(sub, out); }) == "digit = 5: must be in [0, base)");
  CHECK(out == std::vector<token_id>(2, -7));  // untouched
}

TEST_CASE("gaussian sources: Philox draws are addressed and recorded draws are views", "[continuous][noise]") {
  const unmask::philox_gaussian g{42};
  std::vector<float> a(1000), b(1000);
  const auto da = g.draw({3, 1, 5, 0}, a);
  const auto db = g.draw({3, 1, 5, 77}, b);  // `flat` does not enter Philox's address
  CHECK(std::equal(da.begin(), da.end(), db.begin()));
  CHECK(da.data() == a.data());
  const double mean = std::accumulate(a.begin(), a.end(), 0.0) / 1000;
  double var = 0;
  for (float x : a) var += (x - mean) * (x - mean);
  var /= 999;
  CHECK(std::fabs(mean) < 0.15);  // 1000 draws: 4.7 standard errors
  CHECK(std::fabs(var - 1) < 0.2);
  std::vector<float> c(1000);
  g.draw({4, 1, 5, 0}, c);
  CHECK_FALSE(std::equal(a.begin(), a.end(), c.begin()));
  CHECK(a[7] == static_cast<float>(unmask::philox_normal(42, {unmask::philox_gaussian::stream, 3, 1, 5}, 7)));

  std::vector<float> rec(2 * 3 * 4);
  std::iota(rec.begin(), rec.end(), 0.0f);
  std::vector<std::span<const float>> steps{rec, rec};
  const unmask::recorded_gaussian r{steps};
  std::vector<float> scratch(4);
  const auto view = r.draw({1, 1, 0, 3}, scratch);  // flat position 3 of [2][3]
  CHECK(view.data() == rec.data() + 12);
  CHECK(view.size() == 4);
  CHECK_NOTHROW(r.validate(2, 2, 3, 4));
  CHECK_THROWS_AS(r.validate(3, 2, 3, 4), unmask::error);
}

TEST_CASE("rdlm preset: the reference defaults", "[continuous][preset]") {
  const auto s = unmask::rdlm();
  CHECK(s.steps == 256);
  CHECK(s.eps == 1e-5);
  CHECK(s.schedule == unmask::geometric_schedule{1e-3, 0.2});
  CHECK(s.prior == unmask::mixture_prior{unmask::mix_type::step, 0.0});
  CHECK(s.predictor.clip_eps == 1e-6);
  CHECK(s.step_size() == (1 - 1e-5) / 256);
  CHECK(s.time(256) == static_cast<float>(1 - 1e-5));
  CHECK(s == unmask::rdlm(256));
  CHECK_FALSE(s == unmask::rdlm(128));
}
