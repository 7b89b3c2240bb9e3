// unmask: temperature sampling from softmax(logits / T), one Philox uniform per position.
// Inverse CDF: the same distribution as the references' Gumbel-max, one draw not V.
#pragma once

#include <unmask/core/error.hpp>
#include <unmask/kernels/sample_token.hpp>
#include <unmask/policy/noise/token_sampler.hpp>

#include <cmath>
#include <cstdint>

UNMASK_NAMESPACE_BEGIN

/// Samples token v with probability softmax(l / T)_v by inverse CDF: u = U(0,1) at
/// (seed, stream 1, step, row, position); the token is the first v whose cumulative
/// mass exceeds u * Z. LLaDA/Fast-dLLM/SMDM draw a float64 Gumbel per vocabulary
/// entry (`add_gumbel_noise`) and Dream calls Categorical; both sample this same
/// distribution, so outputs match in distribution, not draw for draw. T = 0 is argmax.
/// Concept: token_sampler. One vectorised pass over the row plus the chunk where the
/// target falls, O(V). Deterministic given the seed, identical on every backend.
struct categorical {
  static constexpr bool reads_only_argmax = true;  ///< argmax_token_sampler: the float64 filter keeps its picks
  double temperature = 1.0;
  std::uint64_t seed = 0;
  static constexpr std::uint32_t stream = 1;

  /// The vectorised pass (kernels/sample_token.hpp); `pick_reference`, the scalar
  /// definition, when that pass finds no entry of nonzero weight.
  [[nodiscard]] token_choice pick(std::span<const float> l, const row_stats& s, random_counter where) const noexcept {
    if (temperature <= 0) return {s.top1, s.max1};
    random_counter w = where;
    w.stream = stream;
    const token_choice c = sample_token_simd(l, s.max1, temperature, philox_uniform(seed, w));
    return c.token >= 0 ? c : pick_reference(l, s, where);
  }
  /// The definition: scalar inverse CDF in double.
  [[nodiscard]] token_choice pick_reference(std::span<const float> l, const row_stats& s, random_counter where) const noexcept {
    if (temperature <= 0) return {s.top1, s.max1};
    where.stream = stream;
    const double inv_t = 1.0 / temperature;
    double z = 0;
    for (float x : l) z += std::exp((static_cast<double>(x) - s.max1) * inv_t);
    const double target = philox_uniform(seed, where) * z;
    double acc = 0;
    token_id last = s.top1;
    for (std::size_t v = 0; v < l.size(); ++v) {
      const double e = std::exp((static_cast<double>(l[v]) - s.max1) * inv_t);
      if (e == 0) continue;
      acc += e;
      last = static_cast<token_id>(v);
      if (acc > target) return {last, l[v]};
    }
    return {last, l[static_cast<std::size_t>(last)]};  // rounding left the target unreached
  }
  void validate() const {
    detail::require(temperature >= 0 && std::isfinite(temperature), "temperature", temperature,
                    "must be finite and >= 0");
  }
  friend bool operator==(const categorical&, const categorical&) = default;
};
static_assert(token_sampler<categorical>);

UNMASK_NAMESPACE_END
