// unmask: bfloat16, a 16-bit storage type for logits (the top half of a float32).
// Converts to float exactly; from float with round-to-nearest-even.
#pragma once

#include <unmask/core/config.hpp>

#include <bit>
#include <cstdint>
#include <limits>

UNMASK_NAMESPACE_BEGIN

/// bfloat16 logits as models emit them (1 sign, 8 exponent, 7 mantissa bits): storage
/// only, no arithmetic. `to_float()` is exact (a shift); `from_float` rounds to nearest
/// even and keeps NaN a (quiet) NaN. Equality compares bits.
struct bfloat16 {
  std::uint16_t bits = 0;

  [[nodiscard]] static constexpr bfloat16 from_bits(std::uint16_t b) noexcept { return bfloat16{b}; }
  [[nodiscard]] static constexpr bfloat16 from_float(float f) noexcept {
    const std::uint32_t u = std::bit_cast<std::uint32_t>(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) return bfloat16{static_cast<std::uint16_t>((u >> 16) | 0x0040u)};  // NaN
    const std::uint32_t round = 0x7fffu + ((u >> 16) & 1u);
    return bfloat16{static_cast<std::uint16_t>((u + round) >> 16)};
  }
  [[nodiscard]] static constexpr bfloat16 infinity() noexcept { return bfloat16{0x7f80u}; }
  [[nodiscard]] constexpr float to_float() const noexcept {
    return std::bit_cast<float>(static_cast<std::uint32_t>(bits) << 16);
  }
  [[nodiscard]] explicit constexpr operator float() const noexcept { return to_float(); }

  friend constexpr bool operator==(const bfloat16&, const bfloat16&) = default;
};
static_assert(sizeof(bfloat16) == 2);

UNMASK_NAMESPACE_END
