// unmask benchmarks: one whole sampler step on the shared logits block.
// The model memcpy's a fixed block; the canvas is one row with `rows` masks.
#pragma once

#include "bench_logits.hpp"

#include <unmask/core/forward_request.hpp>
#include <unmask/core/token_buffer.hpp>

#include <benchmark/benchmark.h>

#include <cstring>
#include <string>
#include <vector>

namespace unmask_bench {

/// Answers every request with the first (logits_end - logits_begin) rows of the block.
struct fixed_block_model {
  const float* block = nullptr;
  index_t vocab = 0;
  void operator()(const unmask::forward_request& req) const {
    for (const auto& fr : req.rows)
      std::memcpy(fr.logits, block,
                  static_cast<std::size_t>((fr.logits_end - fr.logits_begin) * vocab) * sizeof(float));
  }
};

/// Times `s.run` on one canvas row: a 4-token prompt and `rows` masks (mask id vocab - 1).
/// The sampler must be configured so the run is exactly one step that scores and
/// commits every masked position (the first run checks it; otherwise the benchmark
/// reports an error).
template <class Sampler>
void run_step(benchmark::State& state, const Sampler& s, index_t rows, index_t vocab) {
  const auto& block = logits_block(rows, vocab);
  const std::vector<std::vector<unmask::token_id>> prompts{{1, 2, 3, 4}};
  const auto fresh = unmask::token_buffer::from_prompts(prompts, rows, vocab, static_cast<unmask::token_id>(vocab - 1));
  auto canvas = fresh;
  auto ws = s.plan(canvas);
  fixed_block_model model{block.data(), vocab};
  const auto first = s.run(canvas, model, ws);
  if (first.steps != 1 || first.committed != rows) {
    state.SkipWithError(("expected one step committing every row, got steps = " + std::to_string(first.steps)).c_str());
    return;
  }
  for (auto _ : state) {
    canvas.assign_from(fresh);
    auto st = s.run(canvas, model, ws);
    benchmark::DoNotOptimize(st.committed);
  }
  set_counters(state, rows, vocab);
}

}  // namespace unmask_bench
