// unmask: samplers for diffusion language models.
// Configuration macros, the library namespace and the basic index types.
#pragma once

#include <cstddef>
#include <cstdint>

#define UNMASK_VERSION_MAJOR 0
#define UNMASK_VERSION_MINOR 1
#define UNMASK_VERSION_PATCH 0

#define UNMASK_NAMESPACE_BEGIN \
  namespace unmask {           \
  inline namespace v1 {
#define UNMASK_NAMESPACE_END \
  }                          \
  }

#if defined(__CUDACC__)
#define UNMASK_HOST_DEVICE __host__ __device__
#else
#define UNMASK_HOST_DEVICE
#endif

UNMASK_NAMESPACE_BEGIN

/// Token id. Vocabularies of current dLLMs fit easily (LLaDA 126 464, Dream 151 936).
using token_id = std::int32_t;
/// Signed index for positions, rows and counts (signed so that differences are safe).
using index_t = std::int64_t;

UNMASK_NAMESPACE_END
