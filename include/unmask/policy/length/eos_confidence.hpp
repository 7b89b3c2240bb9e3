// unmask: DAEDAL's EOS confidence of a row, a reusable measure.
// Mean p(EOS) over the last `window` positions that predict EOS, divided by `window`.
#pragma once

#include <unmask/core/config.hpp>
#include <unmask/core/error.hpp>
#include <unmask/core/position_stats.hpp>

#include <span>

UNMASK_NAMESPACE_BEGIN

/// EOS confidence (Li et al., "Beyond Fixed: Variable-Length Denoising for Diffusion
/// Large Language Models" (DAEDAL), 2025, `_calculate_eos_confidence`): scanning the
/// generated positions from the end towards the prompt, take p(EOS) at the first
/// `window` positions whose argmax is EOS (positions predicting something else are
/// skipped, not counted as 0), sum, and divide by `window` — not by how many were
/// found, so a short EOS tail scores low. Every generated position counts: masks,
/// committed tokens and appended EOS alike. `stats` must carry EOS as the tracked token.
/// O(generated length). Deterministic.
struct eos_confidence {
  token_id eos_id = 126081;
  index_t window = 32;

  [[nodiscard]] double operator()(std::span<const position_stats> generated) const noexcept {
    double sum = 0;
    index_t found = 0;
    for (auto i = static_cast<index_t>(generated.size()) - 1; i >= 0 && found < window; --i) {
      const auto& ps = generated[static_cast<std::size_t>(i)];
      if (ps.stats.top1 != eos_id) continue;
      sum += ps.tracked_prob();
      ++found;
    }
    return sum / static_cast<double>(window);
  }
  void validate() const {
    detail::require(eos_id >= 0, "eos_id", eos_id, "must be a token id");
    detail::require(window > 0, "eos_check_tokens", window, "must be positive");
  }
  friend bool operator==(const eos_confidence&, const eos_confidence&) = default;
};

UNMASK_NAMESPACE_END
