// unmask: where a hypersphere sampler starts (t = 0), and the sphere-prior concept.
// Models: fixed_prior (mask vertex, uniform barycentre, uniform over tokens) and RDLM's mixture_prior.
#pragma once

#include <unmask/continuous/sphere_state.hpp>
#include <unmask/core/config.hpp>
#include <unmask/core/error.hpp>

#include <algorithm>
#include <cmath>
#include <concepts>
#include <span>

UNMASK_NAMESPACE_BEGIN

/// A sphere prior writes the t = 0 state: every position of `state` on the unit sphere.
/// `validate()` throws `unmask::error` for bad parameters.
template <class P>
concept sphere_prior = requires(const P& p, sphere_view state) {
  p.sample(state);
  p.validate();
};

/// The three starting points of RDLM's priors (D = vocab + 1 coordinates).
enum class prior_point {
  mask_vertex,         ///< e_mask: every position fully masked (`Mixture` mask state, `Initial` rlambda=0)
  uniform_barycentre,  ///< (1/sqrt D) * 1, mask coordinate included (`Mixture` uniform state)
  uniform_tokens,      ///< sqrt(1/vocab) on tokens, 0 on the mask (`Initial` rlambda=1)
};

/// Writes `point` into one position's D-vector (x.size() == vocab + 1).
inline void write_prior_point(prior_point point, std::span<float> x) noexcept {
  const std::size_t d = x.size();
  if (d == 0) return;
  switch (point) {
    case prior_point::mask_vertex:
      std::fill(x.begin(), x.end(), 0.0f);
      x[d - 1] = 1.0f;
      break;
    case prior_point::uniform_barycentre:
      std::fill(x.begin(), x.end(), static_cast<float>(1.0 / std::sqrt(static_cast<double>(d))));
      break;
    case prior_point::uniform_tokens:
      std::fill(x.begin(), x.end(), static_cast<float>(std::sqrt(1.0 / static_cast<double>(d - 1))));
      x[d - 1] = 0.0f;
      break;
  }
}

/// Starts every position at one fixed point. Concept: sphere_prior. O(B L D) writes,
/// no randomness.
struct fixed_prior {
  prior_point point = prior_point::mask_vertex;

  void sample(sphere_view state) const noexcept {
    for (index_t i = 0; i < state.positions(); ++i) write_prior_point(point, state.flat(i));
  }
  void validate() const {
    const int p = static_cast<int>(point);
    detail::require(p >= 0 && p <= 2, "point", p, "must be a prior_point enumerator");
  }
  friend bool operator==(const fixed_prior&, const fixed_prior&) = default;
};
static_assert(sphere_prior<fixed_prior>);

/// RDLM's mixture-path probability of starting from the uniform point (`mixture_prob`).
enum class mix_type {
  linear,  ///< 1 - t
  sqrt,    ///< 1 - sqrt(t)
  step,    ///< 1 if t < step_thr else 0
};

/// RDLM's prior for the mixture path (`sde.LogBridge_Mixture.prior_sample` with
/// `distribution.Mixture`): each row starts at the uniform barycentre with probability
/// `uniform_probability(0)` and at the mask vertex otherwise. At t = 0 that probability
/// is exactly 0 or 1 for every `mix_type` (linear and sqrt: 1; step: 1 iff step_thr > 0),
/// so the reference's Bernoulli draw is deterministic and this prior needs no
/// randomness. Defaults are the repository's `configs/sde/mixture.yaml` (step,
/// step_thr = 0: fully masked start); a step_thr > 0 (the released Text8 / LM1B runs use
/// 0.35 / 0.38) starts at the barycentre. Concept: sphere_prior. O(B L D) writes.
/// Jo & Hwang, arXiv:2502.11564, mixture path.
struct mixture_prior {
  mix_type type = mix_type::step;
  double step_thr = 0.0;

  /// mixture_prob(t): the probability of the uniform branch at time t.
  [[nodiscard]] double uniform_probability(double t) const noexcept {
    switch (type) {
      case mix_type::linear:
        return 1 - t;
      case mix_type::sqrt:
        return 1 - std::sqrt(t);
      case mix_type::step:
        return t < step_thr ? 1.0 : 0.0;
    }
    return 0;
  }
  /// The point every row starts from at t = 0.
  [[nodiscard]] prior_point start_point() const noexcept {
    return uniform_probability(0.0) >= 1.0 ? prior_point::uniform_barycentre : prior_point::mask_vertex;
  }
  void sample(sphere_view state) const noexcept { fixed_prior{start_point()}.sample(state); }
  void validate() const {
    const int m = static_cast<int>(type);
    detail::require(m >= 0 && m <= 2, "mix_type", m, "must be linear, sqrt or step");
    detail::require(std::isfinite(step_thr), "step_thr", step_thr, "must be finite");
  }
  friend bool operator==(const mixture_prior&, const mixture_prior&) = default;
};
static_assert(sphere_prior<mixture_prior>);

UNMASK_NAMESPACE_END
