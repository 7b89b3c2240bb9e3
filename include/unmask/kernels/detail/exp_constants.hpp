// unmask: constants of the vectorised exp (range reduction, polynomials, 2^(j/16) table).
// Shared by the AVX2 and AVX-512 kernels so both compute the same exponentials.
#pragma once

#include <unmask/core/config.hpp>

UNMASK_NAMESPACE_BEGIN
namespace detail::expc {

// float: exp(d) = 2^n p(r), n = round(d log2 e), r = d - n ln2 (two-part ln2, FMA),
// p(r) = 1 + r + r^2 (g0 + g1 r + g2 r^2 + g3 r^3 + g4 r^4) on |r| <= ln2/2: a weighted
// least-squares (Chebyshev nodes) fit of (e^r - 1 - r)/r^2, max relative error 3.8e-9
// in exact arithmetic (< 0.1 ulp), so the result is within ~1 ulp of exp.
inline constexpr float log2e_f = 0x1.715476p+0f;
inline constexpr float ln2_hi_f = 0x1.62e430p-1f;
inline constexpr float ln2_lo_f = -0x1.05c610p-29f;
inline constexpr float magic_f = 0x1.8p23f;  // adding it rounds to an integer held in the low mantissa bits
inline constexpr float g0 = 0x1.fffff8p-2f, g1 = 0x1.55548ep-3f, g2 = 0x1.555b58p-5f, g3 = 0x1.123b8ep-7f,
                       g4 = 0x1.687c22p-10f;

// double: exp(d) = 2^(n/16) (1 + q(r)), n = round(16 d / ln2), r = d - n ln2/16, |r| <=
// ln2/32, q = Taylor degree 7 of e^r - 1 (remainder < 1.2e-18). 2^(j/16) correctly rounded.
inline constexpr double inv_ln2_16 = 0x1.71547652b82fep+4;
inline constexpr double ln2_16_hi = 0x1.62e42fefa39efp-5;
inline constexpr double ln2_16_lo = 0x1.abc9e3b39803fp-60;
inline constexpr double magic_d = 0x1.8p52;
alignas(64) inline constexpr double exp2_j16[16] = {
    0x1.0000000000000p+0, 0x1.0b5586cf9890fp+0, 0x1.172b83c7d517bp+0, 0x1.2387a6e756238p+0,
    0x1.306fe0a31b715p+0, 0x1.3dea64c123422p+0, 0x1.4bfdad5362a27p+0, 0x1.5ab07dd485429p+0,
    0x1.6a09e667f3bcdp+0, 0x1.7a11473eb0187p+0, 0x1.8ace5422aa0dbp+0, 0x1.9c49182a3f090p+0,
    0x1.ae89f995ad3adp+0, 0x1.c199bdd85529cp+0, 0x1.d5818dcfba487p+0, 0x1.ea4afa2a490dap+0};

// double without a table (AVX2): n = round(d / ln2), |r| <= ln2/2, Taylor degree 12
// (remainder < 1.8e-16 relative).
inline constexpr double inv_ln2 = 0x1.71547652b82fep+0;
inline constexpr double ln2_hi = 0x1.62e42fefa39efp-1;
inline constexpr double ln2_lo = 0x1.abc9e3b39803fp-56;

/// 1/k! for k = 0..12.
inline constexpr double inv_fact[13] = {1.0,
                                        1.0,
                                        1.0 / 2,
                                        1.0 / 6,
                                        1.0 / 24,
                                        1.0 / 120,
                                        1.0 / 720,
                                        1.0 / 5040,
                                        1.0 / 40320,
                                        1.0 / 362880,
                                        1.0 / 3628800,
                                        1.0 / 39916800,
                                        1.0 / 479001600};

}  // namespace detail::expc
UNMASK_NAMESPACE_END
