// unmask: statistics every sampler run returns.
// Model calls, steps, commits, and the length figures DAEDAL reports.
#pragma once

#include <unmask/core/config.hpp>

#include <vector>

UNMASK_NAMESPACE_BEGIN

/// Counters of one run. `model_calls` counts model evaluations the way the references
/// count them (a CFG step is one evaluation even when served as two calls);
/// `forward_calls` counts invocations of the model callable.
struct run_stats {
  index_t model_calls = 0;
  index_t forward_calls = 0;
  index_t steps = 0;               ///< denoising steps (model_calls minus length-policy calls)
  index_t committed = 0;           ///< tokens committed
  index_t token_evaluations = 0;   ///< sum over calls of the rows' lengths (positions the model ran)
  index_t length_calls = 0;        ///< model calls made by the length policy before denoising
  index_t expansions = 0;          ///< length growth events before denoising (DAEDAL Stage 1)
  index_t insertions = 0;          ///< mask insertions during denoising (DAEDAL Stage 2)
  index_t refined = 0;             ///< scores the float64 decision filter recomputed in float64
  std::vector<index_t> final_length;      ///< per row: generated length at the end
  std::vector<index_t> effective_length;  ///< per row: generated tokens up to and including the first EOS
  index_t total_tokens() const noexcept {
    index_t s = 0;
    for (auto v : final_length) s += v;
    return s;
  }
  index_t effective_tokens() const noexcept {
    index_t s = 0;
    for (auto v : effective_length) s += v;
    return s;
  }
  /// effective / total over the whole batch (0 when nothing was generated).
  double effective_ratio() const noexcept {
    const auto t = total_tokens();
    return t == 0 ? 0.0 : static_cast<double>(effective_tokens()) / static_cast<double>(t);
  }
};

UNMASK_NAMESPACE_END
