// unmask-model: the tiny LLaDA-architecture masked diffusion model, forward pass on the CPU (Eigen).
// Loads models/tiny-mdm (config.json + model.safetensors) and satisfies unmask's model concept.
#pragma once

#include "model/safetensors.hpp"

#include <unmask/core/error.hpp>
#include <unmask/core/forward_request.hpp>
#include <unmask/core/model.hpp>

#include <Eigen/Dense>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <span>
#include <string>
#include <vector>

namespace unmask_model {

/// The hyperparameters read from config.json (LLaDA's key names).
struct tiny_mdm_config {
  std::int64_t d_model = 0, n_layers = 0, n_heads = 0, mlp_hidden_size = 0, vocab_size = 0;
  double rope_theta = 10000.0, rms_norm_eps = 1e-5;
  unmask::token_id mask_token_id = -1, eos_token_id = -1;
};

/// LLaDA's architecture (Nie et al. 2025, modeling_llada.py, block_type "llama"): token
/// embedding, n_layers pre-RMSNorm blocks of bidirectional multi-head attention with
/// rotary positions (rotate-half) and a SwiGLU MLP (ff_proj gate, up_proj, ff_out down),
/// final RMSNorm and an untied output head; no biases. Tensor names as in the LLaDA-8B
/// checkpoint (model.transformer.blocks.{i}.q_proj.weight, ...).
///
/// `operator()(forward_request)` runs every row in full (no KV cache) and writes the
/// logits of [logits_begin, logits_end). Cost per row of length S: O(S d (4d + 3f) +
/// S^2 d) per layer. Deterministic (float32, single thread, fixed summation order).
/// Scratch buffers are kept between calls, so a run allocates only when rows grow.
class tiny_mdm {
 public:
  using matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  using vector = Eigen::VectorXf;

  /// Loads `dir`/config.json and `dir`/model.safetensors; throws unmask::error on any mismatch.
  static tiny_mdm load(const std::string& dir) {
    std::ifstream in(dir + "/config.json");
    if (!in) throw unmask::error(unmask::errc::invalid_argument, "model", "cannot open " + dir + "/config.json");
    const auto j = nlohmann::json::parse(in, nullptr, false);
    if (j.is_discarded() || !j.is_object())
      throw unmask::error(unmask::errc::invalid_argument, "model", dir + "/config.json is not a JSON object");
    tiny_mdm_config c;
    try {
      c.d_model = j.at("d_model").get<std::int64_t>();
      c.n_layers = j.at("n_layers").get<std::int64_t>();
      c.n_heads = j.at("n_heads").get<std::int64_t>();
      c.mlp_hidden_size = j.at("mlp_hidden_size").get<std::int64_t>();
      c.vocab_size = j.at("vocab_size").get<std::int64_t>();
      c.rope_theta = j.value("rope_theta", 10000.0);
      c.rms_norm_eps = j.value("rms_norm_eps", 1e-5);
      c.mask_token_id = j.value("mask_token_id", -1);
      c.eos_token_id = j.value("eos_token_id", -1);
    } catch (const nlohmann::json::exception& e) {
      throw unmask::error(unmask::errc::invalid_argument, "model", dir + "/config.json: " + e.what());
    }
    if (j.contains("n_kv_heads") && j["n_kv_heads"].get<std::int64_t>() != c.n_heads)
      throw unmask::error(unmask::errc::invalid_argument, "n_kv_heads", "n_kv_heads != n_heads (grouped-query attention) is not supported");
    return tiny_mdm(c, safetensors_file::load(dir + "/model.safetensors"));
  }

  tiny_mdm(const tiny_mdm_config& c, const safetensors_file& w) : cfg_(c) {
    using unmask::detail::require;
    require(c.d_model > 0, "d_model", c.d_model, "must be positive");
    require(c.n_heads > 0 && c.d_model % c.n_heads == 0, "n_heads", c.n_heads, "must divide d_model");
    require((c.d_model / c.n_heads) % 2 == 0, "n_heads", c.n_heads, "must leave an even head dimension");
    require(c.n_layers > 0, "n_layers", c.n_layers, "must be positive");
    require(c.mlp_hidden_size > 0, "mlp_hidden_size", c.mlp_hidden_size, "must be positive");
    require(c.vocab_size > 0, "vocab_size", c.vocab_size, "must be positive");
    const auto d = c.d_model, f = c.mlp_hidden_size, v = c.vocab_size;
    const std::string t = "model.transformer.";
    wte_ = mat(w, t + "wte.weight", v, d);
    for (std::int64_t i = 0; i < c.n_layers; ++i) {
      const std::string b = t + "blocks." + std::to_string(i) + ".";
      layer L;
      L.attn_norm = vec(w, b + "attn_norm.weight", d);
      L.wq = mat(w, b + "q_proj.weight", d, d);
      L.wk = mat(w, b + "k_proj.weight", d, d);
      L.wv = mat(w, b + "v_proj.weight", d, d);
      L.wo = mat(w, b + "attn_out.weight", d, d);
      L.ff_norm = vec(w, b + "ff_norm.weight", d);
      L.w_gate = mat(w, b + "ff_proj.weight", f, d);
      L.w_up = mat(w, b + "up_proj.weight", f, d);
      L.w_down = mat(w, b + "ff_out.weight", d, f);
      layers_.push_back(std::move(L));
    }
    ln_f_ = vec(w, t + "ln_f.weight", d);
    head_ = mat(w, t + "ff_out.weight", v, d);
  }

  [[nodiscard]] const tiny_mdm_config& config() const noexcept { return cfg_; }
  [[nodiscard]] unmask::index_t vocab_size() const noexcept { return cfg_.vocab_size; }

  /// The model concept: logits for every wanted position of every row.
  void operator()(const unmask::forward_request& req) {
    unmask::detail::require(req.vocab == cfg_.vocab_size, "request.vocab", req.vocab, "must equal the model's vocab_size",
                            unmask::errc::shape_mismatch);
    for (const auto& row : req.rows) forward_row(row);
  }

  /// Logits of every position of `tokens` (S x vocab, row-major) — for tests and tools.
  [[nodiscard]] matrix logits(std::span<const unmask::token_id> tokens) {
    run(tokens);
    return out_;
  }

 private:
  struct layer {
    vector attn_norm, ff_norm;
    matrix wq, wk, wv, wo, w_gate, w_up, w_down;
  };

  static matrix mat(const safetensors_file& w, const std::string& key, std::int64_t rows, std::int64_t cols) {
    const auto data = w.floats(key, {rows, cols});
    return Eigen::Map<const matrix>(data.data(), rows, cols);
  }
  static vector vec(const safetensors_file& w, const std::string& key, std::int64_t n) {
    const auto data = w.floats(key, {n});
    return Eigen::Map<const vector>(data.data(), n);
  }

  void rms_norm(const matrix& x, const vector& weight, matrix& out) const {
    out.resize(x.rows(), x.cols());
    const float eps = static_cast<float>(cfg_.rms_norm_eps);
    for (Eigen::Index i = 0; i < x.rows(); ++i) {
      const float ms = x.row(i).squaredNorm() / static_cast<float>(x.cols());
      out.row(i) = x.row(i).cwiseProduct(weight.transpose()) / std::sqrt(ms + eps);
    }
  }

  void rope_tables(Eigen::Index seq) {
    const Eigen::Index hd = cfg_.d_model / cfg_.n_heads, half = hd / 2;
    if (cos_.rows() >= seq) return;
    cos_.resize(seq, half);
    sin_.resize(seq, half);
    for (Eigen::Index i = 0; i < half; ++i) {
      // as PyTorch: inv_freq = 1 / theta^(2i/hd) and pos * inv_freq in float32
      const float inv = 1.0f / std::pow(static_cast<float>(cfg_.rope_theta), static_cast<float>(2 * i) / static_cast<float>(hd));
      for (Eigen::Index p = 0; p < seq; ++p) {
        const float a = static_cast<float>(p) * inv;
        cos_(p, i) = std::cos(a);
        sin_(p, i) = std::sin(a);
      }
    }
  }

  // x[:, head block] <- x*cos + rotate_half(x)*sin, rotate_half(a, b) = (-b, a).
  void apply_rope(matrix& x) const {
    const Eigen::Index hd = cfg_.d_model / cfg_.n_heads, half = hd / 2;
    for (Eigen::Index p = 0; p < x.rows(); ++p)
      for (Eigen::Index h = 0; h < cfg_.n_heads; ++h)
        for (Eigen::Index i = 0; i < half; ++i) {
          float& a = x(p, h * hd + i);
          float& b = x(p, h * hd + half + i);
          const float c = cos_(p, i), s = sin_(p, i), a0 = a, b0 = b;
          a = a0 * c - b0 * s;
          b = b0 * c + a0 * s;
        }
  }

  void run(std::span<const unmask::token_id> tokens) {
    const auto S = static_cast<Eigen::Index>(tokens.size());
    unmask::detail::require(S > 0, "row.tokens.size()", S, "must be positive");
    const Eigen::Index d = cfg_.d_model, H = cfg_.n_heads, hd = d / H;
    rope_tables(S);
    x_.resize(S, d);
    for (Eigen::Index p = 0; p < S; ++p) {
      const auto t = tokens[static_cast<std::size_t>(p)];
      unmask::detail::require(t >= 0 && t < cfg_.vocab_size, "token", t, "must lie in [0, vocab_size)");
      x_.row(p) = wte_.row(t);
    }
    const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
    for (const auto& L : layers_) {
      rms_norm(x_, L.attn_norm, h_);
      q_.noalias() = h_ * L.wq.transpose();
      k_.noalias() = h_ * L.wk.transpose();
      v_.noalias() = h_ * L.wv.transpose();
      apply_rope(q_);
      apply_rope(k_);
      y_.resize(S, d);
      for (Eigen::Index h = 0; h < H; ++h) {
        att_.noalias() = (q_.middleCols(h * hd, hd) * k_.middleCols(h * hd, hd).transpose()) * scale;
        for (Eigen::Index i = 0; i < S; ++i) {
          auto r = att_.row(i);
          const float m = r.maxCoeff();
          r = (r.array() - m).exp();
          r /= r.sum();
        }
        y_.middleCols(h * hd, hd).noalias() = att_ * v_.middleCols(h * hd, hd);
      }
      x_.noalias() += y_ * L.wo.transpose();
      rms_norm(x_, L.ff_norm, h_);
      g_.noalias() = h_ * L.w_gate.transpose();
      u_.noalias() = h_ * L.w_up.transpose();
      g_ = (g_.array() / (1.0f + (-g_.array()).exp())) * u_.array();  // silu(gate) * up
      x_.noalias() += g_ * L.w_down.transpose();
    }
    rms_norm(x_, ln_f_, h_);
    out_.noalias() = h_ * head_.transpose();
  }

  void forward_row(const unmask::forward_row& row) {
    const auto S = static_cast<unmask::index_t>(row.tokens.size());
    unmask::detail::require(row.logits_begin >= 0 && row.logits_begin <= row.logits_end && row.logits_end <= S,
                            "row.logits_end", row.logits_end, "must satisfy 0 <= logits_begin <= logits_end <= tokens.size()");
    if (row.logits_end == row.logits_begin) return;
    unmask::detail::require(row.logits != nullptr, "row.logits", "null", "must point to the output buffer");
    run(row.tokens);
    const auto n = row.logits_end - row.logits_begin;
    Eigen::Map<matrix>(row.logits, n, cfg_.vocab_size) = out_.middleRows(row.logits_begin, n);
  }

  tiny_mdm_config cfg_;
  matrix wte_, head_;
  vector ln_f_;
  std::vector<layer> layers_;
  matrix cos_, sin_;
  matrix x_, h_, q_, k_, v_, y_, att_, g_, u_, out_;
};

static_assert(unmask::model<tiny_mdm>);

}  // namespace unmask_model
