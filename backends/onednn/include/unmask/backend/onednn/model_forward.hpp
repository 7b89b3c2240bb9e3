// unmask: the forward pass of a LLaDA-architecture masked diffusion model on oneDNN primitives.
// Weights in f32 or bf16; primitives and buffers made once per sequence length; a model for the sampler.
#pragma once

#include <unmask/backend/onednn/attention.hpp>
#include <unmask/backend/onednn/context.hpp>
#include <unmask/backend/onednn/linear.hpp>
#include <unmask/backend/onednn/memory_view.hpp>
#include <unmask/backend/onednn/rms_norm.hpp>
#include <unmask/core/bfloat16.hpp>
#include <unmask/core/config.hpp>
#include <unmask/core/error.hpp>
#include <unmask/core/forward_request.hpp>
#include <unmask/core/model.hpp>

#include <oneapi/dnnl/dnnl.hpp>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

UNMASK_NAMESPACE_BEGIN
namespace onednn {

/// The hyperparameters of a LLaDA-architecture model (config.json's d_model, n_layers,
/// n_heads, mlp_hidden_size, vocab_size, rope_theta, rms_norm_eps).
struct llada_dims {
  index_t d_model = 0, n_layers = 0, n_heads = 0, mlp_hidden = 0, vocab = 0;
  double rope_theta = 10000.0, rms_norm_eps = 1e-5;
  friend bool operator==(const llada_dims&, const llada_dims&) = default;
};

/// How llada_forward runs: the weights' type and what it keeps.
struct llada_options {
  dnnl::memory::data_type weights = dnnl::memory::data_type::f32;  ///< f32 or bf16
  index_t max_shapes = 4;                                          ///< sequence lengths whose primitives are kept
  index_t head_chunk = 64;                                         ///< rows per head matmul
  friend bool operator==(const llada_options&, const llada_options&) = default;
};

/// LLaDA's architecture (Nie et al. 2025, modeling_llada.py, block_type "llama"):
/// token embedding, n_layers pre-RMSNorm blocks of bidirectional multi-head attention
/// with rotate-half RoPE and a SwiGLU MLP, a final RMSNorm and an untied output head;
/// no biases. Tensor names as in the LLaDA-8B checkpoint
/// (model.transformer.blocks.{i}.q_proj.weight, ...).
///
/// Per layer: RMSNorm (own fused loop, writes the matmul's source type) -> one matmul
/// for q | k | v -> attention (RoPE loop, batched matmul, softmax, batched matmul) ->
/// output projection with the residual add fused (post-op sum) -> RMSNorm -> gate
/// matmul with SiLU fused (post-op eltwise swish) -> up matmul with the product
/// silu(gate) * up fused (post-op binary mul) -> down matmul with the residual add
/// fused. The head runs only over the chunks of 64 rows that hold wanted positions.
/// Weights are f32, or bf16 (matmuls take bf16 activations and accumulate in f32;
/// the residual stream, norms, attention and logits stay f32). The embedding table
/// stays f32.
///
/// Primitives, buffers and the scratchpad are made once per sequence length (the
/// first call with that length, or `prepare`) and kept for the `max_shapes` most
/// recent lengths; a call with a known length allocates nothing of its own (oneDNN's
/// execute allocates a few small objects inside libdnnl per primitive call: about 6 with
/// oneDNN 2.6, tests/onednn/allocation_test.cpp). Rows of a request run
/// one after another. oneDNN threads each primitive (OMP_NUM_THREADS); the own loops
/// run on the calling thread. Logits match the Eigen forward (tools/model/tiny_mdm.hpp)
/// within 1e-4 absolute + 1e-4 relative in f32; in bf16 within the rounding of bf16
/// (tests/onednn/model_forward_test.cpp states the bound). Cost per row of length S:
/// 2 S (4 d^2 + 3 d f) + 4 S^2 d flops per layer + 2 (rows wanted, rounded up to 64) d V.
/// Deterministic for a fixed oneDNN thread count. Not thread-safe.
class llada_forward {
 public:
  using dims = llada_dims;
  using options = llada_options;

  /// Reads every tensor through `weights.floats(name, shape)` (a std::vector<float> of
  /// that shape, row-major; e.g. unmask_model::safetensors_file). Throws unmask::error on
  /// bad dims or options, or whatever `weights` throws for a missing or misshapen tensor.
  template <class Weights>
  llada_forward(const dims& dm, const Weights& weights, options opt = {}) : dims_(dm), opt_(opt) {
    using unmask::detail::require;
    require(dm.d_model > 0, "d_model", dm.d_model, "must be positive");
    require(dm.n_heads > 0 && dm.d_model % dm.n_heads == 0, "n_heads", dm.n_heads, "must divide d_model");
    require((dm.d_model / dm.n_heads) % 2 == 0, "n_heads", dm.n_heads, "must leave an even head dimension");
    require(dm.n_layers > 0, "n_layers", dm.n_layers, "must be positive");
    require(dm.mlp_hidden > 0, "mlp_hidden_size", dm.mlp_hidden, "must be positive");
    require(dm.vocab > 0, "vocab_size", dm.vocab, "must be positive");
    require(dm.rms_norm_eps >= 0, "rms_norm_eps", dm.rms_norm_eps, "must be >= 0");
    require(opt.weights == dnnl::memory::data_type::f32 || opt.weights == dnnl::memory::data_type::bf16,
            "options.weights", static_cast<int>(opt.weights), "must be f32 or bf16");
    require(opt.max_shapes >= 1, "options.max_shapes", opt.max_shapes, "must be positive");
    require(opt.head_chunk >= 1, "options.head_chunk", opt.head_chunk, "must be positive");
    const index_t d = dm.d_model, f = dm.mlp_hidden, v = dm.vocab;
    const std::string t = "model.transformer.";
    wte_ = weights.floats(t + "wte.weight", {v, d});
    for (index_t i = 0; i < dm.n_layers; ++i) {
      const std::string b = t + "blocks." + std::to_string(i) + ".";
      layer L;
      L.attn_norm = weights.floats(b + "attn_norm.weight", {d});
      L.ff_norm = weights.floats(b + "ff_norm.weight", {d});
      std::vector<float> qkv = weights.floats(b + "q_proj.weight", {d, d});
      for (const char* name : {"k_proj.weight", "v_proj.weight"}) {
        const auto part = weights.floats(b + name, {d, d});
        qkv.insert(qkv.end(), part.begin(), part.end());
      }
      L.qkv = store(qkv, {3 * d, d});
      L.wo = store(weights.floats(b + "attn_out.weight", {d, d}), {d, d});
      L.gate = store(weights.floats(b + "ff_proj.weight", {f, d}), {f, d});
      L.up = store(weights.floats(b + "up_proj.weight", {f, d}), {f, d});
      L.down = store(weights.floats(b + "ff_out.weight", {d, f}), {d, f});
      layers_.push_back(std::move(L));
    }
    ln_f_ = weights.floats(t + "ln_f.weight", {d});
    head_ = store(weights.floats(t + "ff_out.weight", {v, d}), {v, d});
  }

  [[nodiscard]] const dims& model_dims() const noexcept { return dims_; }
  [[nodiscard]] const options& model_options() const noexcept { return opt_; }
  [[nodiscard]] index_t vocab_size() const noexcept { return dims_.vocab; }

  /// Makes the primitives and buffers for sequences of length `seq` now (so that the
  /// first step of a run allocates nothing); returns the bytes they hold.
  std::size_t prepare(index_t seq) { return shape_for(seq).bytes; }

  /// The model concept: logits of every wanted position of every row.
  void operator()(const forward_request& req) {
    unmask::detail::require(req.vocab == dims_.vocab, "request.vocab", req.vocab, "must equal the model's vocab_size",
                            errc::shape_mismatch);
    for (const auto& row : req.rows) {
      const auto S = static_cast<index_t>(row.tokens.size());
      unmask::detail::require(row.logits_begin >= 0 && row.logits_begin <= row.logits_end && row.logits_end <= S,
                              "row.logits_end", row.logits_end,
                              "must satisfy 0 <= logits_begin <= logits_end <= tokens.size()");
      if (row.logits_end == row.logits_begin) continue;
      unmask::detail::require(row.logits != nullptr, "row.logits", "null", "must point to the output buffer");
      forward(row.tokens, row.logits_begin, row.logits_end, row.logits);
    }
  }

  /// Logits of positions [begin, end) of `tokens` into out ((end - begin) x vocab, row-major).
  void forward(std::span<const token_id> tokens, index_t begin, index_t end, float* out) {
    const auto S = static_cast<index_t>(tokens.size());
    unmask::detail::require(S > 0, "tokens.size()", S, "must be positive");
    unmask::detail::require(begin >= 0 && begin < end && end <= S, "end", end,
                            "must satisfy 0 <= begin < end <= tokens.size()");
    for (const token_id tok : tokens)
      unmask::detail::require(tok >= 0 && tok < dims_.vocab, "token", tok, "must lie in [0, vocab_size)");
    shape& sh = shape_for(S);
    run(sh, tokens);
    head(sh, begin, end, out);
  }

  /// All S x vocab logits of `tokens` (for tests and tools; allocates the result).
  [[nodiscard]] std::vector<float> logits(std::span<const token_id> tokens) {
    std::vector<float> out(tokens.size() * static_cast<std::size_t>(dims_.vocab));
    forward(tokens, 0, static_cast<index_t>(tokens.size()), out.data());
    return out;
  }

  /// oneDNN's implementation names of the matmuls and attention of length `seq` (e.g.
  /// to check that no reference kernel was picked).
  [[nodiscard]] std::string implementations(index_t seq) {
    const shape& sh = shape_for(seq);
    return std::string("qkv ") + sh.qkv.implementation() + "; wo " + sh.wo.implementation() + "; gate " +
           sh.gate.implementation() + "; up " + sh.up.implementation() + "; down " + sh.down.implementation() +
           "; head " + sh.head.implementation() + "; attention " + sh.attn.implementation();
  }

 private:
  // A weight matrix [rows x cols] row-major in the weights type.
  struct tensor {
    std::vector<float> f32;
    std::vector<bfloat16> bf16;
    dnnl::memory::dims shape;
    [[nodiscard]] void* data() {
      return f32.empty() ? static_cast<void*>(bf16.data()) : static_cast<void*>(f32.data());
    }
  };
  struct layer {
    std::vector<float> attn_norm, ff_norm;
    tensor qkv, wo, gate, up, down;
  };

  // Everything one sequence length needs: primitives, buffers, argument maps.
  struct shape {
    shape(const context& ctx, index_t S, const dims& dm, const options& opt)
        : seq(S),
          qkv(ctx, S, dm.d_model, 3 * dm.d_model, opt.weights, dnnl::memory::data_type::f32),
          wo(ctx, S, dm.d_model, dm.d_model, opt.weights, dnnl::memory::data_type::f32, epilogue::accumulate),
          gate(ctx, S, dm.d_model, dm.mlp_hidden, opt.weights, dnnl::memory::data_type::f32, epilogue::swish),
          up(ctx, S, dm.d_model, dm.mlp_hidden, opt.weights, opt.weights, epilogue::multiply),
          down(ctx, S, dm.mlp_hidden, dm.d_model, opt.weights, dnnl::memory::data_type::f32, epilogue::accumulate),
          head(ctx, std::min(S, opt.head_chunk), dm.d_model, dm.vocab, opt.weights, dnnl::memory::data_type::f32),
          attn(ctx, S, dm.n_heads, dm.d_model / dm.n_heads, dm.rope_theta),
          norm(S, dm.d_model, dm.rms_norm_eps, opt.weights) {}
    index_t seq;
    linear qkv, wo, gate, up, down, head;
    attention attn;
    rms_norm norm;
    dnnl::memory x, h, qkv_out, y, y_act, g, u, h_chunk, head_out, scratch;
    dnnl::reorder to_act;
    detail::bound_args to_act_args;
    std::vector<linear::args> qkv_args, wo_args, gate_args, up_args, down_args;
    linear::args head_args;
    std::size_t bytes = 0;
    std::uint64_t used = 0;
  };

  tensor store(std::vector<float> w, dnnl::memory::dims shp) const {
    tensor t;
    t.shape = std::move(shp);
    if (opt_.weights == dnnl::memory::data_type::f32) {
      t.f32 = std::move(w);
    } else {
      t.bf16.resize(w.size());
      for (std::size_t i = 0; i < w.size(); ++i) t.bf16[i] = bfloat16::from_float(w[i]);
    }
    return t;
  }

  shape& shape_for(index_t seq) {
    unmask::detail::require(seq > 0, "seq", seq, "must be positive");
    ++clock_;
    for (auto& s : shapes_)
      if (s->seq == seq) {
        s->used = clock_;
        return *s;
      }
    if (static_cast<index_t>(shapes_.size()) >= opt_.max_shapes) {
      auto oldest = std::min_element(shapes_.begin(), shapes_.end(),
                                     [](const auto& a, const auto& b) { return a->used < b->used; });
      shapes_.erase(oldest);
    }
    shapes_.push_back(make_shape(seq));
    shapes_.back()->used = clock_;
    return *shapes_.back();
  }

  std::unique_ptr<shape> make_shape(index_t S) {
    using dt = dnnl::memory::data_type;
    const index_t d = dims_.d_model, f = dims_.mlp_hidden, V = dims_.vocab;
    const index_t C = std::min(S, opt_.head_chunk);
    const dt act = opt_.weights;
    const auto& eng = ctx_.engine();
    auto sh = std::make_unique<shape>(ctx_, S, dims_, opt_);
    auto mem = [&](const dnnl::memory::desc& md) {
      sh->bytes += md.get_size();
      return detail::guarded("memory", [&] { return dnnl::memory(md, eng); });
    };
    sh->x = mem(row_major_desc({S, d}, dt::f32));
    sh->h = mem(row_major_desc({S, d}, act));
    sh->qkv_out = mem(row_major_desc({S, 3 * d}, dt::f32));
    sh->y = mem(row_major_desc({S, d}, dt::f32));
    if (act != dt::f32) {
      sh->y_act = mem(row_major_desc({S, d}, act));
      sh->to_act = detail::guarded("reorder", [&] { return dnnl::reorder(sh->y, sh->y_act); });
      sh->to_act_args =
          detail::bound_args(std::unordered_map<int, dnnl::memory>{{DNNL_ARG_FROM, sh->y}, {DNNL_ARG_TO, sh->y_act}});
    }
    sh->g = mem(row_major_desc({S, f}, dt::f32));
    sh->u = mem(row_major_desc({S, f}, act));
    sh->h_chunk = dnnl::memory(row_major_desc({C, d}, act), eng, sh->h.get_data_handle());
    sh->head_out = mem(row_major_desc({C, V}, dt::f32));
    std::size_t scratch = sh->attn.scratchpad_desc().get_size();
    for (const linear* l : {&sh->qkv, &sh->wo, &sh->gate, &sh->up, &sh->down, &sh->head})
      scratch = std::max(scratch, l->scratchpad_desc().get_size());
    sh->scratch = mem(dnnl::memory::desc({static_cast<dnnl::memory::dim>(std::max<std::size_t>(scratch, 1))}, dt::u8,
                                         dnnl::memory::dims{1}));
    sh->bytes += sh->attn.workspace_bytes();
    sh->attn.bind(sh->scratch);
    const dnnl::memory& act_y = act == dt::f32 ? sh->y : sh->y_act;
    for (auto& L : layers_) {
      auto wmem = [&](const linear& l, tensor& w) { return dnnl::memory(l.weights_desc(), eng, w.data()); };
      sh->qkv_args.push_back(sh->qkv.arguments(sh->h, wmem(sh->qkv, L.qkv), sh->qkv_out, sh->scratch));
      sh->wo_args.push_back(sh->wo.arguments(act_y, wmem(sh->wo, L.wo), sh->x, sh->scratch));
      sh->gate_args.push_back(sh->gate.arguments(sh->h, wmem(sh->gate, L.gate), sh->g, sh->scratch));
      sh->up_args.push_back(sh->up.arguments(sh->h, wmem(sh->up, L.up), sh->u, sh->scratch, sh->g));
      sh->down_args.push_back(sh->down.arguments(sh->u, wmem(sh->down, L.down), sh->x, sh->scratch));
    }
    sh->head_args = sh->head.arguments(sh->h_chunk, dnnl::memory(sh->head.weights_desc(), eng, head_.data()),
                                       sh->head_out, sh->scratch);
    return sh;
  }

  // Every layer over `tokens`; leaves the final normalised hidden states in sh.h.
  void run(shape& sh, std::span<const token_id> tokens) {
    const index_t d = dims_.d_model;
    auto& st = ctx_.stream();
    float* x = static_cast<float*>(sh.x.get_data_handle());
    for (std::size_t p = 0; p < tokens.size(); ++p)
      std::memcpy(x + static_cast<index_t>(p) * d, wte_.data() + static_cast<index_t>(tokens[p]) * d,
                  static_cast<std::size_t>(d) * sizeof(float));
    for (std::size_t l = 0; l < layers_.size(); ++l) {
      const layer& L = layers_[l];
      sh.norm(sh.x, L.attn_norm, sh.h);
      sh.qkv.execute(st, sh.qkv_args[l]);
      sh.attn.execute(st, sh.qkv_out, sh.y);
      if (sh.y_act) sh.to_act_args.execute(sh.to_act, st);
      sh.wo.execute(st, sh.wo_args[l]);
      st.wait();
      sh.norm(sh.x, L.ff_norm, sh.h);
      sh.gate.execute(st, sh.gate_args[l]);
      sh.up.execute(st, sh.up_args[l]);
      sh.down.execute(st, sh.down_args[l]);
      st.wait();
    }
    sh.norm(sh.x, ln_f_, sh.h);
  }

  // Logits of rows [begin, end) from sh.h, chunk by chunk (the last chunk is moved back
  // to end at row seq, recomputing a few rows rather than reading past the buffer).
  void head(shape& sh, index_t begin, index_t end, float* out) {
    const index_t C = sh.head.rows(), V = dims_.vocab;
    const std::size_t row_bytes =
        static_cast<std::size_t>(dims_.d_model) * static_cast<std::size_t>(element_bytes(opt_.weights));
    auto* h = static_cast<unsigned char*>(sh.h.get_data_handle());
    const float* chunk = static_cast<const float*>(sh.head_out.get_data_handle());
    for (index_t r = begin; r < end; r += C) {
      const index_t s0 = std::min(r, sh.seq - C);
      sh.h_chunk.set_data_handle(h + static_cast<std::size_t>(s0) * row_bytes);
      sh.head.execute(ctx_.stream(), sh.head_args);
      ctx_.wait();
      const index_t n = std::min(C, end - r);
      std::memcpy(out + (r - begin) * V, chunk + (r - s0) * V, static_cast<std::size_t>(n * V) * sizeof(float));
    }
  }

  dims dims_;
  options opt_;
  context ctx_;
  std::vector<float> wte_, ln_f_;
  std::vector<layer> layers_;
  tensor head_;
  std::vector<std::unique_ptr<shape>> shapes_;
  std::uint64_t clock_ = 0;
};

static_assert(model<llada_forward>);

/// A llada_forward from any config with LLaDA's field names (d_model, n_layers,
/// n_heads, mlp_hidden_size, vocab_size, rope_theta, rms_norm_eps; e.g.
/// unmask_model::tiny_mdm_config) and any `weights.floats(name, shape)` source (e.g.
/// unmask_model::safetensors_file). What `unmask-demo --backend onednn` calls.
template <class Config, class Weights>
[[nodiscard]] llada_forward make_onednn_model(const Config& c, const Weights& weights,
                                              llada_forward::options opt = {}) {
  llada_forward::dims dm;
  dm.d_model = static_cast<index_t>(c.d_model);
  dm.n_layers = static_cast<index_t>(c.n_layers);
  dm.n_heads = static_cast<index_t>(c.n_heads);
  dm.mlp_hidden = static_cast<index_t>(c.mlp_hidden_size);
  dm.vocab = static_cast<index_t>(c.vocab_size);
  dm.rope_theta = static_cast<double>(c.rope_theta);
  dm.rms_norm_eps = static_cast<double>(c.rms_norm_eps);
  return llada_forward(dm, weights, opt);
}

}  // namespace onednn
UNMASK_NAMESPACE_END
