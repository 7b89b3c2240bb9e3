// Compiled against the installed headers only; C++20 must come from unmask::unmask.
// Runs the LLaDA preset with a toy model through the installed umbrella header.
#include <unmask/unmask.hpp>

#include <vector>

static_assert(__cplusplus >= 202002L, "unmask::unmask must propagate C++20 to consumers");

int main() {
  const std::vector<std::vector<unmask::token_id>> prompt{{1, 2, 3}};
  auto canvas = unmask::token_buffer::from_prompts(prompt, 4, 8, 7);
  auto model = [](const unmask::forward_request& req) {
    for (const auto& row : req.rows)
      for (auto p = row.logits_begin; p < row.logits_end; ++p)
        for (unmask::index_t v = 0; v < req.vocab; ++v)
          row.logits[(p - row.logits_begin) * req.vocab + v] = v == p % 5 ? 5.0f : 0.0f;
  };
  const auto s = unmask::presets::llada({.steps = 4, .gen_length = 4, .block_length = 4, .mask_id = 7, .eos_id = 6});
  s.run(canvas, model);
  return canvas.count_masked(0) == 0 && canvas.at(0, 3) == 3 ? 0 : 1;
}
