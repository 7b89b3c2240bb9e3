// unmask: float16 (IEEE binary16), a 16-bit storage type for logits.
// Converts to float exactly; from float with round-to-nearest-even.
#pragma once

#include <unmask/core/config.hpp>

#include <bit>
#include <cstdint>

UNMASK_NAMESPACE_BEGIN

/// IEEE 754 binary16 logits (1 sign, 5 exponent, 10 mantissa bits): storage only, no
/// arithmetic. `to_float()` is exact (subnormals included); `from_float` rounds to
/// nearest even, overflows to infinity and keeps NaN a (quiet) NaN. Portable bit
/// manipulation; the vectorised kernels convert with F16C where the CPU has it.
/// Equality compares bits.
struct float16 {
  std::uint16_t bits = 0;

  [[nodiscard]] static constexpr float16 from_bits(std::uint16_t b) noexcept { return float16{b}; }
  [[nodiscard]] static constexpr float16 infinity() noexcept { return float16{0x7c00u}; }

  [[nodiscard]] constexpr float to_float() const noexcept {
    const std::uint32_t sign = static_cast<std::uint32_t>(bits & 0x8000u) << 16;
    const std::uint32_t exp = (bits >> 10) & 0x1fu;
    std::uint32_t man = bits & 0x3ffu;
    if (exp == 0x1f) return std::bit_cast<float>(sign | 0x7f800000u | (man << 13));  // inf / NaN
    if (exp != 0) return std::bit_cast<float>(sign | ((exp + 112u) << 23) | (man << 13));
    if (man == 0) return std::bit_cast<float>(sign);  // +-0
    // Subnormal: value = man * 2^-24, normalise into a float.
    std::uint32_t e = 113u;  // float exponent field of 2^-14
    for (int guard = 0; guard < 10 && (man & 0x400u) == 0; ++guard) {
      man <<= 1;
      e -= 1;
    }
    return std::bit_cast<float>(sign | (e << 23) | ((man & 0x3ffu) << 13));
  }
  [[nodiscard]] explicit constexpr operator float() const noexcept { return to_float(); }

  [[nodiscard]] static constexpr float16 from_float(float f) noexcept {
    const std::uint32_t u = std::bit_cast<std::uint32_t>(f);
    const auto sign = static_cast<std::uint16_t>((u >> 16) & 0x8000u);
    const std::uint32_t a = u & 0x7fffffffu;
    if (a > 0x7f800000u) return float16{static_cast<std::uint16_t>(sign | 0x7e00u | ((a >> 13) & 0x3ffu))};  // NaN
    if (a >= 0x477ff000u) return float16{static_cast<std::uint16_t>(sign | 0x7c00u)};  // rounds to >= 2^16: inf
    if (a >= 0x38800000u) {                                                            // normal half (>= 2^-14)
      const std::uint32_t r = a + 0xfffu + ((a >> 13) & 1u) - (112u << 23);
      return float16{static_cast<std::uint16_t>(sign | (r >> 13))};
    }
    if (a < 0x33000000u) return float16{sign};  // below half of the smallest subnormal: +-0
    // Subnormal half: shift the full mantissa right and round to nearest even.
    const std::uint32_t e = a >> 23;                        // 102 .. 112
    const std::uint32_t man = (a & 0x7fffffu) | 0x800000u;  // 24 bits
    const std::uint32_t shift = 126u - e;                   // 14 .. 24
    const std::uint32_t half = 1u << (shift - 1);
    std::uint32_t q = man >> shift;
    const std::uint32_t rem = man & ((1u << shift) - 1u);
    if (rem > half || (rem == half && (q & 1u))) q += 1;
    return float16{static_cast<std::uint16_t>(sign | q)};
  }

  friend constexpr bool operator==(const float16&, const float16&) = default;
};
static_assert(sizeof(float16) == 2);

UNMASK_NAMESPACE_END
