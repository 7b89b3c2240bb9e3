// unmask: RDLM's Euler-Maruyama step on the hypersphere (predictor `grw`), and the predictor concept.
// x <- exp_x(sqrt(beta dt) z + gamma dt E_p[log_x(e_k)]), one position at a time.
#pragma once

#include <unmask/core/config.hpp>
#include <unmask/core/error.hpp>

#include <cmath>
#include <concepts>
#include <cstddef>
#include <span>

UNMASK_NAMESPACE_BEGIN

/// The per-step constants a sphere predictor needs (the sampler computes them once per
/// step from its schedule): time t, step size dt, diffusion rate beta(t), drift
/// coefficient gamma(t).
struct sphere_step {
  double t = 0;
  double dt = 0;
  double beta = 0;
  double drift_coefficient = 0;
};

/// A sphere predictor moves one position: `advance(x, logits, logit_max, z, step, scratch)`
/// updates the D-vector `x` in place from the model's `vocab = D - 1` logits (whose
/// maximum, finite, is `logit_max`) and the D standard normal draws `z`, using
/// `scratch_floats(D)` floats of scratch. It never allocates.
template <class P>
concept sphere_predictor = requires(const P& p, std::span<float> x, std::span<const float> logits, float logit_max,
                                    std::span<const float> z, const sphere_step& s, std::span<float> scratch,
                                    index_t dim) {
  { p.scratch_floats(dim) } -> std::convertible_to<index_t>;
  p.advance(x, logits, logit_max, z, s, scratch);
  p.validate();
};

namespace detail {

/// theta / sin(theta) with theta = arccos(x), for x in (-1, 1), in float. asin(s) =
/// s (1 + s^2 P(s^2)) on s in [0, 1/2] (P: degree-4 minimax fit, relative error of asin
/// below 5e-9), with the half-angle identity above |x| = 1/2; sin(theta) = sqrt(1 - x^2)
/// is factored so that the x -> 1 limit (1) needs no division by a vanishing sine.
/// Branch-free, so the calling loop vectorises.
[[nodiscard]] inline float theta_over_sin(float x) noexcept {
  constexpr float pi = 3.14159265358979f, half_pi = 1.57079632679490f;
  const float ax = std::fabs(x);
  const bool small = ax <= 0.5f;
  const float z = small ? x * x : 0.5f * (1.0f - ax);
  const float q = 1.0f + z * (1.666675393e-01f +
                              z * (7.495241770e-02f + z * (4.547709886e-02f + z * (2.414760110e-02f + z * 4.221856655e-02f))));
  const float s = std::sqrt(z);
  const float root = std::sqrt(2.0f * (1.0f + ax));
  const float num = small ? half_pi - x * q : (x > 0 ? 2.0f * q : pi - 2.0f * s * q);
  const float den = small ? std::sqrt(1.0f - z) : (x > 0 ? root : s * root);
  return num / den;
}

}  // namespace detail

/// Geodesic random walk: RDLM's Euler-Maruyama predictor on S^(D-1) (`sampling.py`
/// `EulerMaruyamaPredictor`, drift from `model/utils.py::get_drift_fn`). For one position,
/// with p = [softmax(logits), 0] (no mass on the mask coordinate):
///
///     theta_k = arccos(clip(x_k, -1 + clip_eps, 1 - clip_eps)),  w_k = p_k theta_k / sin theta_k
///     d = gamma(t) (w - <w,x> x), projected to T_x:  d <- d - (<x,d> / <x,x>) x
///     v = sqrt(beta(t)) z sqrt(dt) + d dt,         projected to T_x the same way
///     x <- cos|v| x + (sin|v| / |v|) v
///
/// d is the posterior mean of the logarithm-bridge drift gamma(t) log_x(e_k). The two
/// projections and the norm are folded into six inner products (accumulated in double),
/// so a position costs two passes over its D floats plus one over its logits, and
/// D floats of scratch (the unnormalised w). Per-coordinate terms are float like the
/// reference, inner products and the final combination double; `x` is not renormalised
/// (neither is the reference's), it stays on the sphere to float rounding.
/// Concept: sphere_predictor. O(D) per position, no allocation, deterministic
/// (sequential order). Jo & Hwang, arXiv:2502.11564.
struct geodesic_random_walk {
  /// Clip of x_k before arccos (the reference's `weighted_sum(eps=1e-6)`), applied in float.
  double clip_eps = 1e-6;

  [[nodiscard]] static constexpr index_t scratch_floats(index_t dim) noexcept { return dim; }

  void advance(std::span<float> x, std::span<const float> logits, float logit_max, std::span<const float> z,
               const sphere_step& s, std::span<float> scratch) const noexcept {
    const std::size_t vocab = logits.size(), dim = x.size();
    const float hi = static_cast<float>(1.0 - clip_eps), lo = static_cast<float>(-1.0 + clip_eps);
    float* const w = scratch.data();
    // Pass 1: unnormalised w'_k = e^(l_k - max) theta_k / sin theta_k and the inner products.
    double sum_e = 0, wx = 0, xx = 0, xz = 0, zz = 0, ww = 0, zw = 0;
    for (std::size_t k = 0; k < vocab; ++k) {
      const float xk = x[k], zk = z[k];
      const float e = std::exp(logits[k] - logit_max);
      const float c = xk < lo ? lo : (xk > hi ? hi : xk);
      const float wk = e * detail::theta_over_sin(c);
      w[k] = wk;
      sum_e += e;
      wx += static_cast<double>(wk) * xk;
      xx += static_cast<double>(xk) * xk;
      xz += static_cast<double>(xk) * zk;
      zz += static_cast<double>(zk) * zk;
      ww += static_cast<double>(wk) * wk;
      zw += static_cast<double>(zk) * wk;
    }
    for (std::size_t k = vocab; k < dim; ++k) {  // the mask coordinate: p = 0
      const double xk = x[k], zk = z[k];
      w[k] = 0;
      xx += xk * xk;
      xz += xk * zk;
      zz += zk * zk;
    }
    // v = sigma z + cw w' - cx x is the projected step; |v|^2 from the inner products.
    const double sigma = std::sqrt(s.beta) * std::sqrt(s.dt);
    const double cw = s.drift_coefficient * s.dt / sum_e;
    const double cx = (cw * wx + sigma * xz) / xx;
    const double vv = sigma * sigma * zz + cw * cw * ww + cx * cx * xx + 2 * sigma * cw * zw - 2 * sigma * cx * xz -
                      2 * cw * cx * wx;
    const double n2 = vv > 0 ? vv : 0.0, n = std::sqrt(n2);
    // cos n and sin n / n; Taylor below n^2 = 1e-12, where both are exact in double.
    const double cos_n = n2 < 1e-12 ? 1 - n2 / 2 : std::cos(n);
    const double sinc_n = n2 < 1e-12 ? 1 - n2 / 6 : std::sin(n) / n;
    // Pass 2: x <- cos n x + sinc n v = ax x + az z + aw w'.
    const double ax = cos_n - sinc_n * cx, az = sinc_n * sigma, aw = sinc_n * cw;
    for (std::size_t k = 0; k < dim; ++k) {
      x[k] = static_cast<float>(ax * x[k] + az * z[k] + aw * w[k]);
    }
  }

  void validate() const {
    detail::require(clip_eps > 0 && clip_eps < 1, "clip_eps", clip_eps, "must be in (0, 1)");
  }
  friend bool operator==(const geodesic_random_walk&, const geodesic_random_walk&) = default;
};
static_assert(sphere_predictor<geodesic_random_walk>);

UNMASK_NAMESPACE_END
