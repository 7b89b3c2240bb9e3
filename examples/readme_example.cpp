// unmask example: the README's example, compiled and run by the test suite.
// LLaDA's sampler on a toy model that prefers token (position % 5).
// example-begin readme
#include <unmask/unmask.hpp>
#include <cstdio>

int main() {
  auto model = [](const unmask::forward_request& req) {  // any callable filling the logits asked for
    for (const auto& row : req.rows)
      for (auto p = row.logits_begin; p < row.logits_end; ++p)
        for (unmask::index_t v = 0; v < req.vocab; ++v)
          row.logits[(p - row.logits_begin) * req.vocab + v] = v == p % 5 ? 4.0f : 0.0f;
  };
  const std::vector<std::vector<unmask::token_id>> prompt{{1, 2, 3}};
  auto canvas = unmask::token_buffer::from_prompts(prompt, 8, /*vocab*/ 16, /*mask*/ 15);
  auto llada = unmask::presets::llada({.steps = 8, .gen_length = 8, .block_length = 4, .mask_id = 15, .eos_id = 14});
  const auto stats = llada.run(canvas, model);
  for (auto t : canvas.row(0)) std::printf("%d ", t);
  std::printf("\n%lld model calls\n", static_cast<long long>(stats.model_calls));
}
// example-end
