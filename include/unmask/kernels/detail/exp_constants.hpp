// unmask: constants of the vectorised exp (range reduction, polynomials, 2^(j/32), 2^(j/16) tables).
// Shared by the AVX2 and AVX-512 kernels (float: a polynomial for AVX2, a table for AVX-512).
#pragma once

#include <unmask/core/config.hpp>

#include <array>
#include <bit>
#include <cstdint>

UNMASK_NAMESPACE_BEGIN
namespace detail::expc {

// float: exp(d) = 2^n p(r), n = round(d log2 e), r = d - n ln2 (two-part ln2, FMA),
// p(r) = 1 + r + r^2 (g0 + g1 r + g2 r^2 + g3 r^3) on |r| <= ln2/2: a weighted
// least-squares (Chebyshev nodes) fit of (e^r - 1 - r)/r^2, max relative error 1.2e-7
// in exact arithmetic, oscillating in sign over r (so sums of many terms are within
// ~1 ulp). Degree 6 (3.8e-9) measured 8% slower on the 256 x 126 464 score benchmark.
// Used by the AVX2 path.
inline constexpr float log2e_f = 0x1.715476p+0f;
inline constexpr float ln2_hi_f = 0x1.62e430p-1f;
inline constexpr float ln2_lo_f = -0x1.05c610p-29f;
inline constexpr float magic_f = 0x1.8p23f;  // adding it rounds to an integer held in the low mantissa bits
inline constexpr float g0 = 0x1.fffdc0p-2f, g1 = 0x1.55567cp-3f, g2 = 0x1.573bb0p-5f, g3 = 0x1.11154cp-7f;

// float with a table (AVX-512, one vpermt2ps): exp(d) = 2^(n/32) (1 + q(r)),
// n = round(32 d log2 e), r = d - n c with c = ln2/32 rounded to float (one FMA),
// |r| <= ln2/64, q = r (c1 + c2 r): a minimax fit of e^r - 1 (relative error 0.89 x
// 2^-24 in exact arithmetic, odd in r). The reduction is off by n |c - ln2/32|, a
// relative error 0.046 x 2^-24 |d|, which the error bounds count with the argument's
// own rounding (chunk_types.hpp). Measured over every float d in [-86, 0]: error <=
// 2.9 x 2^-24 + 0.046 x 2^-24 |d| (tests/kernels/exp_accuracy_test.cpp). Against
// the 16-entry degree-3 form with a two-part reduction (1.8 x 2^-24) it takes 9
// vector operations instead of 11: 6% off the temperature pass, 7% off sums_f32
// (2026-11-23, Zen 5 at 4.2 GHz; every vector operation counts, ~2.4 per cycle).
inline constexpr float log2e32_f = 0x1.715476p+5f;
inline constexpr float ln2_32_f = 0x1.62e430p-6f;
inline constexpr double ln2_32_d = 0x1.62e42fefa39efp-6;  // ln2/32 in double (scaled by T at run time)
inline constexpr float c1_32 = 0x1.0000f6p+0f, c2_32 = 0x1.000014p-1f;
alignas(64) inline constexpr float exp2_j32_f[32] = {
    0x1.000000p+0f, 0x1.059b0ep+0f, 0x1.0b5586p+0f, 0x1.11301ep+0f, 0x1.172b84p+0f, 0x1.1d4874p+0f, 0x1.2387a6p+0f,
    0x1.29e9e0p+0f, 0x1.306fe0p+0f, 0x1.371a74p+0f, 0x1.3dea64p+0f, 0x1.44e086p+0f, 0x1.4bfdaep+0f, 0x1.5342b6p+0f,
    0x1.5ab07ep+0f, 0x1.6247ecp+0f, 0x1.6a09e6p+0f, 0x1.71f75ep+0f, 0x1.7a1148p+0f, 0x1.82589ap+0f, 0x1.8ace54p+0f,
    0x1.93737cp+0f, 0x1.9c4918p+0f, 0x1.a5503cp+0f, 0x1.ae89fap+0f, 0x1.b7f770p+0f, 0x1.c199bep+0f, 0x1.cb720ep+0f,
    0x1.d5818ep+0f, 0x1.dfc974p+0f, 0x1.ea4afap+0f, 0x1.f50766p+0f};

// double: exp(d) = 2^(n/16) (1 + q(r)), n = round(16 d / ln2), r = d - n ln2/16 with
// one FMA (ln2/16 rounded to double: the reduction error n 1.5e-18 is < 1 ulp of the
// terms that carry a sum's weight, |d| < ~40), |r| <= ln2/32,
// q = r + r^2/2 + r^3 (h0 + h1 r + h2 r^2 + h3 r^3): a weighted least-squares fit of
// (e^r - 1 - r - r^2/2)/r^3, max relative error of 1 + q 1.2e-17 (checked in exact
// rational arithmetic). 2^(j/16) correctly rounded.
inline constexpr double inv_ln2_16 = 0x1.71547652b82fep+4;
inline constexpr double ln2_16 = 0x1.62e42fefa39efp-5;
inline constexpr double magic_d = 0x1.8p52;
inline constexpr double h0 = 0x1.555555548ba21p-3, h1 = 0x1.55555555a9e9ap-5, h2 = 0x1.11123cf00de2bp-7,
                        h3 = 0x1.6c1716d3e21b2p-10;
alignas(64) inline constexpr double exp2_j16[16] = {
    0x1.0000000000000p+0, 0x1.0b5586cf9890fp+0, 0x1.172b83c7d517bp+0, 0x1.2387a6e756238p+0,
    0x1.306fe0a31b715p+0, 0x1.3dea64c123422p+0, 0x1.4bfdad5362a27p+0, 0x1.5ab07dd485429p+0,
    0x1.6a09e667f3bcdp+0, 0x1.7a11473eb0187p+0, 0x1.8ace5422aa0dbp+0, 0x1.9c49182a3f090p+0,
    0x1.ae89f995ad3adp+0, 0x1.c199bdd85529cp+0, 0x1.d5818dcfba487p+0, 0x1.ea4afa2a490dap+0};

// The AVX-512 tables with j's share of the shifted n taken out of their bits:
// bits(2^(j/32)) - (j << 18) (float) and bits(2^(j/16)) - (j << 48) (double). Adding
// n << 18 (n << 48) to an entry picked by n's low 5 (4) bits then adds n >> 5 (n >> 4)
// to its exponent, so the scale costs one integer add (no mask) and the product with
// the polynomial is bit-identical to scaling afterwards (every kept argument gives a
// normal result).
alignas(64) inline constexpr std::array<std::uint32_t, 32> exp2_j32_f_adj = [] {
  std::array<std::uint32_t, 32> t{};
  for (std::uint32_t j = 0; j < 32; ++j) t[j] = std::bit_cast<std::uint32_t>(exp2_j32_f[j]) - (j << 18);
  return t;
}();
alignas(64) inline constexpr std::array<std::uint64_t, 16> exp2_j16_adj = [] {
  std::array<std::uint64_t, 16> t{};
  for (std::uint64_t j = 0; j < 16; ++j) t[j] = std::bit_cast<std::uint64_t>(exp2_j16[j]) - (j << 48);
  return t;
}();

}  // namespace detail::expc
UNMASK_NAMESPACE_END
