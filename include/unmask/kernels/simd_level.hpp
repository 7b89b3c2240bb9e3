// unmask: which vector instruction set the CPU kernels use, detected once at run time.
// x86-64 with GCC/Clang: AVX-512 or AVX2 code paths by target attributes; else portable.
#pragma once

#include <unmask/core/config.hpp>

#if !defined(UNMASK_NO_SIMD) && defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define UNMASK_X86_SIMD 1
#else
#define UNMASK_X86_SIMD 0
#endif

#if UNMASK_X86_SIMD
#include <cpuid.h>
#endif

UNMASK_NAMESPACE_BEGIN

/// Code paths of the one-pass kernels (kernels/row_stats_simd.hpp and the batch kernels
/// built on it). The binary needs no -march flag: the AVX2 (+FMA, F16C) and AVX-512F
/// paths are compiled with function target attributes and chosen by `best_simd_level()`
/// from the CPU at run time. Define UNMASK_NO_SIMD to keep only the portable path.
enum class simd_level : int {
  portable = 0,  ///< standard C++ only (std::exp); every platform
  avx2 = 1,      ///< 8 floats / 4 doubles per instruction (x86-64-v3: AVX2, FMA, F16C)
  avx512 = 2,    ///< 16 floats / 8 doubles per instruction (AVX-512F)
};

/// The fastest level this CPU runs and this build compiled (cached after the first call).
[[nodiscard]] inline simd_level best_simd_level() noexcept {
#if UNMASK_X86_SIMD
  static const simd_level level = [] {
    __builtin_cpu_init();  // __builtin_cpu_supports also checks that the OS saves the vector state
    unsigned a = 0, b = 0, c = 0, d = 0;
    const bool f16c = __get_cpuid(1, &a, &b, &c, &d) != 0 && (c & bit_F16C) != 0;  // not a clang-14 feature name
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma") || !f16c) return simd_level::portable;
    return __builtin_cpu_supports("avx512f") ? simd_level::avx512 : simd_level::avx2;
  }();
  return level;
#else
  return simd_level::portable;
#endif
}

/// `wanted` lowered to what the CPU supports (a request never runs an illegal instruction).
[[nodiscard]] inline simd_level usable_simd_level(simd_level wanted) noexcept {
  const simd_level best = best_simd_level();
  return static_cast<int>(wanted) < static_cast<int>(best) ? wanted : best;
}

/// "portable", "avx2" or "avx512".
[[nodiscard]] constexpr const char* to_string(simd_level l) noexcept {
  return l == simd_level::avx512 ? "avx512" : l == simd_level::avx2 ? "avx2" : "portable";
}

UNMASK_NAMESPACE_END
