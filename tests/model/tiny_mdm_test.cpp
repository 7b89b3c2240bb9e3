// The C++ forward of the tiny masked diffusion model against PyTorch's logits (reference_logits.json).
// Tolerance: |cpp - torch| <= 1e-4 + 1e-4 |torch| per logit (float32 with a different summation order).
#include "model/tiny_mdm.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <string>
#include <vector>

namespace {
const std::string model_dir = std::string(UNMASK_SOURCE_DIR) + "/models/tiny-mdm";
}

TEST_CASE("tiny_mdm: the C++ forward matches PyTorch's logits") {
  auto m = unmask_model::tiny_mdm::load(model_dir);
  std::ifstream in(model_dir + "/reference_logits.json");
  REQUIRE(in);
  const auto j = nlohmann::json::parse(in);
  REQUIRE(j.at("inputs").size() >= 3);
  double worst = 0;
  for (const auto& input : j.at("inputs")) {
    const auto tokens = input.at("tokens").get<std::vector<unmask::token_id>>();
    const auto want = input.at("logits").get<std::vector<std::vector<float>>>();
    const auto got = m.logits(tokens);
    REQUIRE(got.rows() == static_cast<Eigen::Index>(tokens.size()));
    REQUIRE(want.size() == tokens.size());
    for (std::size_t p = 0; p < tokens.size(); ++p) {
      REQUIRE(static_cast<Eigen::Index>(want[p].size()) == got.cols());
      for (std::size_t v = 0; v < want[p].size(); ++v) {
        const double d = std::abs(double(got(Eigen::Index(p), Eigen::Index(v))) - want[p][v]);
        worst = std::max(worst, d);
        INFO("position " << p << " token " << v);
        REQUIRE(d <= 1e-4 + 1e-4 * std::abs(want[p][v]));
      }
    }
  }
  WARN("largest |C++ - PyTorch| logit difference: " << worst);
}

TEST_CASE("tiny_mdm: the model concept writes exactly the requested positions") {
  auto m = unmask_model::tiny_mdm::load(model_dir);
  const auto V = m.vocab_size();
  const std::vector<unmask::token_id> tokens{2, 7, 10, 9, 7, 11, 0, 0, 0, 0, 1, 1};
  const auto full = m.logits(tokens);
  std::vector<float> out(static_cast<std::size_t>(5 * V + 1), 12345.0f);  // one guard value past the end
  unmask::forward_row row{.tokens = tokens, .logits_begin = 6, .logits_end = 11, .window_begin = 6,
                          .window_end = 11, .logits = out.data()};
  const unmask::forward_request req{.step = 0, .vocab = V, .rows = std::span(&row, 1)};
  m(req);
  for (unmask::index_t p = 0; p < 5; ++p)
    for (unmask::index_t v = 0; v < V; ++v) CHECK(out[std::size_t(p * V + v)] == full(6 + p, v));
  CHECK(out.back() == 12345.0f);
  const unmask::forward_request wrong{.step = 0, .vocab = V + 1, .rows = std::span(&row, 1)};
  CHECK_THROWS_AS(m(wrong), unmask::error);
  row.logits_end = 13;
  CHECK_THROWS_AS(m(req), unmask::error);
}

TEST_CASE("tiny_mdm: attention is bidirectional (a later token changes an earlier position's logits)") {
  auto m = unmask_model::tiny_mdm::load(model_dir);
  std::vector<unmask::token_id> a{5, 7, 18, 19, 20, 7, 10, 0, 0, 0};
  auto b = a;
  b.back() = 1;
  const auto la = m.logits(a), lb = m.logits(b);
  CHECK((la.row(7) - lb.row(7)).cwiseAbs().maxCoeff() > 1e-6f);
  CHECK(m.logits(a) == la);  // deterministic
}

TEST_CASE("tiny_mdm: a checkpoint with a wrong tensor shape is an error") {
  std::ifstream in(model_dir + "/model.safetensors", std::ios::binary);
  REQUIRE(in);
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto w = unmask_model::safetensors_file::parse(bytes);
  auto cfg = unmask_model::tiny_mdm::load(model_dir).config();
  cfg.d_model += 4;  // the file's tensors no longer fit this config
  CHECK_THROWS_AS(unmask_model::tiny_mdm(cfg, w), unmask::error);
}
