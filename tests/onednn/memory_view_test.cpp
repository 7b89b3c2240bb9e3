// oneDNN memory <-> span adapters: no copies, data types, layouts, and the errors.
#include <unmask/backend/onednn/context.hpp>
#include <unmask/backend/onednn/memory_view.hpp>
#include <unmask/core/bfloat16.hpp>

#include <catch2/catch.hpp>

#include <vector>

namespace on = unmask::onednn;
using dt = dnnl::memory::data_type;

TEST_CASE("memory_view: wrap and view share the caller's buffer", "[onednn][memory]") {
  on::context ctx;
  std::vector<float> a(12);
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = static_cast<float>(i);
  const auto m = on::wrap(ctx, std::span<float>(a), {3, 4});
  CHECK(m.get_desc().dims() == dnnl::memory::dims{3, 4});
  CHECK(m.get_desc().data_type() == dt::f32);
  CHECK(on::is_row_major(m.get_desc()));
  const auto v = on::view<float>(m);
  CHECK(v.data() == a.data());
  CHECK(v.size() == a.size());
  v[5] = -1.0f;  // writes through to the caller's buffer
  CHECK(a[5] == -1.0f);

  std::vector<unmask::bfloat16> b(6, unmask::bfloat16::from_float(2.5f));
  const auto mb = on::wrap(ctx, std::span<const unmask::bfloat16>(b), {2, 3});
  CHECK(mb.get_desc().data_type() == dt::bf16);
  CHECK(on::view<const unmask::bfloat16>(mb)[4].to_float() == 2.5f);
  CHECK(on::data_type_of<float> == dt::f32);
  CHECK(on::data_type_of<const unmask::bfloat16> == dt::bf16);
  CHECK(on::element_bytes(dt::bf16) == 2);
}

TEST_CASE("memory_view: a bf16 view sees what a oneDNN reorder wrote", "[onednn][memory]") {
  on::context ctx;
  std::vector<float> f{1.0f, -2.25f, 3.0e5f, 1.0f / 3.0f, -0.0f, 65504.0f};
  std::vector<unmask::bfloat16> b(f.size());
  auto src = on::wrap(ctx, std::span<float>(f), {2, 3});
  auto dst = on::wrap(ctx, std::span<unmask::bfloat16>(b), {2, 3});
  dnnl::reorder(src, dst).execute(ctx.stream(), src, dst);
  ctx.wait();
  // oneDNN rounds to nearest even, as unmask::bfloat16::from_float does.
  for (std::size_t i = 0; i < f.size(); ++i) CHECK(b[i] == unmask::bfloat16::from_float(f[i]));
}

TEST_CASE("memory_view: wrong types, shapes and layouts are errors", "[onednn][memory][errors]") {
  on::context ctx;
  std::vector<float> a(12);
  CHECK_THROWS_AS(on::wrap(ctx, std::span<float>(a), {5, 3}), unmask::error);
  CHECK_THROWS_AS(on::wrap(ctx, std::span<float>(a), {0, 12}), unmask::error);
  CHECK_THROWS_AS(on::row_major_desc({}, dt::f32), unmask::error);
  const auto m = on::wrap(ctx, std::span<float>(a), {3, 4});
  CHECK_THROWS_AS(on::view<unmask::bfloat16>(m), unmask::error);
  const dnnl::memory transposed(dnnl::memory::desc({3, 4}, dt::f32, dnnl::memory::dims{1, 3}), ctx.engine(), a.data());
  CHECK_FALSE(on::is_row_major(transposed.get_desc()));
  CHECK_THROWS_AS(on::view<float>(transposed), unmask::error);
  CHECK_THROWS_AS(on::element_bytes(dt::s8), unmask::error);
  try {
    (void)on::view<unmask::bfloat16>(m);
  } catch (const unmask::error& e) {
    CHECK(e.code() == unmask::errc::shape_mismatch);
    CHECK(e.parameter() == "memory data_type");
  }
}
