// unmask: the geometric noise schedule of RDLM, and the sphere-schedule concept.
// beta(t) = beta_0^(1-t) * beta_f^t and the logarithm-bridge drift coefficient beta(t) / int_t^1 beta.
#pragma once

#include <unmask/core/config.hpp>
#include <unmask/core/error.hpp>

#include <cmath>
#include <concepts>

UNMASK_NAMESPACE_BEGIN

/// A sphere schedule gives the diffusion rate beta(t) (the generative SDE's noise is
/// sqrt(beta(t)) dW) and the drift coefficient gamma(t) scaling the pull toward the
/// predicted vertices, for t in [0, 1).
template <class S>
concept sphere_schedule = requires(const S& s, double t) {
  { s.beta(t) } -> std::convertible_to<double>;
  { s.drift_coefficient(t) } -> std::convertible_to<double>;
  s.validate();
};

/// Geometric schedule (RDLM `scheduler_lib.Geometric`): beta(t) = beta_0^(1-t) beta_f^t,
/// gamma(t) = beta(t) / int_t^1 beta(s) ds = ln r / (r^(1-t) - 1) with r = beta_f / beta_0
/// (1 / (1 - t) when r = 1). gamma blows up like 1 / (1 - t), which is why samplers stop
/// at t = 1 - eps. Concept: sphere_schedule. O(1), deterministic. Defaults are the
/// reference configs' (Jo & Hwang, "Continuous Diffusion Model for Language Modeling",
/// arXiv:2502.11564).
struct geometric_schedule {
  double beta_0 = 1e-3;
  double beta_f = 0.2;

  [[nodiscard]] double beta(double t) const noexcept { return std::pow(beta_0, 1 - t) * std::pow(beta_f, t); }
  [[nodiscard]] double drift_coefficient(double t) const noexcept {
    const double log_r = std::log(beta_f / beta_0);
    if (log_r == 0) return 1 / (1 - t);
    return log_r / std::expm1((1 - t) * log_r);  // expm1: exact near t = 1
  }
  void validate() const {
    detail::require(beta_0 > 0 && std::isfinite(beta_0), "beta_0", beta_0, "must be finite and > 0");
    detail::require(beta_f > 0 && std::isfinite(beta_f), "beta_f", beta_f, "must be finite and > 0");
  }
  friend bool operator==(const geometric_schedule&, const geometric_schedule&) = default;
};
static_assert(sphere_schedule<geometric_schedule>);

UNMASK_NAMESPACE_END
