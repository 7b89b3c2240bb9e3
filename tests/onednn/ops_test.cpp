// The oneDNN backend's ops against plain loops in double: linear (every epilogue, f32 and
// bf16), attention (RoPE + softmax attention) and RMSNorm (f32 and bf16 output).
#include <unmask/backend/onednn/attention.hpp>
#include <unmask/backend/onednn/context.hpp>
#include <unmask/backend/onednn/linear.hpp>
#include <unmask/backend/onednn/memory_view.hpp>
#include <unmask/backend/onednn/rms_norm.hpp>
#include <unmask/core/bfloat16.hpp>
#include <unmask/core/philox.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <vector>

namespace {

using unmask::bfloat16;
using unmask::index_t;
namespace on = unmask::onednn;
using dt = dnnl::memory::data_type;

std::vector<float> normal(index_t n, std::uint32_t stream, double sd = 1.0) {
  std::vector<float> v(static_cast<std::size_t>(n));
  for (std::size_t i = 0; i < v.size(); ++i)
    v[i] = static_cast<float>(sd * unmask::philox_normal(11, {.stream = stream}, static_cast<std::uint32_t>(i)));
  return v;
}

std::vector<bfloat16> to_bf16(const std::vector<float>& f) {
  std::vector<bfloat16> b(f.size());
  for (std::size_t i = 0; i < f.size(); ++i) b[i] = bfloat16::from_float(f[i]);
  return b;
}

// The values a bf16 op really sees: f rounded to bf16 and back.
std::vector<float> rounded(const std::vector<float>& f) {
  std::vector<float> r(f.size());
  for (std::size_t i = 0; i < f.size(); ++i) r[i] = bfloat16::from_float(f[i]).to_float();
  return r;
}

dnnl::memory scratch_for(const on::context& ctx, const dnnl::memory::desc& d) {
  const auto n = static_cast<dnnl::memory::dim>(std::max<std::size_t>(d.get_size(), 1));
  return dnnl::memory(dnnl::memory::desc({n}, dt::u8, dnnl::memory::dims{1}), ctx.engine());
}

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

}  // namespace

TEST_CASE("linear: every epilogue in f32 and bf16 matches a plain loop", "[onednn][ops]") {
  on::context ctx;
  constexpr index_t rows = 37, in = 70, out = 53;
  const auto x = normal(rows * in, 1), w = normal(out * in, 2, 0.12), other = normal(rows * out, 3),
             y0 = normal(rows * out, 4);
  for (const dt type : {dt::f32, dt::bf16}) {
    for (const auto post :
         {on::epilogue::none, on::epilogue::swish, on::epilogue::multiply, on::epilogue::accumulate}) {
      // The up projection of SwiGLU writes the next matmul's type; the others write f32.
      const dt dst_type = post == on::epilogue::multiply ? type : dt::f32;
      CAPTURE(static_cast<int>(type), static_cast<int>(post));
      on::linear lin(ctx, rows, in, out, type, dst_type, post);
      const bool bf = type == dt::bf16;
      const auto xr = bf ? rounded(x) : x, wr = bf ? rounded(w) : w;
      std::vector<bfloat16> xb = to_bf16(x), wb = to_bf16(w), yb(static_cast<std::size_t>(rows * out));
      std::vector<float> xf = x, wf = w, yf = y0, of = other;
      const auto xm =
          bf ? on::wrap(ctx, std::span<bfloat16>(xb), {rows, in}) : on::wrap(ctx, std::span<float>(xf), {rows, in});
      const dnnl::memory wm(lin.weights_desc(), ctx.engine(),
                            bf ? static_cast<void*>(wb.data()) : static_cast<void*>(wf.data()));
      const auto ym = dst_type == dt::bf16 ? on::wrap(ctx, std::span<bfloat16>(yb), {rows, out})
                                           : on::wrap(ctx, std::span<float>(yf), {rows, out});
      const auto om = on::wrap(ctx, std::span<float>(of), {rows, out});
      const auto sp = scratch_for(ctx, lin.scratchpad_desc());
      lin.execute(ctx.stream(),
                  post == on::epilogue::multiply ? lin.arguments(xm, wm, ym, sp, om) : lin.arguments(xm, wm, ym, sp));
      ctx.wait();
      for (index_t r = 0; r < rows; ++r)
        for (index_t o = 0; o < out; ++o) {
          double p = 0, mag = 0;
          for (index_t i = 0; i < in; ++i) {
            p += static_cast<double>(xr[r * in + i]) * wr[o * in + i];
            mag += std::abs(static_cast<double>(xr[r * in + i]) * wr[o * in + i]);
          }
          const auto k = static_cast<std::size_t>(r * out + o);
          double want = p, scale = mag;
          if (post == on::epilogue::swish) want = p * sigmoid(p);
          if (post == on::epilogue::multiply) want = p * other[k], scale = mag * std::abs(other[k]);
          if (post == on::epilogue::accumulate) want = y0[k] + p, scale = mag + std::abs(y0[k]);
          const double got = dst_type == dt::bf16 ? static_cast<double>(yb[k].to_float()) : static_cast<double>(yf[k]);
          // f32 accumulation of exact products: a few ulp of the magnitude sum; a bf16
          // destination adds its rounding (2^-9 relative).
          const double tol = 1e-6 * scale + 1e-6 + (dst_type == dt::bf16 ? std::abs(want) / 256.0 : 0.0);
          REQUIRE(std::abs(got - want) <= tol);
        }
    }
  }
}

TEST_CASE("linear: rejects wrong shapes and types before running", "[onednn][ops][errors]") {
  on::context ctx;
  CHECK_THROWS_AS(on::linear(ctx, 0, 4, 4, dt::f32, dt::f32), unmask::error);
  CHECK_THROWS_AS(on::linear(ctx, 2, 4, 4, dt::f32, dt::bf16, on::epilogue::accumulate), unmask::error);
  CHECK_THROWS_AS(on::linear(ctx, 2, 4, 4, dt::s8, dt::f32), unmask::error);
  on::linear lin(ctx, 2, 4, 3, dt::f32, dt::f32, on::epilogue::multiply);
  std::vector<float> x(8), w(12), y(6), o(6), bad(9);
  const auto xm = on::wrap(ctx, std::span<float>(x), {2, 4});
  const dnnl::memory wm(lin.weights_desc(), ctx.engine(), w.data());
  const auto ym = on::wrap(ctx, std::span<float>(y), {2, 3});
  const auto om = on::wrap(ctx, std::span<float>(o), {2, 3});
  const auto badm = on::wrap(ctx, std::span<float>(bad), {3, 3});
  const auto sp = scratch_for(ctx, lin.scratchpad_desc());
  CHECK_NOTHROW(lin.arguments(xm, wm, ym, sp, om));
  CHECK_THROWS_AS(lin.arguments(xm, wm, ym, sp), unmask::error);        // multiply needs `other`
  CHECK_THROWS_AS(lin.arguments(xm, wm, badm, sp, om), unmask::error);  // wrong dst shape
  CHECK_THROWS_AS(lin.arguments(xm, wm, ym, sp, badm), unmask::error);  // wrong other shape
  CHECK_THROWS_AS(lin.arguments(ym, wm, ym, sp, om), unmask::error);    // wrong src shape
  CHECK_THROWS_AS(lin.arguments(xm, xm, ym, sp, om), unmask::error);    // x is not the weights layout
}

TEST_CASE("attention: RoPE + softmax attention matches a plain loop", "[onednn][ops]") {
  on::context ctx;
  for (const index_t seq : {1, 9, 40}) {
    constexpr index_t heads = 3, hd = 8, d = heads * hd;
    constexpr double theta = 500000.0;
    CAPTURE(seq);
    auto qkv = normal(seq * 3 * d, 5);
    std::vector<float> y(static_cast<std::size_t>(seq * d), -7.0f);
    on::attention att(ctx, seq, heads, hd, theta);
    const auto sp = scratch_for(ctx, att.scratchpad_desc());
    att.bind(sp);
    att.execute(ctx.stream(), on::wrap(ctx, std::span<float>(qkv), {seq, 3 * d}),
                on::wrap(ctx, std::span<float>(y), {seq, d}));
    ctx.wait();
    // Reference in double (angles from the same float32 inv_freq as PyTorch).
    auto rot = [&](index_t p, index_t which, index_t h, index_t i) {
      const index_t half = hd / 2, j = i % half;
      const float inv = 1.0f / std::pow(static_cast<float>(theta), static_cast<float>(2 * j) / static_cast<float>(hd));
      const double a = static_cast<double>(static_cast<float>(p) * inv);
      const float* x = qkv.data() + p * 3 * d + which * d + h * hd;
      return i < half ? x[i] * std::cos(a) - x[i + half] * std::sin(a) : x[i] * std::cos(a) + x[i - half] * std::sin(a);
    };
    for (index_t h = 0; h < heads; ++h)
      for (index_t p = 0; p < seq; ++p) {
        std::vector<double> s(static_cast<std::size_t>(seq));
        double m = -1e300, z = 0;
        for (index_t t = 0; t < seq; ++t) {
          double dot = 0;
          for (index_t i = 0; i < hd; ++i) dot += rot(p, 0, h, i) * rot(t, 1, h, i);
          s[static_cast<std::size_t>(t)] = dot / std::sqrt(static_cast<double>(hd));
          m = std::max(m, s[static_cast<std::size_t>(t)]);
        }
        for (auto& e : s) z += (e = std::exp(e - m));
        for (index_t i = 0; i < hd; ++i) {
          double want = 0;
          for (index_t t = 0; t < seq; ++t)
            want += s[static_cast<std::size_t>(t)] / z * qkv[static_cast<std::size_t>(t * 3 * d + 2 * d + h * hd + i)];
          REQUIRE(std::abs(y[static_cast<std::size_t>(p * d + h * hd + i)] - want) <= 2e-5 * (1 + std::abs(want)));
        }
      }
  }
}

TEST_CASE("attention: errors name the parameter", "[onednn][ops][errors]") {
  on::context ctx;
  CHECK_THROWS_AS(on::attention(ctx, 4, 2, 3, 1e4), unmask::error);  // odd head_dim
  CHECK_THROWS_AS(on::attention(ctx, 0, 2, 4, 1e4), unmask::error);
  CHECK_THROWS_AS(on::attention(ctx, 4, 2, 4, 0.0), unmask::error);
  on::attention att(ctx, 4, 2, 4, 1e4);
  std::vector<float> qkv(4 * 24), y(4 * 8);
  const auto q = on::wrap(ctx, std::span<float>(qkv), {4, 24});
  const auto o = on::wrap(ctx, std::span<float>(y), {4, 8});
  CHECK_THROWS_AS(att.execute(ctx.stream(), q, o), unmask::error);  // not bound
  att.bind(scratch_for(ctx, att.scratchpad_desc()));
  CHECK_THROWS_AS(att.execute(ctx.stream(), o, o), unmask::error);
  CHECK_NOTHROW(att.execute(ctx.stream(), q, o));
}

TEST_CASE("rms_norm: f32 and bf16 output match a plain loop", "[onednn][ops]") {
  on::context ctx;
  constexpr index_t rows = 13, dim = 96;
  constexpr double eps = 1e-5;
  auto x = normal(rows * dim, 6, 3.0);
  for (index_t i = 0; i < dim; ++i)
    x[static_cast<std::size_t>(4 * dim + i)] = 0.0f;  // an all-zero row: eps keeps it finite
  const auto w = normal(dim, 7);
  const auto xm = on::wrap(ctx, std::span<float>(x), {rows, dim});
  std::vector<float> yf(x.size());
  std::vector<bfloat16> yb(x.size());
  on::rms_norm(rows, dim, eps, dt::f32)(xm, w, on::wrap(ctx, std::span<float>(yf), {rows, dim}));
  on::rms_norm(rows, dim, eps, dt::bf16)(xm, w, on::wrap(ctx, std::span<bfloat16>(yb), {rows, dim}));
  for (index_t r = 0; r < rows; ++r) {
    double ss = 0;
    for (index_t i = 0; i < dim; ++i)
      ss += static_cast<double>(x[static_cast<std::size_t>(r * dim + i)]) * x[static_cast<std::size_t>(r * dim + i)];
    const double inv = 1.0 / std::sqrt(ss / dim + eps);
    for (index_t i = 0; i < dim; ++i) {
      const auto k = static_cast<std::size_t>(r * dim + i);
      const double want = x[k] * static_cast<double>(w[static_cast<std::size_t>(i)]) * inv;
      REQUIRE(std::abs(yf[k] - want) <= 1e-6 * (1 + std::abs(want)));
      REQUIRE(std::abs(yb[k].to_float() - want) <= std::abs(want) / 256.0 + 1e-6);
    }
  }
  CHECK_THROWS_AS(on::rms_norm(rows, dim, -1.0, dt::f32), unmask::error);
  CHECK_THROWS_AS(on::rms_norm(rows, dim, eps, dt::f32)(xm, std::span<const float>(w).first(5),
                                                        on::wrap(ctx, std::span<float>(yf), {rows, dim})),
                  unmask::error);
}
