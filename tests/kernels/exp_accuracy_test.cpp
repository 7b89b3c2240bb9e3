// The vector exponentials behind the float kernels, against exp in double: the error
// bounds that chunk_types.hpp's certified sums are built from.
#include <unmask/kernels/detail/chunk_ops_avx2.hpp>
#include <unmask/kernels/detail/chunk_ops_avx512.hpp>
#include <unmask/kernels/detail/exp_constants.hpp>
#include <unmask/kernels/simd_level.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <vector>

#if UNMASK_X86_SIMD
namespace {

using unmask::simd_level;

// Every float in [-86, 0] would take ~1e9 calls (seconds in Release, minutes under the
// sanitizers); a stride of 61 bit patterns keeps every binade and ~1.8e7 arguments,
// and the worst arguments of the exhaustive run (2026-11-23) are added by hand.
std::vector<float> arguments() {
  std::vector<float> out;
  const std::uint32_t lo = 0x80000000u, hi = std::bit_cast<std::uint32_t>(-86.0f);
  for (std::uint64_t b = lo; b <= hi; b += 61) out.push_back(std::bit_cast<float>(static_cast<std::uint32_t>(b)));
  for (float x : {-0x1.57845ap+6f, -0x1.550726p+0f, -0x1.1fffecp+4f, -86.0f, -0.0f}) out.push_back(x);
  while (out.size() % 16 != 0) out.push_back(-1.0f);
  return out;
}

// max over x of (|got - exp(x s)| / exp(x s)) / 2^-24 - slope |x s|.
double worst_units(const std::vector<float>& x, const std::vector<float>& got, double s, double slope) {
  double worst = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double u = static_cast<double>(x[i]) * s;
    const double ref = std::exp(u);
    worst = std::max(worst, std::fabs(static_cast<double>(got[i]) - ref) / ref * 0x1.0p24 - slope * std::fabs(u));
  }
  return worst;
}

__attribute__((target("avx512f,avx2,fma,f16c"))) std::vector<float> exp_avx512(const std::vector<float>& x,
                                                                               double inv_t) {
  using namespace unmask::detail::avx512;
  std::vector<float> out(x.size());
  const scaled_exp k = scaled_exp_for(inv_t);
  const __m512 lt = _mm512_set1_ps(k.l), ct = _mm512_set1_ps(k.c), a1 = _mm512_set1_ps(k.a1), a2 = _mm512_set1_ps(k.a2);
  for (std::size_t i = 0; i < x.size(); i += 16) {
    const __m512 d = _mm512_loadu_ps(x.data() + i);
    _mm512_storeu_ps(out.data() + i, inv_t == 1 ? exp_ps(d, 0xffff) : exp_ps_scaled(d, 0xffff, lt, ct, a1, a2));
  }
  return out;
}

__attribute__((target("avx2,fma,f16c"))) std::vector<float> exp_avx2(const std::vector<float>& x) {
  std::vector<float> out(x.size());
  const __m256 all = _mm256_castsi256_ps(_mm256_set1_epi32(-1));
  for (std::size_t i = 0; i < x.size(); i += 8)
    _mm256_storeu_ps(out.data() + i, unmask::detail::avx2::exp_ps(_mm256_loadu_ps(x.data() + i), all));
  return out;
}

}  // namespace

// chunk_types.hpp: each exponential within 4 x 2^-24 of exp of its argument, apart from
// the reduction's 0.046 |d| x 2^-24 (AVX-512's one-constant ln2/32).
TEST_CASE("avx512 exp: within 2.9 + 0.046 |d| units of 2^-24 over [-86, 0]", "[kernels][exp]") {
  if (unmask::best_simd_level() != simd_level::avx512) {
    WARN("no AVX-512 on this CPU: not checked");
    return;
  }
  const auto x = arguments();
  const double w = worst_units(x, exp_avx512(x, 1.0), 1.0, 0.046);
  INFO("worst " << w);
  CHECK(w <= 2.9);
  CHECK(w >= 2.0);  // the measured 2.76: a looser polynomial or table would show here
}

// exp(d / T) with 1/T folded into the reduction: the rounding of T ln2/32 adds |u|
// (chunk_ops_avx512::tempered_arg_bound counts it with d's rounding, 2.2 in all), the
// scaled coefficients a few hundredths.
TEST_CASE("avx512 tempered exp: within 3 + 1.05 |d / T| units over [-86, 0] T", "[kernels][exp]") {
  if (unmask::best_simd_level() != simd_level::avx512) {
    WARN("no AVX-512 on this CPU: not checked");
    return;
  }
  const auto all = arguments();
  for (const double t : {0.2, 0.5, 0.7, 0.9, 1.3, 2.0}) {
    std::vector<float> x;
    const float cut = unmask::detail::avx512::scaled_exp_for(1 / t).dcut;  // the kernel's clamp
    for (float v : all) x.push_back(std::max(v * static_cast<float>(std::max(t, 1.0)), cut));
    INFO("T = " << t);
    const double w = worst_units(x, exp_avx512(x, 1 / t), 1 / t, 1.05);
    INFO("worst " << w);
    CHECK(w <= 3.0);
  }
}

TEST_CASE("avx2 exp: within 2.9 units of 2^-24 over [-86, 0]", "[kernels][exp]") {
  if (unmask::best_simd_level() == simd_level::portable) {
    WARN("no AVX2 on this CPU: not checked");
    return;
  }
  const auto x = arguments();
  const double w = worst_units(x, exp_avx2(x), 1.0, 0.0);
  INFO("worst " << w);
  CHECK(w <= 2.9);
}
#endif
