// unmask: internal types shared by the chunked one-pass kernels (every simd level).
// Chunk length, running top-2 and the per-chunk exponential sums.
#pragma once

#include <unmask/core/bfloat16.hpp>
#include <unmask/core/config.hpp>
#include <unmask/core/float16.hpp>

#include <limits>
#include <type_traits>

UNMASK_NAMESPACE_BEGIN
namespace detail {

/// Elements per chunk: the chunk's max is found first (one read from memory), then its
/// exponentials are taken against the running max from L1 (two-level max: no per-entry
/// rescaling). 1024 floats = 4 KiB; 512, 2048 and 4096 measured within the noise of
/// the benchmark machine (BM_Score_* at 256 x 126 464, docs/performance.md).
inline constexpr index_t stats_chunk = 1024;

/// Input element types of the kernels.
template <class T>
inline constexpr bool is_logit_type =
    std::is_same_v<T, float> || std::is_same_v<T, bfloat16> || std::is_same_v<T, float16>;

template <class T>
[[nodiscard]] constexpr float to_f32(T x) noexcept {
  if constexpr (std::is_same_v<T, float>) {
    return x;
  } else {
    return x.to_float();
  }
}

/// The best two (value, index) pairs seen, in the library's order: larger value first,
/// then lower index. Index -1: none yet.
struct top2_state {
  float m1 = -std::numeric_limits<float>::infinity();
  float m2 = -std::numeric_limits<float>::infinity();
  index_t i1 = -1, i2 = -1;

  [[nodiscard]] static constexpr bool better(float v, index_t i, float m, index_t j) noexcept {
    return j < 0 || v > m || (v == m && i < j);
  }
  constexpr void offer(float v, index_t i) noexcept {
    if (i == i1 || i == i2) return;
    if (better(v, i, m1, i1)) {
      m2 = m1, i2 = i1;
      m1 = v, i1 = i;
    } else if (better(v, i, m2, i2)) {
      m2 = v, i2 = i;
    }
  }
};

/// Largest and smallest entry of a chunk; max is NaN when some entry is NaN.
struct chunk_range {
  float max = -std::numeric_limits<float>::infinity();
  float min = std::numeric_limits<float>::infinity();
};

/// Sums over a chunk against a reference max m: s = sum e, t = sum e (x - m) with
/// e = exp(x - m); st = sum exp((x - m) / T) (the tempered normaliser, when asked).
/// With float tempered weights, |st - exact| <= tempered_rel_bound st +
/// tempered_arg_bound sb (see sample_row_chunked).
struct exp_sums {
  double s = 0, t = 0, st = 0;
  double sb = 0;  ///< float tempered weights only: sum w |u| (u = (x - m) / T), for the error bound
};

/// Error bounds of a chunk's float tempered weight sum (every simd level), in units of
/// 2^-24 relative: each exponential within 4 of exp of its float argument, apart from
/// the range reduction's error (exhaustive over every float in [-86, 0]: 2.8 AVX-512,
/// 2.8 AVX2; std::exp < 1; tests/kernels/exp_accuracy_test.cpp), float lane sums of at
/// most 4 terms before they move to double lanes (3 roundings; the double sums add
/// < 1e-15), and the argument: u = fl(fl(x - m) fl(1/T)) is off by three roundings, so
/// w = exp(u) by 3 |u| (first order), plus AVX-512's one-constant reduction, 0.046 |u|
/// (exp_constants.hpp): 3.15 leaves room for the second order. The AVX-512 kernel folds
/// 1/T into its reduction and has its own, smaller argument term
/// (chunk_ops_avx512::tempered_arg_bound); each Ops names the one its sums obey.
inline constexpr double tempered_rel_bound = (4 + 3) * 0x1.0p-24;
inline constexpr double tempered_arg_bound = 3.15 * 0x1.0p-24;

/// The bounded pass's (row_stats_bounded) argument term: d = fl(x - m) is one rounding,
/// so exp(d) is off exp(x - m) by |d| 2^-24, plus 0.046 |d| 2^-24 for AVX-512's
/// reduction (first order; 1.15 leaves room for the second). Its relative term is
/// tempered_rel_bound (same exponentials, same lanes).
inline constexpr double bounded_arg_bound = 1.15 * 0x1.0p-24;

}  // namespace detail
UNMASK_NAMESPACE_END
