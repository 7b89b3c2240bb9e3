// unmask: a linear layer on oneDNN's matmul: y = epilogue(x W^T), W in PyTorch's [out x in] layout.
// Created once per (rows, in, out, types, epilogue); the epilogue is fused as post-ops.
#pragma once

#include <unmask/backend/onednn/context.hpp>
#include <unmask/backend/onednn/memory_view.hpp>
#include <unmask/core/config.hpp>
#include <unmask/core/error.hpp>

#include <oneapi/dnnl/dnnl.hpp>

#include <unordered_map>

UNMASK_NAMESPACE_BEGIN
namespace onednn {

/// What a linear layer does with the product P = x W^T before storing it, fused into
/// the matmul as oneDNN post-ops (no extra pass over memory).
enum class epilogue {
  none,        ///< y = P
  swish,       ///< y = P * sigmoid(P) (SiLU; the gate of SwiGLU)
  multiply,    ///< y = P * other, other [rows x out] f32 (the up projection times silu(gate))
  accumulate,  ///< y = y + P (a residual connection; y must be f32)
};

/// A bias-free linear layer of a transformer on oneDNN's matmul primitive: x is
/// [rows x in] dense row-major of `src_type`, W is [out x in] dense row-major (as
/// PyTorch and safetensors store it, read as the transposed matmul weights without a
/// copy) of the same type, y is [rows x out] dense row-major of `dst_type`. f32 x f32
/// and bf16 x bf16 (f32 accumulation) are supported; the dst may be f32 or bf16.
/// The primitive is created in the constructor, with a user-managed scratchpad
/// (`scratchpad_desc()`), and its arguments are bound once (`arguments`): executing it
/// allocates nothing on the caller's side (oneDNN's execute allocates a few small
/// objects inside the library per call).
/// Cost: 2 rows x in x out flops. Deterministic for a fixed thread count (oneDNN may
/// split the reduction differently with another count).
class linear {
 public:
  using args = detail::bound_args;

  linear(const context& ctx, index_t rows, index_t in, index_t out, dnnl::memory::data_type src_type,
         dnnl::memory::data_type dst_type, epilogue post = epilogue::none)
      : rows_(rows), in_(in), out_(out), post_(post) {
    unmask::detail::require(rows > 0, "rows", rows, "must be positive");
    unmask::detail::require(in > 0, "in", in, "must be positive");
    unmask::detail::require(out > 0, "out", out, "must be positive");
    (void)element_bytes(src_type);
    (void)element_bytes(dst_type);
    unmask::detail::require(post != epilogue::accumulate || dst_type == dnnl::memory::data_type::f32, "dst_type",
                            static_cast<int>(dst_type), "an accumulating linear layer needs an f32 destination");
    src_ = row_major_desc({rows, in}, src_type);
    weights_ = dnnl::memory::desc({in, out}, src_type, dnnl::memory::dims{1, in});
    dst_ = row_major_desc({rows, out}, dst_type);
    other_ = row_major_desc({rows, out}, dnnl::memory::data_type::f32);
    dnnl::post_ops ops;
    if (post == epilogue::swish) ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_swish, 1.0f, 0.0f);
    if (post == epilogue::multiply) ops.append_binary(dnnl::algorithm::binary_mul, other_);
    if (post == epilogue::accumulate) ops.append_sum(1.0f);
    dnnl::primitive_attr attr;
    attr.set_post_ops(ops);
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    pd_ = detail::guarded("linear", [&] {
      return dnnl::matmul::primitive_desc(dnnl::matmul::desc(src_, weights_, dst_), attr, ctx.engine());
    });
    prim_ = dnnl::matmul(pd_);
  }

  [[nodiscard]] index_t rows() const noexcept { return rows_; }
  [[nodiscard]] index_t in() const noexcept { return in_; }
  [[nodiscard]] index_t out() const noexcept { return out_; }
  [[nodiscard]] epilogue post() const noexcept { return post_; }
  [[nodiscard]] const dnnl::memory::desc& src_desc() const noexcept { return src_; }
  /// W as the matmul reads it: dims {in, out}, strides {1, in} = [out x in] row-major.
  [[nodiscard]] const dnnl::memory::desc& weights_desc() const noexcept { return weights_; }
  [[nodiscard]] const dnnl::memory::desc& dst_desc() const noexcept { return dst_; }
  [[nodiscard]] const dnnl::memory::desc& other_desc() const noexcept { return other_; }
  [[nodiscard]] dnnl::memory::desc scratchpad_desc() const { return pd_.scratchpad_desc(); }
  /// oneDNN's name of the implementation it chose (e.g. "brg:avx512_core").
  [[nodiscard]] const char* implementation() const { return pd_.impl_info_str(); }

  /// The argument map for execute(): build it once, outside the step loop. `other` is
  /// needed (and only allowed) with epilogue::multiply; `scratchpad` must hold at least
  /// scratchpad_desc().get_size() bytes. Throws unmask::error on a wrong descriptor.
  [[nodiscard]] args arguments(const dnnl::memory& src, const dnnl::memory& weights, const dnnl::memory& dst,
                               const dnnl::memory& scratchpad, const dnnl::memory& other = {}) const {
    unmask::detail::require(src.get_desc() == src_, "src", "memory::desc", "must be [rows x in] row-major of src_type",
                            errc::shape_mismatch);
    unmask::detail::require(weights.get_desc() == weights_, "weights", "memory::desc",
                            "must be weights_desc() ([out x in] row-major of src_type)", errc::shape_mismatch);
    unmask::detail::require(dst.get_desc() == dst_, "dst", "memory::desc", "must be [rows x out] row-major of dst_type",
                            errc::shape_mismatch);
    unmask::detail::require(scratchpad.get_desc().get_size() >= scratchpad_desc().get_size(), "scratchpad",
                            scratchpad.get_desc().get_size(), "is smaller than scratchpad_desc()",
                            errc::shape_mismatch);
    const bool has_other = static_cast<bool>(other);
    unmask::detail::require(has_other == (post_ == epilogue::multiply), "other", has_other ? "given" : "missing",
                            "is required by, and only by, epilogue::multiply");
    if (has_other)
      unmask::detail::require(other.get_desc() == other_, "other", "memory::desc", "must be [rows x out] row-major f32",
                              errc::shape_mismatch);
    std::unordered_map<int, dnnl::memory> a{
        {DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DST, dst}, {DNNL_ARG_SCRATCHPAD, scratchpad}};
    if (has_other) a.emplace(DNNL_ARG_ATTR_MULTIPLE_POST_OP(0) | DNNL_ARG_SRC_1, other);
    return args(a);
  }

  /// Submits the matmul to `stream` with arguments from arguments().
  void execute(dnnl::stream& stream, const args& a) const { a.execute(prim_, stream); }

 private:
  index_t rows_, in_, out_;
  epilogue post_;
  dnnl::memory::desc src_, weights_, dst_, other_;
  dnnl::matmul::primitive_desc pd_;
  dnnl::matmul prim_;
};

}  // namespace onednn
UNMASK_NAMESPACE_END
