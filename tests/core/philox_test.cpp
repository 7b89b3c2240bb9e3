// Philox4x32-10: Random123 known-answer vectors, uniform range and determinism.
#include <unmask/core/philox.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <set>

namespace {

using words = unmask::philox4x32::counter_type;

}  // namespace

TEST_CASE("philox4x32-10 matches the Random123 known-answer vectors", "[core][philox]") {
  using unmask::philox4x32;
  // kat_vectors from Random123 1.14 (philox4x32_10).
  CHECK(philox4x32::draw({0, 0}, {0, 0, 0, 0}) == words{0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u});
  CHECK(philox4x32::draw({0xffffffffu, 0xffffffffu}, {0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu}) ==
        words{0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu});
  CHECK(philox4x32::draw({0xa4093822u, 0x299f31d0u}, {0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u}) ==
        words{0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u});
}

TEST_CASE("philox4x32::draw is usable in constant expressions", "[core][philox]") {
  constexpr auto w = unmask::philox4x32::draw({0, 0}, {0, 0, 0, 0});
  static_assert(w[0] == 0x6627e8d5u && w[3] == 0x9b00dbd8u);
  CHECK(w[1] == 0xe169c58du);
}

TEST_CASE("philox_uniform lies strictly inside (0, 1)", "[core][philox]") {
  double lo = 1.0, hi = 0.0, sum = 0.0;
  constexpr int n = 20000;
  for (int i = 0; i < n; ++i) {
    const unmask::random_counter c{.stream = 1,
                                   .step = static_cast<std::uint32_t>(i / 100),
                                   .row = 0,
                                   .position = static_cast<std::uint32_t>(i % 100)};
    const double u = unmask::philox_uniform(42, c);
    REQUIRE(u > 0.0);
    REQUIRE(u < 1.0);
    lo = u < lo ? u : lo;
    hi = u > hi ? u : hi;
    sum += u;
  }
  CHECK(lo < 0.001);
  CHECK(hi > 0.999);
  CHECK(sum / n == Approx(0.5).margin(0.01));
}

TEST_CASE("philox draws are a pure function of (seed, counter, index)", "[core][philox]") {
  const unmask::random_counter c{.stream = 3, .step = 7, .row = 2, .position = 11};
  CHECK(unmask::philox_uniform(123, c, 5) == unmask::philox_uniform(123, c, 5));
  CHECK(unmask::philox_words(123, c, 5) == unmask::philox_words(123, c, 5));
  CHECK(unmask::philox_normal(123, c, 5) == unmask::philox_normal(123, c, 5));

  // Changing any single field of the address changes the draw.
  std::set<double> seen;
  seen.insert(unmask::philox_uniform(123, c, 5));
  seen.insert(unmask::philox_uniform(124, c, 5));
  seen.insert(unmask::philox_uniform(123, c, 6));
  seen.insert(unmask::philox_uniform(123, {.stream = 4, .step = 7, .row = 2, .position = 11}, 5));
  seen.insert(unmask::philox_uniform(123, {.stream = 3, .step = 8, .row = 2, .position = 11}, 5));
  seen.insert(unmask::philox_uniform(123, {.stream = 3, .step = 7, .row = 3, .position = 11}, 5));
  seen.insert(unmask::philox_uniform(123, {.stream = 3, .step = 7, .row = 2, .position = 12}, 5));
  seen.insert(unmask::philox_uniform(std::uint64_t{123} | (std::uint64_t{1} << 40), c, 5));
  CHECK(seen.size() == 8);
}
