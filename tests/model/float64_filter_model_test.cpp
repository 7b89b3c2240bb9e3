// The float64 decision filter on a trained model's logits: Fast-dLLM (threshold, factor)
// and fixed runs decide exactly as the float64 kernel on held-out prompts.
#include "model/tiny_mdm.hpp"
#include "model/tokenizer.hpp"
#include <unmask/presets/fastdllm.hpp>

#include <catch2/catch.hpp>

#include <fstream>
#include <string>
#include <vector>

namespace {

const std::string model_dir = std::string(UNMASK_SOURCE_DIR) + "/models/tiny-mdm";

std::vector<std::string> heldout_prompts(std::size_t n) {
  std::ifstream in(model_dir + "/heldout.json");
  REQUIRE(in);
  const auto j = nlohmann::json::parse(in);
  std::vector<std::string> out;
  for (const auto& p : j.at("problems")) {
    if (out.size() == n) break;
    out.push_back(p.at("prompt").get<std::string>());
  }
  return out;
}

}  // namespace

TEST_CASE("float64 filter: the trained model's runs decide as float64", "[model][filter]") {
  auto model = unmask_model::tiny_mdm::load(model_dir);
  const auto tok = unmask_model::tokenizer::load(model_dir + "/vocab.json");
  auto fwd = [&model](const unmask::forward_request& r) { model(r); };
  const unmask::presets::fastdllm_params p{.steps = 32, .gen_length = 32, .block_length = 8,
                                           .mask_id = tok.mask_id(), .eos_id = tok.eos_id()};
  unmask::index_t refined = 0, scored_steps = 0;
  auto compare = [&](auto s, const std::string& q) {
    REQUIRE(s.backend.float64_filter);
    const std::vector<std::vector<unmask::token_id>> prompts{tok.encode(q)};
    auto on = unmask::token_buffer::from_prompts(prompts, p.gen_length, model.vocab_size(), tok.mask_id());
    auto off = on;
    const auto st_on = s.run(on, fwd);
    s.backend.float64_filter = false;
    const auto st_off = s.run(off, fwd);
    CAPTURE(q);
    CHECK(on == off);
    CHECK(st_on.model_calls == st_off.model_calls);
    refined += st_on.refined;
    scored_steps += st_on.steps;
  };
  for (const auto& q : heldout_prompts(20)) {
    compare(unmask::presets::fastdllm_threshold(p, 0.9), q);
    compare(unmask::presets::fastdllm_threshold(p, 0.5), q);
    compare(unmask::presets::fastdllm_factor(p, 1.0), q);
    compare(unmask::presets::fastdllm_fixed(p), q);
  }
  WARN("float64 filter on the tiny model: " << refined << " scores recomputed in " << scored_steps << " steps");
}
