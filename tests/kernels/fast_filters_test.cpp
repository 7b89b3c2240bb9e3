// top_k_filter / top_p_filter (no full sort) against dream_logits's sort-based filters,
// entry for entry, on random rows, rows with ties and rows with -Inf.
#include <unmask/core/philox.hpp>
#include <unmask/kernels/top_k_filter.hpp>
#include <unmask/kernels/top_p_filter.hpp>
#include <unmask/policy/transform/dream_logits.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <vector>

namespace {

using unmask::index_t;
using unmask::simd_level;

constexpr simd_level levels[] = {simd_level::portable, simd_level::avx2, simd_level::avx512};

// kind 0: random; 1: rounded to halves (many ties); 2: every third entry -Inf; 3: peaked.
std::vector<float> make_row(index_t n, double sd, int kind, std::uint32_t seed) {
  std::vector<float> l(static_cast<std::size_t>(n));
  for (index_t v = 0; v < n; ++v) {
    const auto w = unmask::philox_words(seed, {.stream = 12}, static_cast<std::uint32_t>(v));
    const double u = (static_cast<double>(w[0]) + w[1] + static_cast<double>(w[2]) + w[3]) * 0x1.0p-32 - 2.0;
    float x = static_cast<float>(u * sd * 1.7320508);
    if (kind == 1) x = std::round(x * 2) / 2;
    if (kind == 2 && v % 3 == 0) x = -std::numeric_limits<float>::infinity();
    if (kind == 3 && v % 97 == 5) x += 12.0f;
    l[static_cast<std::size_t>(v)] = x;
  }
  return l;
}

}  // namespace

TEST_CASE("top_k_filter equals dream_logits's top-k", "[kernels][fast][filters]") {
  for (const index_t n : {3, 64, 1000, 20000}) {
    for (const int kind : {0, 1, 2, 3}) {
      const auto row = make_row(n, 2.0, kind, static_cast<std::uint32_t>(n * 4 + kind));
      std::vector<float> scratch(static_cast<std::size_t>(2 * n)), out(static_cast<std::size_t>(n)),
          heap(static_cast<std::size_t>(n));
      std::vector<index_t> idx(static_cast<std::size_t>(n));
      for (const index_t k : {index_t{1}, index_t{2}, index_t{7}, index_t{50}, n - 1, n, n + 5}) {
        const unmask::dream_logits ref{.shift = false, .temperature = 0.0, .top_p = 1.0, .top_k = k};
        const auto want = ref.apply(row, scratch, idx);
        for (const simd_level lv : levels) {
          CAPTURE(n, kind, k, unmask::to_string(lv));
          unmask::top_k_filter(row, out, k, heap, lv);
          CHECK(std::equal(out.begin(), out.end(), want.begin(), want.end()));
          if (k >= 1 && k <= n) {
            auto copy = row;
            std::nth_element(copy.begin(), copy.begin() + (k - 1), copy.end(), std::greater<float>{});
            CHECK(unmask::top_k_threshold(std::span<const float>(row), k, heap, lv) ==
                  copy[static_cast<std::size_t>(k - 1)]);
          }
        }
      }
    }
  }
  std::vector<float> heap(2);
  const std::vector<float> row{1, 2, 3};
  CHECK_THROWS_AS(unmask::top_k_threshold(std::span<const float>(row), 0, heap), unmask::error);
  CHECK_THROWS_AS(unmask::top_k_threshold(std::span<const float>(row), 3, heap), unmask::error);  // heap too small
  CHECK_THROWS_AS(unmask::top_k_threshold(std::span<const float>(row), 4, std::span<float>(heap)), unmask::error);
}

TEST_CASE("top_p_filter equals dream_logits's top-p", "[kernels][fast][filters]") {
  for (const index_t n : {2, 50, 1000, 30000}) {
    for (const int kind : {0, 1, 2, 3}) {
      for (const double sd : {0.3, 3.0}) {
        const auto row = make_row(n, sd, kind, static_cast<std::uint32_t>(n + kind * 7 + static_cast<int>(sd * 10)));
        std::vector<float> scratch(static_cast<std::size_t>(2 * n)), out(static_cast<std::size_t>(n));
        std::vector<index_t> idx(static_cast<std::size_t>(n));
        std::vector<double> prob(static_cast<std::size_t>(n));
        for (const double p : {0.05, 0.5, 0.9, 0.95, 0.999, 1.0}) {
          const unmask::dream_logits ref{.shift = false, .temperature = 0.0, .top_p = p, .top_k = 0};
          const auto want = ref.apply(row, scratch, idx);
          const auto kept = std::count_if(want.begin(), want.end(),
                                          [](float x) { return x != std::numeric_limits<float>::lowest(); });
          for (const simd_level lv : levels) {
            CAPTURE(n, kind, sd, p, kept, unmask::to_string(lv));
            unmask::top_p_filter(row, out, p, prob, idx, lv);
            CHECK(std::equal(out.begin(), out.end(), want.begin(), want.end()));
          }
        }
      }
    }
  }
  SECTION("in place, and arguments checked") {
    auto row = make_row(500, 2.0, 0, 3);
    std::vector<float> scratch(1000);
    std::vector<index_t> idx(500);
    std::vector<double> prob(500);
    const auto want = unmask::dream_logits{.shift = false, .top_p = 0.7}.apply(row, scratch, idx);
    const std::vector<float> expect(want.begin(), want.end());
    unmask::top_p_filter(row, row, 0.7, prob, idx);
    CHECK(row == expect);
    CHECK_THROWS_AS(unmask::top_p_filter(row, row, 0.0, prob, idx), unmask::error);
    CHECK_THROWS_AS(unmask::top_p_filter(row, row, 1.5, prob, idx), unmask::error);
    CHECK_THROWS_AS(unmask::top_p_filter(row, row, 0.5, std::span<double>(prob).first(10), idx), unmask::error);
  }
}
