// unmask: RDLM's Euler-Maruyama step on the hypersphere (predictor `grw`), and the predictor concept.
// x <- exp_x(sqrt(beta dt) z + gamma dt E_p[log_x(e_k)]), one position at a time.
#pragma once

#include <unmask/core/config.hpp>
#include <unmask/core/error.hpp>

#include <algorithm>
#include <bit>
#include <cassert>
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
/// `scratch_floats(D)` floats of scratch (sizes are preconditions, checked by `assert`).
/// It never allocates.
template <class P>
concept sphere_predictor = requires(const P& p, std::span<float> x, std::span<const float> logits, float logit_max,
                                    std::span<const float> z, const sphere_step& s, std::span<float> scratch,
                                    index_t dim) {
  { p.scratch_floats(dim) } -> std::convertible_to<index_t>;
  p.advance(x, logits, logit_max, z, s, scratch);
  p.validate();
};

namespace detail {

/// 1 / sqrt(y) for normal y > 0 in float: the bit-level estimate refined by three
/// Newton steps (relative error a few ulp). Pure arithmetic, so loops over it vectorise
/// under the default floating-point flags (std::sqrt's errno forbids that).
[[nodiscard]] inline float inverse_sqrt(float y) noexcept {
  float r = std::bit_cast<float>(0x5f375a86u - (std::bit_cast<std::uint32_t>(y) >> 1));
  r = r * (1.5f - 0.5f * y * r * r);
  r = r * (1.5f - 0.5f * y * r * r);
  return r * (1.5f - 0.5f * y * r * r);
}

/// theta / sin(theta) with theta = arccos(x) in float, |x| clipped to 1 - 2 z_min
/// (relative error below 4e-7, i.e. a few ulp, for z_min >= 5e-8). With z = (1 - |x|) / 2 and
/// s = sqrt(z): arccos|x| = 2 asin(s), asin(s) = s q(z) where q = 1 + z P(z) (P: a
/// degree-7 minimax fit on z in [0, 1/2], relative error of asin below 3e-9), and
/// sin theta = 2 s sqrt(1 - z). For x >= 0 the s cancels (q / sqrt(1 - z)), so the
/// x -> 1 limit (1) never divides by a vanishing sine; for x < 0 the ratio is
/// (pi - 2 s q) / (2 s sqrt(1 - z)). The clip and the branch are taken arithmetically
/// (g = 0 or 1, both sides finite), so a loop over it vectorises.
[[nodiscard]] inline float theta_over_sin(float x, float z_min = 5e-8f) noexcept {
  constexpr float pi = 3.14159265358979f;
  const float z0 = 0.5f * (1.0f - std::fabs(x)) - z_min;
  const float z = z_min + 0.5f * (z0 + std::fabs(z0));  // max(z, z_min) without a branch: the clip
  const float q =
      1.0f + z * (1.666662104e-01f +
                  z * (7.502787990e-02f +
                       z * (4.406377948e-02f +
                            z * (3.613753946e-02f +
                                 z * (-8.694588735e-03f +
                                      z * (1.118544146e-01f + z * (-1.418604803e-01f + z * 1.270666343e-01f)))))));
  const float rc = inverse_sqrt(1.0f - z), rz = inverse_sqrt(z), s = z * rz;
  const float g = x >= 0 ? 1.0f : 0.0f;
  return g * (q * rc) + (1.0f - g) * ((pi - 2.0f * s * q) * (0.5f * rz * rc));
}

/// exp(x) for x <= 0 (or -inf) in float, for softmax numerators: Cody-Waite reduction
/// to r in [-ln2/2, ln2/2], a degree-6 minimax polynomial, and 2^n as two normal
/// factors so that results underflow to subnormals and 0 as expf's do (relative error
/// below 1.2e-7 for x >= -87, i.e. 2 ulp). Pure arithmetic: a loop over it vectorises.
[[nodiscard]] inline float exp_nonpositive(float x) noexcept {
  constexpr float log2e = 1.44269504088896f, ln2_hi = 0.693145751953125f, ln2_lo = 1.42860682030941723e-6f;
  // max(x, -104) on the bits (for x <= 0 a larger magnitude has larger bits; -inf too):
  // exp(-104) rounds to 0. An integer min, so the loop needs no float branch.
  const std::uint32_t bx = std::bit_cast<std::uint32_t>(x), b104 = std::bit_cast<std::uint32_t>(-104.0f);
  const float xc = std::bit_cast<float>(bx < b104 ? bx : b104);
  const int n = static_cast<int>(xc * log2e - 0.5f);  // round to nearest (xc <= 0)
  const float nf = static_cast<float>(n);
  const float r = (xc - nf * ln2_hi) - nf * ln2_lo;
  const float p = 1.0f + r +
                  r * r *
                      (4.999999345e-01f +
                       r * (1.666652069e-01f + r * (4.166838736e-02f + r * (8.368709832e-03f + r * 1.381461309e-03f))));
  const int n1 = n / 2, n2 = n - n1;  // each >= -76: normal
  return p * std::bit_cast<float>(static_cast<std::uint32_t>(n1 + 127) << 23) *
         std::bit_cast<float>(static_cast<std::uint32_t>(n2 + 127) << 23);
}

/// The step's three per-coordinate kernels on blocks of `grw_block` coordinates: a
/// fixed trip count, so compilers vectorise them even at -O2.
inline constexpr std::size_t grw_block = 8;

/// e_j = exp(l_j - max), w_j = e_j theta_j / sin theta_j with |x_j| clipped to 1 - 2 z_min.
inline void grw_weights(const float* __restrict l, const float* __restrict x, float max, float z_min,
                        float* __restrict e, float* __restrict w) noexcept {
  for (std::size_t j = 0; j < grw_block; ++j) {
    const float ej = exp_nonpositive(l[j] - max);
    e[j] = ej;
    w[j] = ej * theta_over_sin(x[j], z_min);
  }
}

/// acc[i * grw_block + j] += product i of coordinate j, for the seven products
/// (e, wx, xx, xz, zz, ww, zw); lane j sums every grw_block-th coordinate, a fixed order.
inline void grw_sums(const float* __restrict x, const float* __restrict z, const float* __restrict e,
                     const float* __restrict w, double* __restrict acc) noexcept {
  constexpr std::size_t b = grw_block;
  for (std::size_t j = 0; j < b; ++j) {
    const double xj = x[j], zj = z[j], wj = w[j];
    acc[j] += e[j];
    acc[b + j] += wj * xj;
    acc[2 * b + j] += xj * xj;
    acc[3 * b + j] += xj * zj;
    acc[4 * b + j] += zj * zj;
    acc[5 * b + j] += wj * wj;
    acc[6 * b + j] += zj * wj;
  }
}

/// x_j <- ax x_j + az z_j + aw w_j.
inline void grw_update(float* __restrict x, const float* __restrict z, const float* __restrict w, double ax, double az,
                       double aw) noexcept {
  for (std::size_t j = 0; j < grw_block; ++j) x[j] = static_cast<float>(ax * x[j] + az * z[j] + aw * w[j]);
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
/// projections and the norm are folded into seven sums (sum e and six inner products, in double),
/// so a position costs three passes over its D floats (the first also reading its
/// logits) and 2 D floats of scratch (exp(l - max) and the unnormalised w).
/// Per-coordinate terms are float like the reference (exp and arccos / sin by the
/// polynomials above, a few ulp), inner products and the final combination double.
/// `x` is not renormalised (neither is the reference's): the exponential map contracts
/// any deviation of |x| from 1, so it stays at float rounding.
/// Concept: sphere_predictor. O(D) per position, no allocation, deterministic
/// (sequential order). Jo & Hwang, arXiv:2502.11564.
struct geodesic_random_walk {
  /// Clip of x_k before arccos (the reference's `weighted_sum(eps=1e-6)`), applied in float.
  double clip_eps = 1e-6;

  [[nodiscard]] static constexpr index_t scratch_floats(index_t dim) noexcept { return 2 * dim; }

  void advance(std::span<float> x, std::span<const float> logits, float logit_max, std::span<const float> z,
               const sphere_step& s, std::span<float> scratch) const noexcept {
    const std::size_t vocab = logits.size(), dim = x.size();
    assert(vocab < dim && z.size() == dim && scratch.size() >= 2 * dim);  // the sampler sizes these
    // The reference clips x to [-1 + clip_eps, 1 - clip_eps] in float: |x| <= hi, z >= (1 - hi) / 2.
    const float hi = static_cast<float>(1.0 - clip_eps), z_min = 0.5f * (1.0f - hi);
    float* const e = scratch.data();
    float* const w = scratch.data() + dim;
    // Whole blocks in place; the tail (< grw_block coordinates) through zero-padded copies.
    constexpr std::size_t nb = detail::grw_block;
    const std::size_t body = vocab - vocab % nb, tail = vocab - body;
    for (std::size_t k = 0; k < body; k += nb)
      detail::grw_weights(logits.data() + k, x.data() + k, logit_max, z_min, e + k, w + k);
    float tl[nb], tx[nb] = {}, tz[nb] = {}, te[nb] = {}, tw[nb] = {};
    std::fill_n(tl, nb, logit_max);  // padding: exp(0)
    std::copy_n(logits.data() + body, tail, tl);
    std::copy_n(x.data() + body, tail, tx);
    detail::grw_weights(tl, tx, logit_max, z_min, te, tw);
    std::copy_n(te, tail, e + body);
    std::copy_n(tw, tail, w + body);
    for (std::size_t k = vocab; k < dim; ++k) e[k] = w[k] = 0;  // the mask coordinate: p = 0
    // Seven inner products over all D coordinates, in grw_block lanes.
    const std::size_t dbody = dim - dim % nb, dtail = dim - dbody;
    double acc[7 * nb] = {};
    for (std::size_t k = 0; k < dbody; k += nb) detail::grw_sums(x.data() + k, z.data() + k, e + k, w + k, acc);
    std::fill_n(tx, nb, 0.0f), std::fill_n(te, nb, 0.0f), std::fill_n(tw, nb, 0.0f);
    std::copy_n(x.data() + dbody, dtail, tx);
    std::copy_n(z.data() + dbody, dtail, tz);
    std::copy_n(e + dbody, dtail, te);
    std::copy_n(w + dbody, dtail, tw);
    detail::grw_sums(tx, tz, te, tw, acc);
    double sums[7];
    for (std::size_t i = 0; i < 7; ++i) {
      double t = 0;
      for (std::size_t j = 0; j < nb; ++j) t += acc[i * nb + j];
      sums[i] = t;
    }
    const double sum_e = sums[0], wx = sums[1], xx = sums[2], xz = sums[3], zz = sums[4], ww = sums[5], zw = sums[6];
    // v = sigma z + cw w' - cx x is the projected step; |v|^2 from the inner products.
    const double sigma = std::sqrt(s.beta) * std::sqrt(s.dt);
    const double cw = s.drift_coefficient * s.dt / sum_e;
    const double cx = (cw * wx + sigma * xz) / xx;
    const double vv =
        sigma * sigma * zz + cw * cw * ww + cx * cx * xx + 2 * sigma * cw * zw - 2 * sigma * cx * xz - 2 * cw * cx * wx;
    const double n2 = vv > 0 ? vv : 0.0, n = std::sqrt(n2);
    // cos n and sin n / n; Taylor below n^2 = 1e-12, where both are exact in double.
    const double cos_n = n2 < 1e-12 ? 1 - n2 / 2 : std::cos(n);
    const double sinc_n = n2 < 1e-12 ? 1 - n2 / 6 : std::sin(n) / n;
    // Pass 3: x <- cos n x + sinc n v = ax x + az z + aw w'.
    const double ax = cos_n - sinc_n * cx, az = sinc_n * sigma, aw = sinc_n * cw;
    for (std::size_t k = 0; k < dbody; k += nb) detail::grw_update(x.data() + k, z.data() + k, w + k, ax, az, aw);
    detail::grw_update(tx, tz, tw, ax, az, aw);
    std::copy_n(tx, dtail, x.data() + dbody);
  }

  void validate() const {
    detail::require(clip_eps >= 1e-7 && clip_eps < 1, "clip_eps", clip_eps, "must be in [1e-7, 1)");
  }
  friend bool operator==(const geodesic_random_walk&, const geodesic_random_walk&) = default;
};
static_assert(sphere_predictor<geodesic_random_walk>);

UNMASK_NAMESPACE_END
