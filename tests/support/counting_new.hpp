// unmask tests: a counting replacement of global operator new / delete.
// Include it from exactly ONE source file of a test executable (it defines the replacements).
#pragma once

#include <atomic>
#include <cstdlib>
#include <new>

namespace unmask_test {
/// Calls to operator new since the program started, and the bytes they asked for.
inline std::atomic<long> allocations{0};
inline std::atomic<long> allocated_bytes{0};
}  // namespace unmask_test

#if defined(__GNUC__) && !defined(__clang__)
// GCC 12 flags free() on memory from a *replaced* operator new as mismatched once it
// inlines both: a false positive for a replacement pair built on malloc/free.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

// Every replaceable form goes through malloc/free, so memory from any of them may be
// released by any delete (AddressSanitizer checks that pairs match).
namespace unmask_test {
inline void* counted_malloc(std::size_t n) noexcept {
  allocations.fetch_add(1, std::memory_order_relaxed);
  allocated_bytes.fetch_add(static_cast<long>(n), std::memory_order_relaxed);
  return std::malloc(n == 0 ? 1 : n);
}
}  // namespace unmask_test

void* operator new(std::size_t n) {
  if (void* p = unmask_test::counted_malloc(n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
  if (void* p = unmask_test::counted_malloc(n)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return unmask_test::counted_malloc(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return unmask_test::counted_malloc(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
