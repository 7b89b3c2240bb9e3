// unmask: bidirectional multi-head attention with rotary positions on oneDNN primitives.
// RoPE in the backend's own loop, then batched matmul (QK^T, scaled), softmax and matmul (PV).
#pragma once

#include <unmask/backend/onednn/context.hpp>
#include <unmask/backend/onednn/memory_view.hpp>
#include <unmask/core/config.hpp>
#include <unmask/core/error.hpp>

#include <oneapi/dnnl/dnnl.hpp>

#include <algorithm>
#include <cmath>
#include <string>
#include <unordered_map>
#include <vector>

UNMASK_NAMESPACE_BEGIN
namespace onednn {

/// Self-attention of one sequence as in LLaDA (no causal mask, no biases, rotate-half
/// RoPE on q and k, softmax(q k^T / sqrt(head_dim)) v per head).
/// In: qkv [seq x 3 d] f32 dense row-major, the q | k | v projections side by side
/// (d = heads x head_dim, head h at columns [h hd, (h+1) hd) of each). Out: [seq x d]
/// f32 dense row-major, heads side by side (what the output projection reads).
/// RoPE runs in the backend's own loop (oneDNN 2.6 has no rotary primitive) and writes
/// q and k head-major; then one batched matmul gives the scores of every head (scale
/// fused as the output scale), an in-place softmax primitive normalises them and one
/// batched matmul multiplies by v, read in place from qkv through a strided
/// descriptor and written in place into `out` through another. Tables (cos / sin as
/// PyTorch computes them in float32) and buffers are made in the constructor; execute
/// allocates nothing of its own. Cost: 4 seq^2 d flops + O(seq d); memory
/// 4 (2 seq d + heads seq^2) bytes.
class attention {
 public:
  attention(const context& ctx, index_t seq, index_t heads, index_t head_dim, double rope_theta)
      : seq_(seq), heads_(heads), hd_(head_dim) {
    unmask::detail::require(seq > 0, "seq", seq, "must be positive");
    unmask::detail::require(heads > 0, "heads", heads, "must be positive");
    unmask::detail::require(head_dim > 0 && head_dim % 2 == 0, "head_dim", head_dim, "must be positive and even");
    unmask::detail::require(rope_theta > 0 && std::isfinite(rope_theta), "rope_theta", rope_theta,
                            "must be finite and positive");
    using dt = dnnl::memory::data_type;
    const index_t d = heads * head_dim, half = head_dim / 2;
    const auto& eng = ctx.engine();
    qkv_ = row_major_desc({seq, 3 * d}, dt::f32);
    out_ = row_major_desc({seq, d}, dt::f32);
    const dnnl::memory::desc q = row_major_desc({heads, seq, head_dim}, dt::f32);
    const dnnl::memory::desc kt({heads, head_dim, seq}, dt::f32, dnnl::memory::dims{seq * head_dim, 1, head_dim});
    const dnnl::memory::desc scores = row_major_desc({heads, seq, seq}, dt::f32);
    const dnnl::memory::desc v({heads, seq, head_dim}, dt::f32, dnnl::memory::dims{head_dim, 3 * d, 1});
    const dnnl::memory::desc y({heads, seq, head_dim}, dt::f32, dnnl::memory::dims{head_dim, d, 1});

    dnnl::primitive_attr qk_attr;
    qk_attr.set_output_scales(0, {1.0f / std::sqrt(static_cast<float>(head_dim))});
    qk_attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    dnnl::primitive_attr plain;
    plain.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    detail::guarded("attention", [&] {
      qk_pd_ = dnnl::matmul::primitive_desc(dnnl::matmul::desc(q, kt, scores), qk_attr, eng);
      softmax_pd_ = dnnl::softmax_forward::primitive_desc(
          dnnl::softmax_forward::desc(dnnl::prop_kind::forward_inference, scores, 2), plain, eng);
      pv_pd_ = dnnl::matmul::primitive_desc(dnnl::matmul::desc(scores, v, y), plain, eng);
      qk_ = dnnl::matmul(qk_pd_);
      softmax_ = dnnl::softmax_forward(softmax_pd_);
      pv_ = dnnl::matmul(pv_pd_);
      q_ = dnnl::memory(q, eng);
      k_ = dnnl::memory(row_major_desc({heads, seq, head_dim}, dt::f32), eng);
      kt_ = dnnl::memory(kt, eng, k_.get_data_handle());
      scores_ = dnnl::memory(scores, eng);
      v_ = dnnl::memory(v, eng, DNNL_MEMORY_NONE);
      y_ = dnnl::memory(y, eng, DNNL_MEMORY_NONE);
      return 0;
    });
    const std::size_t scratch = std::max({qk_pd_.scratchpad_desc().get_size(), softmax_pd_.scratchpad_desc().get_size(),
                                          pv_pd_.scratchpad_desc().get_size()});
    scratch_desc_ = dnnl::memory::desc({static_cast<dnnl::memory::dim>(scratch)}, dt::u8, dnnl::memory::dims{1});
    // As PyTorch: inv_freq = 1 / theta^(2i / hd) and angle = position * inv_freq, in float32.
    cos_.resize(static_cast<std::size_t>(seq * half));
    sin_.resize(cos_.size());
    for (index_t i = 0; i < half; ++i) {
      const float inv =
          1.0f / std::pow(static_cast<float>(rope_theta), static_cast<float>(2 * i) / static_cast<float>(head_dim));
      for (index_t p = 0; p < seq; ++p) {
        const float a = static_cast<float>(p) * inv;
        cos_[static_cast<std::size_t>(p * half + i)] = std::cos(a);
        sin_[static_cast<std::size_t>(p * half + i)] = std::sin(a);
      }
    }
  }

  [[nodiscard]] index_t seq() const noexcept { return seq_; }
  [[nodiscard]] index_t heads() const noexcept { return heads_; }
  [[nodiscard]] index_t head_dim() const noexcept { return hd_; }
  [[nodiscard]] const dnnl::memory::desc& qkv_desc() const noexcept { return qkv_; }
  [[nodiscard]] const dnnl::memory::desc& out_desc() const noexcept { return out_; }
  /// Scratchpad bytes of the three primitives (they run one after another and share it).
  [[nodiscard]] const dnnl::memory::desc& scratchpad_desc() const noexcept { return scratch_desc_; }
  /// Bytes the op owns: q and k head-major and the scores.
  [[nodiscard]] std::size_t workspace_bytes() const {
    return q_.get_desc().get_size() + k_.get_desc().get_size() + scores_.get_desc().get_size();
  }

  /// Binds the scratchpad (at least scratchpad_desc().get_size() bytes); once, before execute.
  void bind(const dnnl::memory& scratchpad) {
    unmask::detail::require(scratchpad.get_desc().get_size() >= scratch_desc_.get_size(), "scratchpad",
                            scratchpad.get_desc().get_size(), "is smaller than scratchpad_desc()",
                            errc::shape_mismatch);
    using map = std::unordered_map<int, dnnl::memory>;
    qk_args_ = detail::bound_args(
        map{{DNNL_ARG_SRC, q_}, {DNNL_ARG_WEIGHTS, kt_}, {DNNL_ARG_DST, scores_}, {DNNL_ARG_SCRATCHPAD, scratchpad}});
    softmax_args_ =
        detail::bound_args(map{{DNNL_ARG_SRC, scores_}, {DNNL_ARG_DST, scores_}, {DNNL_ARG_SCRATCHPAD, scratchpad}});
    pv_args_ = detail::bound_args(
        map{{DNNL_ARG_SRC, scores_}, {DNNL_ARG_WEIGHTS, v_}, {DNNL_ARG_DST, y_}, {DNNL_ARG_SCRATCHPAD, scratchpad}});
    bound_ = true;
  }

  /// out = attention(qkv). Waits for the stream before its own RoPE loop (qkv may come
  /// from a primitive); the primitives after it are only submitted.
  void execute(dnnl::stream& stream, const dnnl::memory& qkv, const dnnl::memory& out) {
    unmask::detail::require(bound_, "attention", "unbound", "call bind(scratchpad) before execute");
    unmask::detail::require(qkv.get_desc() == qkv_, "qkv", "memory::desc", "must be [seq x 3 d] row-major f32",
                            errc::shape_mismatch);
    unmask::detail::require(out.get_desc() == out_, "out", "memory::desc", "must be [seq x d] row-major f32",
                            errc::shape_mismatch);
    stream.wait();
    const float* src = static_cast<const float*>(qkv.get_data_handle());
    rope(src, static_cast<float*>(q_.get_data_handle()), 0);
    rope(src, static_cast<float*>(k_.get_data_handle()), 1);
    const index_t d = heads_ * hd_;
    v_.set_data_handle(const_cast<float*>(src) + 2 * d);
    y_.set_data_handle(out.get_data_handle());
    qk_args_.execute(qk_, stream);
    softmax_args_.execute(softmax_, stream);
    pv_args_.execute(pv_, stream);
  }

  /// oneDNN's names of the three implementations (QK^T, softmax, PV).
  [[nodiscard]] std::string implementation() const {
    return std::string(qk_pd_.impl_info_str()) + ", " + softmax_pd_.impl_info_str() + ", " + pv_pd_.impl_info_str();
  }

 private:
  // dst[h][p][:] = rope(qkv[p][which d + h hd + :]): x cos + rotate_half(x) sin, rotate_half(a, b) = (-b, a).
  void rope(const float* qkv, float* dst, index_t which) const {
    const index_t d = heads_ * hd_, half = hd_ / 2;
    for (index_t p = 0; p < seq_; ++p) {
      const float* c = cos_.data() + p * half;
      const float* s = sin_.data() + p * half;
      for (index_t h = 0; h < heads_; ++h) {
        const float* x = qkv + p * 3 * d + which * d + h * hd_;
        float* o = dst + (h * seq_ + p) * hd_;
        for (index_t i = 0; i < half; ++i) {
          const float a = x[i], b = x[half + i];
          o[i] = a * c[i] - b * s[i];
          o[half + i] = b * c[i] + a * s[i];
        }
      }
    }
  }

  index_t seq_, heads_, hd_;
  dnnl::memory::desc qkv_, out_, scratch_desc_;
  dnnl::matmul::primitive_desc qk_pd_, pv_pd_;
  dnnl::softmax_forward::primitive_desc softmax_pd_;
  dnnl::matmul qk_, pv_;
  dnnl::softmax_forward softmax_;
  dnnl::memory q_, k_, kt_, scores_, v_, y_;
  detail::bound_args qk_args_, softmax_args_, pv_args_;
  bool bound_ = false;
  std::vector<float> cos_, sin_;
};

}  // namespace onednn
UNMASK_NAMESPACE_END
