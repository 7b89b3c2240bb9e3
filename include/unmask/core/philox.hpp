// unmask: Philox4x32-10 counter-based random numbers.
// A draw is a pure function of (seed, counter): identical on CPU and GPU, any thread order.
#pragma once

#include <unmask/core/config.hpp>

#include <array>
#include <cmath>
#include <cstdint>

UNMASK_NAMESPACE_BEGIN

/// Philox4x32 with 10 rounds (Salmon et al., "Parallel random numbers: as easy as
/// 1, 2, 3", SC'11). Stateless: `philox4x32::draw(key, counter)` returns four 32-bit
/// words. The library addresses draws by (seed, stream, step, row, position, index),
/// see `random_counter`, so results never depend on evaluation order or thread count.
struct philox4x32 {
  using counter_type = std::array<std::uint32_t, 4>;
  using key_type = std::array<std::uint32_t, 2>;

  UNMASK_HOST_DEVICE static constexpr counter_type draw(key_type key, counter_type ctr) noexcept {
    constexpr std::uint32_t m0 = 0xD2511F53u, m1 = 0xCD9E8D57u;
    constexpr std::uint32_t w0 = 0x9E3779B9u, w1 = 0xBB67AE85u;
    for (int round = 0; round < 10; ++round) {
      const std::uint64_t p0 = std::uint64_t{m0} * ctr[0];
      const std::uint64_t p1 = std::uint64_t{m1} * ctr[2];
      ctr = {static_cast<std::uint32_t>(p1 >> 32) ^ ctr[1] ^ key[0], static_cast<std::uint32_t>(p1),
             static_cast<std::uint32_t>(p0 >> 32) ^ ctr[3] ^ key[1], static_cast<std::uint32_t>(p0)};
      key[0] += w0;
      key[1] += w1;
    }
    return ctr;
  }
};

/// Where a draw sits in a sampler run. The Philox key is (seed, stream) and the
/// counter (index, position, row, step), so every field has its own 32 bits and two
/// distinct addresses never share a draw. `index` numbers draws within a position
/// (vocabulary entry, sphere coordinate...).
struct random_counter {
  std::uint32_t stream = 0;    ///< which policy draws (see each policy's docs)
  std::uint32_t step = 0;      ///< model call / step number
  std::uint32_t row = 0;       ///< batch row
  std::uint32_t position = 0;  ///< position in the row
};

/// The four Philox words at (seed, counter, index).
UNMASK_HOST_DEVICE constexpr philox4x32::counter_type philox_words(std::uint64_t seed, random_counter c,
                                                                   std::uint32_t index) noexcept {
  const philox4x32::key_type key{static_cast<std::uint32_t>(seed),
                                 static_cast<std::uint32_t>(seed >> 32) ^ (c.stream * 0x9E3779B9u)};
  return philox4x32::draw(key, {index, c.position, c.row, c.step});
}

/// Uniform double in (0, 1) from 53 random bits; never 0 or 1, so `-log(u)` and
/// `log(-log(u))` are finite.
UNMASK_HOST_DEVICE constexpr double philox_uniform(std::uint64_t seed, random_counter c,
                                                   std::uint32_t index = 0) noexcept {
  const auto w = philox_words(seed, c, index);
  const std::uint64_t bits = (std::uint64_t{w[0]} << 21) ^ std::uint64_t{w[1]};
  return (static_cast<double>(bits & ((std::uint64_t{1} << 53) - 1)) + 0.5) * 0x1.0p-53;
}

/// Standard normal draw (Box-Muller on words 2 and 3 at the same address).
UNMASK_HOST_DEVICE inline double philox_normal(std::uint64_t seed, random_counter c, std::uint32_t index = 0) noexcept {
  const auto w = philox_words(seed, c, index);
  const double u1 = (static_cast<double>(w[2]) + 0.5) * 0x1.0p-32;
  const double u2 = (static_cast<double>(w[3]) + 0.5) * 0x1.0p-32;
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586476925 * u2);
}

UNMASK_NAMESPACE_END
