// unmask: adapters between dnnl::memory and the library's spans (float32, bfloat16).
// Wrap caller buffers as oneDNN memory without copying; view dense oneDNN memory as a span.
#pragma once

#include <unmask/backend/onednn/context.hpp>
#include <unmask/core/bfloat16.hpp>
#include <unmask/core/config.hpp>
#include <unmask/core/error.hpp>

#include <oneapi/dnnl/dnnl.hpp>

#include <span>
#include <type_traits>

UNMASK_NAMESPACE_BEGIN
namespace onednn {

/// Element types the adapters accept (the logits and activation types of the backend).
template <class T>
inline constexpr bool is_element_type =
    std::is_same_v<std::remove_const_t<T>, float> || std::is_same_v<std::remove_const_t<T>, bfloat16>;

/// The oneDNN data type of T: f32 for float, bf16 for unmask::bfloat16 (same bits).
template <class T>
requires is_element_type<T>
inline constexpr dnnl::memory::data_type data_type_of =
    std::is_same_v<std::remove_const_t<T>, float> ? dnnl::memory::data_type::f32 : dnnl::memory::data_type::bf16;

/// Bytes of one element of `type` (f32 or bf16; throws unmask::error otherwise).
[[nodiscard]] inline index_t element_bytes(dnnl::memory::data_type type) {
  unmask::detail::require(type == dnnl::memory::data_type::f32 || type == dnnl::memory::data_type::bf16, "data_type",
                          static_cast<int>(type), "must be f32 or bf16");
  return type == dnnl::memory::data_type::f32 ? 4 : 2;
}

/// The descriptor of a dense row-major tensor (last dimension contiguous, no padding).
[[nodiscard]] inline dnnl::memory::desc row_major_desc(const dnnl::memory::dims& dims, dnnl::memory::data_type type) {
  unmask::detail::require(!dims.empty() && dims.size() <= 6, "dims.size()", dims.size(), "must lie in [1, 6]");
  dnnl::memory::dims strides(dims.size(), 1);
  for (std::size_t i = dims.size() - 1; i > 0; --i) {
    unmask::detail::require(dims[i] > 0, "dims", dims[i], "every dimension must be positive");
    strides[i - 1] = strides[i] * dims[i];
  }
  unmask::detail::require(dims[0] > 0, "dims", dims[0], "every dimension must be positive");
  return dnnl::memory::desc(dims, type, strides);
}

/// True when `desc` is a dense row-major tensor (what `row_major_desc` makes). Reads the
/// descriptor's C struct only: no allocation, so it may run inside a step loop.
[[nodiscard]] inline bool is_row_major(const dnnl::memory::desc& desc) noexcept {
  const dnnl_memory_desc_t& md = desc.data;
  if (md.ndims < 1 || md.ndims > 6 || md.format_kind != dnnl_blocked || md.offset0 != 0 || md.extra.flags != 0)
    return false;
  const dnnl_blocking_desc_t& b = md.format_desc.blocking;
  if (b.inner_nblks != 0) return false;
  dnnl_dim_t stride = 1;
  for (int i = md.ndims - 1; i >= 0; --i) {
    if (md.dims[i] <= 0 || md.padded_dims[i] != md.dims[i] || md.padded_offsets[i] != 0) return false;
    if (md.dims[i] > 1 && b.strides[i] != stride) return false;
    stride *= md.dims[i];
  }
  return true;
}

/// oneDNN memory over `data` (no copy) with the dense row-major shape `dims`; the
/// caller keeps `data` alive while the memory is used. Throws unmask::error when the
/// element count of `dims` differs from data.size().
template <class T>
requires is_element_type<T>
[[nodiscard]] dnnl::memory wrap(const context& ctx, std::span<T> data, const dnnl::memory::dims& dims) {
  const auto desc = row_major_desc(dims, data_type_of<T>);
  index_t count = 1;
  for (auto d : dims) count *= d;
  unmask::detail::require(count == static_cast<index_t>(data.size()), "data.size()", data.size(),
                          "must equal the product of dims", errc::shape_mismatch);
  // oneDNN takes a non-const handle; a const T span is only ever read through it.
  void* handle = const_cast<std::remove_const_t<T>*>(data.data());
  return detail::guarded("memory", [&] { return dnnl::memory(desc, ctx.engine(), handle); });
}

/// The elements of dense row-major CPU memory `m` as a span of T. Throws unmask::error
/// when the data type is not T's, the layout is not dense row-major or the memory is
/// not on a CPU engine. Allocates nothing.
template <class T>
requires is_element_type<T>
[[nodiscard]] std::span<T> view(const dnnl::memory& m) {
  const auto desc = m.get_desc();
  unmask::detail::require(desc.data_type() == data_type_of<T>, "memory data_type", static_cast<int>(desc.data_type()),
                          "differs from the element type of the view", errc::shape_mismatch);
  unmask::detail::require(is_row_major(desc), "memory layout", "blocked or strided",
                          "the view needs dense row-major memory", errc::shape_mismatch);
  // Through the C API: dnnl::memory::get_engine() would allocate a handle.
  dnnl_engine_t engine = nullptr;
  dnnl_engine_kind_t kind = dnnl_any_engine;
  const bool cpu = dnnl_memory_get_engine(m.get(), &engine) == dnnl_success &&
                   dnnl_engine_get_kind(engine, &kind) == dnnl_success && kind == dnnl_cpu;
  unmask::detail::require(cpu, "memory engine", "not CPU", "only CPU memory can be viewed", errc::invalid_argument);
  auto* p = static_cast<T*>(m.get_data_handle());
  return {p, desc.get_size() / sizeof(T)};
}

}  // namespace onednn
UNMASK_NAMESPACE_END
