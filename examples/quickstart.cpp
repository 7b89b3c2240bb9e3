// unmask example: the quickstart: a toy model, a prompt, LLaDA's sampler, the result.
// The toy model favours token (position * 7) % vocab at every position it is asked for.
#include <unmask/unmask.hpp>

#include <cstdio>
#include <vector>

int main() {
  // example-begin quickstart
  constexpr unmask::index_t vocab = 32;
  constexpr unmask::token_id mask = 0;  // (p * 7) % 32 is never 0 for 0 < p < 32
  auto model = [](const unmask::forward_request& req) {
    for (const auto& row : req.rows)
      for (auto p = row.logits_begin; p < row.logits_end; ++p)
        for (unmask::index_t v = 0; v < req.vocab; ++v)
          row.logits[(p - row.logits_begin) * req.vocab + v] = v == (p * 7) % req.vocab ? 5.0f : 0.0f;
  };
  const std::vector<std::vector<unmask::token_id>> prompts{{3, 1, 4}};
  auto canvas = unmask::token_buffer::from_prompts(prompts, /*gen_length=*/16, vocab, mask);
  const auto llada = unmask::presets::llada({.steps = 8, .gen_length = 16, .block_length = 8, .mask_id = mask});
  const unmask::run_stats stats = llada.run(canvas, model);
  for (unmask::token_id t : canvas.row(0)) std::printf("%d ", t);
  std::printf("\n%lld model calls, %lld tokens committed\n", static_cast<long long>(stats.model_calls),
              static_cast<long long>(stats.committed));
  // example-end
  for (unmask::index_t p = canvas.prompt_length(0); p < canvas.length(0); ++p)
    if (canvas.at(0, p) != (p * 7) % vocab) return 1;
  return stats.model_calls == 8 ? 0 : 1;
}
