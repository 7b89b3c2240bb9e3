// unmask benchmarks: one whole sampler step of the LLaDA, Fast-dLLM and Dream presets.
// The model memcpy's a fixed logits block; "rows" = masked positions scored in the step.
#include "bench_logits.hpp"
#include <unmask/core/sampler.hpp>
#include <unmask/kernels/simd_backend.hpp>
#include <unmask/presets/dream.hpp>
#include <unmask/presets/fastdllm.hpp>
#include <unmask/presets/llada.hpp>

#include <cstring>
#include <string>
#include <vector>

namespace {

using unmask::index_t;

// Answers every request with the first (logits_end - logits_begin) rows of the block.
struct fixed_block_model {
  const float* block = nullptr;
  index_t vocab = 0;
  void operator()(const unmask::forward_request& req) const {
    for (const auto& fr : req.rows)
      std::memcpy(fr.logits, block,
                  static_cast<std::size_t>((fr.logits_end - fr.logits_begin) * vocab) * sizeof(float));
  }
};

// The same sampler with another stats backend.
template <class S>
auto with_backend(const S& s, unmask::simd_backend b) {
  using out = unmask::sampler<decltype(s.schedule), decltype(s.score), decltype(s.block), decltype(s.length),
                              decltype(s.noise), decltype(s.guidance), decltype(s.transform), unmask::simd_backend>;
  return out{s.schedule, s.score, s.block, s.length, s.noise, s.guidance, s.transform, b, s.options};
}

// One canvas row: a 4-token prompt and `rows` masks; the preset is configured so the
// run is exactly one step that scores all `rows` masked positions and commits them
// (LLaDA: steps = 1 with one block of `rows`; Fast-dLLM: threshold 0; Dream: steps = 1).
template <class Sampler>
void run_step(benchmark::State& state, const Sampler& s, index_t rows, index_t vocab) {
  const auto& block = unmask_bench::logits_block(rows, vocab);
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
  unmask_bench::set_counters(state, rows, vocab);
}

auto llada(index_t rows, index_t vocab, double temperature = 0.0) {
  return unmask::presets::llada({.steps = 1,
                                 .gen_length = rows,
                                 .block_length = rows,
                                 .temperature = temperature,
                                 .seed = 1,
                                 .mask_id = static_cast<unmask::token_id>(vocab - 1),
                                 .eos_id = static_cast<unmask::token_id>(vocab - 2)});
}
auto fastdllm(index_t rows, index_t vocab) {
  return unmask::presets::fastdllm_threshold({.steps = 1,
                                              .gen_length = rows,
                                              .block_length = rows,
                                              .mask_id = static_cast<unmask::token_id>(vocab - 1),
                                              .eos_id = static_cast<unmask::token_id>(vocab - 2)},
                                             0.0);
}
auto dream(index_t rows, index_t vocab) {
  (void)rows;
  return unmask::presets::dream({.steps = 1,
                                 .mask_id = static_cast<unmask::token_id>(vocab - 1),
                                 .eos_id = static_cast<unmask::token_id>(vocab - 2)});
}

// The presets as they ship (portable_backend: row_stats_of<double>, one row at a time).
void BM_Step_LLaDA(benchmark::State& st) { run_step(st, llada(st.range(0), st.range(1)), st.range(0), st.range(1)); }
void BM_Step_FastDllm(benchmark::State& st) {
  run_step(st, fastdllm(st.range(0), st.range(1)), st.range(0), st.range(1));
}
void BM_Step_Dream(benchmark::State& st) { run_step(st, dream(st.range(0), st.range(1)), st.range(0), st.range(1)); }
// LLaDA at temperature 0.7: categorical::pick adds two std::exp passes per position.
void BM_Step_LLaDA_Temp(benchmark::State& st) {
  run_step(st, llada(st.range(0), st.range(1), 0.7), st.range(0), st.range(1));
}
BENCHMARK(BM_Step_LLaDA)->Apply(unmask_bench::shapes);
BENCHMARK(BM_Step_FastDllm)->Apply(unmask_bench::shapes);
BENCHMARK(BM_Step_Dream)->Apply(unmask_bench::shapes);
BENCHMARK(BM_Step_LLaDA_Temp)->Args({256, 126464})->Unit(benchmark::kMillisecond)->UseRealTime();

// The same presets with simd_backend (float statistics for LLaDA / Dream as their
// references, float64 for Fast-dLLM), on one thread and on both cores.
template <class S>
void simd_step(benchmark::State& st, const S& s, bool f64, unmask::thread_pool* pool) {
  run_step(st, with_backend(s, unmask::simd_backend{.float64 = f64, .pool = pool}), st.range(0), st.range(1));
}
void BM_Step_LLaDA_Simd(benchmark::State& st) { simd_step(st, llada(st.range(0), st.range(1)), false, nullptr); }
void BM_Step_LLaDA_Simd2T(benchmark::State& st) {
  simd_step(st, llada(st.range(0), st.range(1)), false, &unmask_bench::pool2());
}
void BM_Step_FastDllm_Simd(benchmark::State& st) { simd_step(st, fastdllm(st.range(0), st.range(1)), true, nullptr); }
void BM_Step_FastDllm_Simd2T(benchmark::State& st) {
  simd_step(st, fastdllm(st.range(0), st.range(1)), true, &unmask_bench::pool2());
}
void BM_Step_Dream_Simd(benchmark::State& st) { simd_step(st, dream(st.range(0), st.range(1)), false, nullptr); }
void BM_Step_Dream_Simd2T(benchmark::State& st) {
  simd_step(st, dream(st.range(0), st.range(1)), false, &unmask_bench::pool2());
}
void BM_Step_LLaDA_Temp_Simd(benchmark::State& st) {
  simd_step(st, llada(st.range(0), st.range(1), 0.7), false, nullptr);
}
BENCHMARK(BM_Step_LLaDA_Simd)->Apply(unmask_bench::shapes);
BENCHMARK(BM_Step_LLaDA_Simd2T)->Apply(unmask_bench::shapes);
BENCHMARK(BM_Step_FastDllm_Simd)->Apply(unmask_bench::shapes);
BENCHMARK(BM_Step_FastDllm_Simd2T)->Apply(unmask_bench::shapes);
BENCHMARK(BM_Step_Dream_Simd)->Apply(unmask_bench::shapes);
BENCHMARK(BM_Step_Dream_Simd2T)->Apply(unmask_bench::shapes);
BENCHMARK(BM_Step_LLaDA_Temp_Simd)->Args({256, 126464})->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
