// The oneDNN LLaDA forward against the Eigen forward (tools/model/tiny_mdm.hpp) on random
// weights of several shapes, in f32 and bf16, and on the bundled checkpoint models/tiny-mdm.
// Tolerance f32: |onednn - eigen| <= 1e-4 + 1e-4 |eigen| per logit (float32, another
// summation order). bf16 weights and matmul inputs (8 significant bits): per sequence,
// max |onednn - eigen| <= 2e-2 max |eigen| (measured: 3e-3 on the random models).
#include "model/safetensors.hpp"
#include "model/tiny_mdm.hpp"
#include "onednn/random_llada.hpp"
#include <unmask/backend/onednn/model_forward.hpp>
#include <unmask/core/philox.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

namespace {

using unmask::index_t;
using unmask::token_id;
namespace on = unmask::onednn;
using dt = dnnl::memory::data_type;

unmask_model::tiny_mdm_config config_of(const on::llada_forward::dims& dm) {
  unmask_model::tiny_mdm_config c;
  c.d_model = dm.d_model;
  c.n_layers = dm.n_layers;
  c.n_heads = dm.n_heads;
  c.mlp_hidden_size = dm.mlp_hidden;
  c.vocab_size = dm.vocab;
  c.rope_theta = dm.rope_theta;
  c.rms_norm_eps = dm.rms_norm_eps;
  return c;
}

std::vector<token_id> tokens_of(index_t n, index_t vocab, std::uint32_t seed) {
  std::vector<token_id> t(static_cast<std::size_t>(n));
  for (std::size_t i = 0; i < t.size(); ++i)
    t[i] = static_cast<token_id>(unmask::philox_uniform(seed, {.stream = 31}, static_cast<std::uint32_t>(i)) *
                                 static_cast<double>(vocab));
  return t;
}

// max |a - b| / (1 + max|b|) style report, and the per-logit f32 check.
double compare(const std::vector<float>& got, const unmask_model::tiny_mdm::matrix& want, bool f32) {
  double worst = 0, scale = 0;
  for (Eigen::Index p = 0; p < want.rows(); ++p)
    for (Eigen::Index v = 0; v < want.cols(); ++v) {
      const double w = want(p, v), g = got[static_cast<std::size_t>(p * want.cols() + v)];
      worst = std::max(worst, std::abs(g - w));
      scale = std::max(scale, std::abs(w));
      if (f32) REQUIRE(std::abs(g - w) <= 1e-4 + 1e-4 * std::abs(w));
    }
  if (!f32) REQUIRE(worst <= 2e-2 * scale);
  return worst / scale;
}

}  // namespace

TEST_CASE("llada_forward: same logits as the Eigen forward on random weights", "[onednn][model]") {
  const std::vector<on::llada_forward::dims> shapes{
      {.d_model = 64, .n_layers = 2, .n_heads = 4, .mlp_hidden = 96, .vocab = 50},
      {.d_model = 48,
       .n_layers = 1,
       .n_heads = 2,
       .mlp_hidden = 160,
       .vocab = 131,
       .rope_theta = 500000.0,
       .rms_norm_eps = 1e-6},
  };
  std::uint64_t seed = 1;
  for (const auto& dm : shapes) {
    const unmask_test::random_llada w(dm, seed++);
    const auto file = unmask_model::safetensors_file::parse(w.safetensors());
    const auto cfg = config_of(dm);
    unmask_model::tiny_mdm eigen(cfg, file);
    for (const dt type : {dt::f32, dt::bf16}) {
      // Through the factory the demo uses, reading the same safetensors image.
      auto m = on::make_onednn_model(cfg, file, {.weights = type, .max_shapes = 2});
      CHECK(m.model_dims() == dm);
      double worst = 0;
      for (const index_t S : {1, 5, 33, 70, 5}) {  // 70 > head_chunk; 5 again after eviction
        CAPTURE(dm.d_model, static_cast<int>(type), S);
        const auto toks = tokens_of(S, dm.vocab, static_cast<std::uint32_t>(S));
        worst = std::max(worst, compare(m.logits(toks), eigen.logits(toks), type == dt::f32));
      }
      WARN("d_model " << dm.d_model << (type == dt::f32 ? " f32" : " bf16")
                      << ": max |onednn - eigen| / max |eigen| = " << worst);
    }
  }
}

TEST_CASE("llada_forward: the model concept writes exactly the wanted rows", "[onednn][model]") {
  const on::llada_forward::dims dm{.d_model = 32, .n_layers = 1, .n_heads = 2, .mlp_hidden = 64, .vocab = 40};
  const unmask_test::random_llada w(dm, 9);
  on::llada_forward m(dm, w, {.head_chunk = 8});
  const auto toks = tokens_of(30, dm.vocab, 3);
  const auto full = m.logits(toks);
  const index_t V = dm.vocab;
  for (const auto& [lo, hi] : std::vector<std::pair<index_t, index_t>>{{0, 30}, {3, 21}, {25, 30}, {29, 30}, {7, 8}}) {
    CAPTURE(lo, hi);
    std::vector<float> out(static_cast<std::size_t>((hi - lo) * V + 1), 12345.0f);  // one guard value past the end
    unmask::forward_row row{.tokens = toks,
                            .logits_begin = lo,
                            .logits_end = hi,
                            .window_begin = lo,
                            .window_end = hi,
                            .logits = out.data()};
    m(unmask::forward_request{.step = 0, .vocab = V, .rows = std::span(&row, 1)});
    for (index_t i = 0; i < (hi - lo) * V; ++i)
      REQUIRE(out[static_cast<std::size_t>(i)] == full[static_cast<std::size_t>(lo * V + i)]);
    CHECK(out.back() == 12345.0f);
  }
  CHECK(m.prepare(30) > 0);
  std::vector<float> out(static_cast<std::size_t>(V));
  unmask::forward_row row{.tokens = toks, .logits_begin = 0, .logits_end = 1, .logits = out.data()};
  CHECK_THROWS_AS(m(unmask::forward_request{.vocab = V + 1, .rows = std::span(&row, 1)}), unmask::error);
  row.logits_end = 31;
  CHECK_THROWS_AS(m(unmask::forward_request{.vocab = V, .rows = std::span(&row, 1)}), unmask::error);
  auto bad = toks;
  bad[4] = static_cast<token_id>(V);
  row.tokens = bad;
  row.logits_end = 1;
  CHECK_THROWS_AS(m(unmask::forward_request{.vocab = V, .rows = std::span(&row, 1)}), unmask::error);
  CHECK_THROWS_AS(on::llada_forward({.d_model = 30, .n_layers = 1, .n_heads = 4, .mlp_hidden = 8, .vocab = 4}, w),
                  unmask::error);
  CHECK_THROWS_AS(on::llada_forward(dm, w, {.weights = dt::s8}), unmask::error);
  auto other = dm;
  other.mlp_hidden = 65;  // the tensors no longer fit
  CHECK_THROWS_AS(on::llada_forward(other, w), unmask::error);
}

TEST_CASE("llada_forward: the bundled tiny-mdm checkpoint gives the Eigen forward's logits", "[onednn][model]") {
  const std::string dir = std::string(UNMASK_SOURCE_DIR) + "/models/tiny-mdm";
  REQUIRE(std::filesystem::exists(dir + "/model.safetensors"));
  auto eigen = unmask_model::tiny_mdm::load(dir);
  const auto file = unmask_model::safetensors_file::load(dir + "/model.safetensors");
  auto m = on::make_onednn_model(eigen.config(), file);
  auto mb = on::make_onednn_model(eigen.config(), file, {.weights = dt::bf16});
  for (const index_t S : {12, 64, 200}) {
    CAPTURE(S);
    const auto toks = tokens_of(S, eigen.vocab_size(), 77);
    const auto want = eigen.logits(toks);
    compare(m.logits(toks), want, true);
    compare(mb.logits(toks), want, false);
  }
}
