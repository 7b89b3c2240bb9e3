// unmask: standard normal draws from the library's Philox, one per sphere coordinate.
// Addressed by (seed, step, row, position, coordinate): the same on every backend, in any order.
#pragma once

#include <unmask/core/config.hpp>
#include <unmask/core/philox.hpp>
#include <unmask/policy/noise/gaussian_source.hpp>

#include <cstdint>
#include <span>

UNMASK_NAMESPACE_BEGIN

/// Draw c of position (row, p) at step k is `philox_normal(seed, {stream, k, row, p}, c)`
/// (Box-Muller on one Philox4x32-10 block), rounded to float. Concept: gaussian_source.
/// O(D) per position, no state, no allocation. Deterministic: bitwise identical for a
/// given seed whatever the thread count or evaluation order. RDLM's reference draws
/// `torch.randn`, so runs match the reference in distribution, not draw for draw (the
/// golden traces feed the reference's draws through `recorded_gaussian`).
struct philox_gaussian {
  std::uint64_t seed = 0;
  /// Philox key stream of the continuous samplers' Gaussian draws ("RDLM").
  static constexpr std::uint32_t stream = 0x52444C4Du;

  std::span<const float> draw(noise_address a, std::span<float> scratch) const noexcept {
    const random_counter where{stream, static_cast<std::uint32_t>(a.step), static_cast<std::uint32_t>(a.row),
                               static_cast<std::uint32_t>(a.position)};
    const std::size_t n = scratch.size();
    for (std::size_t c = 0; c < n; ++c) {
      scratch[c] = static_cast<float>(philox_normal(seed, where, static_cast<std::uint32_t>(c)));
    }
    return scratch;
  }
  friend bool operator==(const philox_gaussian&, const philox_gaussian&) = default;
};
static_assert(gaussian_source<philox_gaussian>);

UNMASK_NAMESPACE_END
