// unmask: RMSNorm over the rows of oneDNN memory in one fused loop (f32 in, f32 or bf16 out).
// y = x * w / sqrt(mean(x^2) + eps): the normalised input of the next matmul, in its type.
#pragma once

#include <unmask/backend/onednn/memory_view.hpp>
#include <unmask/core/bfloat16.hpp>
#include <unmask/core/config.hpp>
#include <unmask/core/error.hpp>

#include <oneapi/dnnl/dnnl.hpp>

#include <cmath>
#include <span>
#include <type_traits>

UNMASK_NAMESPACE_BEGIN
namespace onednn {

/// RMSNorm of every row of x ([rows x dim] f32, dense row-major) with weight w (dim),
/// written to y ([rows x dim], f32 or bf16: the source type of the matmul that reads
/// it, so no separate conversion pass): y = (x * w) / sqrt(mean(x^2) + eps).
/// The backend's own loop, not primitives: with oneDNN 2.6 on the benchmark machine the
/// sum-of-squares reduction (reduction_norm_lp_power_p_sum) picks the reference
/// implementation, the per-row broadcast binary (x * r) has no jit kernel for a bf16
/// destination, and a matmul with a per-row binary post-op falls back to the reference
/// matmul (docs/backends.md). The mean of squares accumulates in double.
/// Cost: two reads of x and one write of y. Deterministic.
class rms_norm {
 public:
  rms_norm(index_t rows, index_t dim, double eps, dnnl::memory::data_type out_type)
      : rows_(rows), dim_(dim), eps_(static_cast<float>(eps)) {
    unmask::detail::require(rows > 0, "rows", rows, "must be positive");
    unmask::detail::require(dim > 0, "dim", dim, "must be positive");
    unmask::detail::require(eps >= 0 && std::isfinite(eps), "eps", eps, "must be finite and >= 0");
    (void)element_bytes(out_type);
    in_ = row_major_desc({rows, dim}, dnnl::memory::data_type::f32);
    out_ = row_major_desc({rows, dim}, out_type);
  }

  [[nodiscard]] const dnnl::memory::desc& src_desc() const noexcept { return in_; }
  [[nodiscard]] const dnnl::memory::desc& dst_desc() const noexcept { return out_; }

  /// y = rms_norm(x) * weight. The caller has waited for the stream that wrote x.
  void operator()(const dnnl::memory& x, std::span<const float> weight, const dnnl::memory& y) const {
    unmask::detail::require(x.get_desc() == in_, "x", "memory::desc", "must be [rows x dim] row-major f32",
                            errc::shape_mismatch);
    unmask::detail::require(y.get_desc() == out_, "y", "memory::desc", "must be [rows x dim] row-major of out_type",
                            errc::shape_mismatch);
    unmask::detail::require(static_cast<index_t>(weight.size()) == dim_, "weight.size()", weight.size(),
                            "must equal dim", errc::shape_mismatch);
    const float* src = static_cast<const float*>(x.get_data_handle());
    if (out_.data_type() == dnnl::memory::data_type::f32) {
      run(src, weight.data(), static_cast<float*>(y.get_data_handle()));
    } else {
      run(src, weight.data(), static_cast<bfloat16*>(y.get_data_handle()));
    }
  }

 private:
  template <class Out>
  void run(const float* x, const float* w, Out* y) const {
    for (index_t r = 0; r < rows_; ++r) {
      const float* xr = x + r * dim_;
      Out* yr = y + r * dim_;
      double ss = 0;
      for (index_t i = 0; i < dim_; ++i) ss += static_cast<double>(xr[i]) * xr[i];
      const float denom = std::sqrt(static_cast<float>(ss / static_cast<double>(dim_)) + eps_);
      for (index_t i = 0; i < dim_; ++i) {
        const float v = xr[i] * w[i] / denom;
        if constexpr (std::is_same_v<Out, float>) {
          yr[i] = v;
        } else {
          yr[i] = bfloat16::from_float(v);
        }
      }
    }
  }

  index_t rows_, dim_;
  float eps_;
  dnnl::memory::desc in_, out_;
};

}  // namespace onednn
UNMASK_NAMESPACE_END
