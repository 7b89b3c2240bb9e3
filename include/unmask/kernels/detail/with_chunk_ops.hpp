// unmask: run a kernel body with the chunk primitives of a simd level.
// f(chunk_ops_avx512{}), f(chunk_ops_avx2{}) or f(chunk_ops_portable{}).
#pragma once

#include <unmask/kernels/detail/chunk_ops_avx2.hpp>
#include <unmask/kernels/detail/chunk_ops_avx512.hpp>
#include <unmask/kernels/detail/chunk_ops_portable.hpp>
#include <unmask/kernels/simd_level.hpp>

UNMASK_NAMESPACE_BEGIN
namespace detail {

/// Calls f with the primitives of `level` lowered to what the CPU has.
template <class F>
decltype(auto) with_chunk_ops(simd_level level, F&& f) {
  switch (usable_simd_level(level)) {
#if UNMASK_X86_SIMD
    case simd_level::avx512:
      return f(chunk_ops_avx512{});
    case simd_level::avx2:
      return f(chunk_ops_avx2{});
#endif
    default:
      return f(chunk_ops_portable{});
  }
}

}  // namespace detail
UNMASK_NAMESPACE_END
