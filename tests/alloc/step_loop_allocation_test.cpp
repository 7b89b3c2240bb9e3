// unmask tests: the step loop allocates nothing once the workspace is planned.
// Global operator new is replaced (in this test executable only) by a counting one.
#include <unmask/unmask.hpp>

#include "support/counting_new.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <new>
#include <vector>

using unmask_test::allocations;

namespace {

// Fills logits from a fixed table: no allocation.
struct table_model {
  void operator()(const unmask::forward_request& req) const {
    for (const auto& row : req.rows)
      for (auto p = row.logits_begin; p < row.logits_end; ++p)
        for (unmask::index_t v = 0; v < req.vocab; ++v)
          row.logits[(p - row.logits_begin) * req.vocab + v] =
              static_cast<float>(((p * 31 + v * 17 + row.tokens.size()) % 23)) * 0.25f;
  }
};

// Counts allocations made between consecutive observer calls (= one whole step).
struct allocation_probe {
  long* worst;
  long* last;
  void operator()(const unmask::step_event& e) const {
    const long now = allocations.load();
    if (e.step > 0) *worst = std::max(*worst, now - *last);
    *last = allocations.load();
  }
};

template <class Sampler>
long worst_step_allocations(const Sampler& s, unmask::token_buffer canvas) {
  table_model model;
  auto ws = s.plan(canvas);
  long worst = 0, last = 0;
  s.run(canvas, model, ws, allocation_probe{&worst, &last});
  return worst;
}

}  // namespace

TEST_CASE("no allocation inside the step loop", "[core][sampler][allocation]") {
  const std::vector<std::vector<unmask::token_id>> prompts{{1, 2, 3}, {4, 5, 6}};
  const auto canvas = unmask::token_buffer::from_prompts(prompts, 16, 24, 23);
  SECTION("LLaDA with CFG") {
    auto s = unmask::presets::llada({.steps = 16, .gen_length = 16, .block_length = 4, .cfg_scale = 1.0,
                                     .mask_id = 23, .eos_id = 22});
    CHECK(worst_step_allocations(s, canvas) == 0);
  }
  SECTION("Fast-dLLM threshold") {
    auto s = unmask::presets::fastdllm_threshold({.gen_length = 16, .block_length = 8, .mask_id = 23}, 0.5);
    CHECK(worst_step_allocations(s, canvas) == 0);
  }
  SECTION("Dream with top-p, top-k and temperature") {
    auto s = unmask::presets::dream({.steps = 8, .temperature = 0.7, .top_p = 0.9, .top_k = 5, .seed = 3,
                                     .mask_id = 23});
    CHECK(worst_step_allocations(s, canvas) == 0);
  }
  SECTION("DAEDAL with insertions") {
    unmask::presets::daedal_params p{.initial_gen_length = 8, .max_gen_length = 40, .block_length = 8,
                                     .low_conf_threshold = 0.2, .expansion_factor = 3, .eos_check_tokens = 4,
                                     .mask_id = 23, .eos_id = 22};
    const auto c = unmask::presets::daedal_canvas(prompts, p, 24);
    CHECK(worst_step_allocations(unmask::presets::daedal(p), c) == 0);
  }
  SECTION("the probe sees allocations when there are some") {
    // A model that allocates proves the probe can fail.
    struct allocating_model {
      void operator()(const unmask::forward_request& req) const {
        std::vector<float> scratch(static_cast<std::size_t>(req.vocab));
        table_model{}(req);
        (void)scratch;
      }
    };
    auto s = unmask::presets::llada({.steps = 16, .gen_length = 16, .block_length = 4, .mask_id = 23});
    auto c = canvas;
    allocating_model model;
    auto ws = s.plan(c);
    long worst = 0, last = 0;
    s.run(c, model, ws, allocation_probe{&worst, &last});
    CHECK(worst > 0);
  }
}
