// unmask: RDLM's Euler-Maruyama step on the hypersphere (predictor `grw`), and the predictor concept.
// x <- exp_x(sqrt(beta dt) z + gamma dt E_p[log_x(e_k)]), one position at a time.
#pragma once

#include <unmask/core/config.hpp>
#include <unmask/core/error.hpp>

#include <bit>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
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

/// theta / sin(theta) with theta = arccos(x), for x in (-1, 1), in float. With
/// z = (1 - |x|) / 2 and s = sqrt(z): arccos|x| = 2 asin(s), asin(s) = s q(z) where
/// q = 1 + z P(z) (P: degree-7 minimax fit on z in [0, 1/2], relative error of asin
/// below 3e-9), and sin theta = 2 s sqrt(1 - z); for x >= 0 the s cancels, so the
/// x -> 1 limit (1) needs no division by a vanishing sine. Branch-free: two square
/// roots, one division, and a loop over it vectorises where sqrt need not set errno.
[[nodiscard]] inline float theta_over_sin(float x) noexcept {
  constexpr float pi = 3.14159265358979f;
  const float z = 0.5f * (1.0f - std::fabs(x));
  const float q =
      1.0f + z * (1.666662104e-01f +
                  z * (7.502787990e-02f +
                       z * (4.406377948e-02f +
                            z * (3.613753946e-02f +
                                 z * (-8.694588735e-03f +
                                      z * (1.118544146e-01f + z * (-1.418604803e-01f + z * 1.270666343e-01f)))))));
  const float s = std::sqrt(z), c = std::sqrt(1.0f - z);
  const float num = x >= 0 ? q : pi - 2.0f * s * q;
  const float den = x >= 0 ? c : 2.0f * s * c;
  return num / den;
}

/// exp(x) for x <= 0 in float (softmax numerators): Cody-Waite reduction to
/// r in [-ln2/2, ln2/2], a degree-6 minimax polynomial (relative error below 4e-9
/// before rounding), and 2^n from the exponent bits. Below -87 (where 2^n would leave
/// the normal range) it returns 0; exp(-87) = 1.6e-38. No call, no branch: a loop over
/// it vectorises.
[[nodiscard]] inline float exp_nonpositive(float x) noexcept {
  constexpr float log2e = 1.44269504088896f, ln2_hi = 0.693145751953125f, ln2_lo = 1.42860682030941723e-6f;
  const float xc = x < -87.0f ? -87.0f : x;
  const int n = static_cast<int>(xc * log2e - 0.5f);  // round to nearest (xc <= 0)
  const float nf = static_cast<float>(n);
  const float r = (xc - nf * ln2_hi) - nf * ln2_lo;
  const float p =
      1.0f + r + r * r * (4.999999345e-01f + r * (1.666652069e-01f + r * (4.166838736e-02f +
                                                                          r * (8.368709832e-03f + r * 1.381461309e-03f))));
  const float scale = std::bit_cast<float>(static_cast<std::uint32_t>(n + 127) << 23);
  return x < -87.0f ? 0.0f : p * scale;
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
/// so a position costs a few passes over its D floats (one reading its logits), and
/// 2 D floats of scratch (exp(l - max) and the unnormalised w). Per-coordinate terms are float like the
/// reference, inner products and the final combination double; `x` is not renormalised
/// (neither is the reference's), it stays on the sphere to float rounding.
/// Concept: sphere_predictor. O(D) per position, no allocation, deterministic
/// (sequential order). Jo & Hwang, arXiv:2502.11564.
struct geodesic_random_walk {
  /// Clip of x_k before arccos (the reference's `weighted_sum(eps=1e-6)`), applied in float.
  double clip_eps = 1e-6;

  [[nodiscard]] static constexpr index_t scratch_floats(index_t dim) noexcept { return 2 * dim; }

  void advance(std::span<float> x, std::span<const float> logits, float logit_max, std::span<const float> z,
               const sphere_step& s, std::span<float> scratch) const noexcept {
    const std::size_t vocab = logits.size(), dim = x.size();
    const float hi = static_cast<float>(1.0 - clip_eps), lo = static_cast<float>(-1.0 + clip_eps);
    float* const e = scratch.data();
    float* const w = scratch.data() + dim;
    // Pure maps first (no accumulator lives across a division), then the sums.
    for (std::size_t k = 0; k < vocab; ++k) e[k] = detail::exp_nonpositive(logits[k] - logit_max);
    for (std::size_t k = 0; k < vocab; ++k) {
      const float xk = x[k], c = xk < lo ? lo : (xk > hi ? hi : xk);
      w[k] = e[k] * detail::theta_over_sin(c);  // unnormalised: w'_k = e_k theta_k / sin theta_k
    }
    // Seven inner products in four interleaved lanes (fixed order: deterministic).
    constexpr std::size_t lanes = 4;
    double acc[7][lanes] = {};
    std::size_t k = 0;
    for (; k + lanes <= vocab; k += lanes) {
      for (std::size_t j = 0; j < lanes; ++j) {
        const double xk = x[k + j], zk = z[k + j], wk = w[k + j];
        acc[0][j] += e[k + j];
        acc[1][j] += wk * xk;
        acc[2][j] += xk * xk;
        acc[3][j] += xk * zk;
        acc[4][j] += zk * zk;
        acc[5][j] += wk * wk;
        acc[6][j] += zk * wk;
      }
    }
    for (std::size_t j = 0; k < vocab; ++k, ++j) {
      const double xk = x[k], zk = z[k], wk = w[k];
      acc[0][j] += e[k];
      acc[1][j] += wk * xk;
      acc[2][j] += xk * xk;
      acc[3][j] += xk * zk;
      acc[4][j] += zk * zk;
      acc[5][j] += wk * wk;
      acc[6][j] += zk * wk;
    }
    double sums[7];
    for (std::size_t i = 0; i < 7; ++i) sums[i] = (acc[i][0] + acc[i][1]) + (acc[i][2] + acc[i][3]);
    double sum_e = sums[0], wx = sums[1], xx = sums[2], xz = sums[3], zz = sums[4], ww = sums[5], zw = sums[6];
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
    // Pass 3: x <- cos n x + sinc n v = ax x + az z + aw w'.
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
