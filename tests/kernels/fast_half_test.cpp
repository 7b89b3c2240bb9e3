// bfloat16 / float16: exact conversion to float for every bit pattern, and
// round-to-nearest-even from float checked against a search over all 16-bit values.
#include <unmask/core/bfloat16.hpp>
#include <unmask/core/float16.hpp>
#include <unmask/core/philox.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace {

// The value of a binary16 pattern computed independently (ldexp).
double half_value(std::uint16_t b) {
  const int e = (b >> 10) & 0x1f, m = b & 0x3ff;
  const double s = (b & 0x8000) ? -1.0 : 1.0;
  if (e == 0) return s * std::ldexp(m, -24);
  if (e == 31) return m ? std::numeric_limits<double>::quiet_NaN() : s * std::numeric_limits<double>::infinity();
  return s * std::ldexp(1024 + m, e - 25);
}

// Round-to-nearest-even by search over the sorted finite non-negative values of a format.
template <class Value>
std::uint16_t nearest_even(double x, const std::vector<std::uint16_t>& sorted_bits, Value value, double overflow) {
  const bool neg = std::signbit(x);
  const double a = std::fabs(x);
  std::uint16_t r;
  if (a >= overflow) {
    r = sorted_bits.back();  // sentinel: infinity
  } else {
    auto it = std::lower_bound(sorted_bits.begin(), sorted_bits.end(), a,
                               [&](std::uint16_t b, double v) { return value(b) < v; });
    if (it != sorted_bits.begin() && value(*it) != a) {
      const std::uint16_t hi = *it, lo = *(it - 1);
      const double dh = value(hi) - a, dl = a - value(lo);
      r = dl < dh ? lo : dh < dl ? hi : ((lo & 1) == 0 ? lo : hi);
    } else {
      r = *it;
    }
  }
  return static_cast<std::uint16_t>(r | (neg ? 0x8000 : 0));
}

}  // namespace

TEST_CASE("float16 converts every bit pattern exactly", "[core][fast][half]") {
  for (std::uint32_t b = 0; b < 65536; ++b) {
    const auto h = unmask::float16::from_bits(static_cast<std::uint16_t>(b));
    const double want = half_value(static_cast<std::uint16_t>(b));
    const float got = h.to_float();
    if (std::isnan(want)) {
      CHECK(std::isnan(got));
      CHECK(std::isnan(unmask::float16::from_float(got).to_float()));
    } else {
      CHECK(static_cast<double>(got) == want);
      CHECK(unmask::float16::from_float(got).bits == b);  // exact values round-trip
    }
  }
}

TEST_CASE("bfloat16 converts every bit pattern exactly", "[core][fast][half]") {
  for (std::uint32_t b = 0; b < 65536; ++b) {
    const auto h = unmask::bfloat16::from_bits(static_cast<std::uint16_t>(b));
    const float got = h.to_float();
    CHECK(std::bit_cast<std::uint32_t>(got) == b << 16);
    if (!std::isnan(got)) {
      CHECK(unmask::bfloat16::from_float(got).bits == b);
    } else {
      CHECK(std::isnan(unmask::bfloat16::from_float(got).to_float()));
    }
  }
}

TEST_CASE("float16 and bfloat16 round floats to nearest even", "[core][fast][half]") {
  std::vector<std::uint16_t> h_bits, b_bits;
  for (std::uint32_t b = 0; b <= 0x7c00; ++b) h_bits.push_back(static_cast<std::uint16_t>(b));  // 0 .. inf
  for (std::uint32_t b = 0; b <= 0x7f80; ++b) b_bits.push_back(static_cast<std::uint16_t>(b));
  const auto hv = [](std::uint16_t b) { return half_value(b); };
  const auto bv = [](std::uint16_t b) { return static_cast<double>(unmask::bfloat16::from_bits(b).to_float()); };
  // half: x >= 65520 rounds to inf; bfloat16: x >= max + half an ulp (2^127 (2 - 2^-8)).
  const double h_over = 65520.0, b_over = std::ldexp(2.0 - std::ldexp(1.0, -8), 127);
  std::vector<float> xs{0.0f,          -0.0f,
                        1.0f,          65504.0f,
                        65519.0f,      65520.0f,
                        6.0e-8f,       2.98e-8f,
                        2.9802322e-8f, 5.96e-8f,
                        6.1035156e-5f, 6.1e-5f,
                        1e-10f,        std::numeric_limits<float>::max(),
                        3.3e38f,       std::numeric_limits<float>::denorm_min(),
                        1.0009765625f, 1.00048828125f,
                        1.00146484375f};
  for (std::uint32_t i = 0; i < 200000; ++i) {
    const auto w = unmask::philox_words(1, {.stream = 15}, i);
    float x = std::bit_cast<float>(w[0]);
    if (std::isnan(x)) continue;
    xs.push_back(x);
    // Many values near the half range, including exact ties.
    xs.push_back(
        static_cast<float>(std::ldexp(static_cast<double>(w[1] % 4096) / 2, static_cast<int>(w[2] % 40) - 30)));
  }
  for (const float x : xs) {
    CAPTURE(x);
    CHECK(unmask::float16::from_float(x).bits == nearest_even(x, h_bits, hv, h_over));
    CHECK(unmask::bfloat16::from_float(x).bits == nearest_even(x, b_bits, bv, b_over));
  }
}
