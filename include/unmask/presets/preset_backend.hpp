// unmask: the stats backend every preset uses: the vectorised kernel at the reference's precision.
// Entropy is skipped for score rules known not to read it.
#pragma once

#include <unmask/kernels/simd_backend.hpp>
#include <unmask/policy/score/low_confidence.hpp>
#include <unmask/policy/score/margin_score.hpp>
#include <unmask/policy/score/random_score.hpp>

#include <type_traits>

UNMASK_NAMESPACE_BEGIN
namespace presets {

/// `simd_backend` with float64 accumulation when the reference computes its softmax in
/// float64 (Fast-dLLM, SMDM) and float32 otherwise (LLaDA, Dream, DAEDAL), computing the
/// entropy only for score rules that may read it (any rule but the library's
/// low_confidence, margin_score and random_score). float64 runs the float64 decision
/// filter (simd_backend::float64_filter: float64 decisions at about float32's cost).
/// Decisions equal the portable backend's on every recorded reference run (the golden
/// traces hinge on no precision).
template <class Score>
[[nodiscard]] constexpr simd_backend preset_backend(bool float64) noexcept {
  constexpr bool no_entropy = std::is_same_v<Score, low_confidence> || std::is_same_v<Score, margin_score> ||
                              std::is_same_v<Score, random_score>;
  return simd_backend{.float64 = float64, .float64_filter = float64, .entropy = !no_entropy};
}

}  // namespace presets
UNMASK_NAMESPACE_END
