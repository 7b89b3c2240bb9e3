// unmask benchmarks: one whole sampler step of the LLaDA, Fast-dLLM and Dream presets.
// The model memcpy's a fixed logits block; "rows" = masked positions scored in the step.
#include "bench_step.hpp"
#include <unmask/core/sampler.hpp>
#include <unmask/kernels/simd_backend.hpp>
#include <unmask/presets/dream.hpp>
#include <unmask/presets/fastdllm.hpp>
#include <unmask/presets/llada.hpp>

namespace {

using unmask::index_t;

// The same sampler with another stats backend.
template <class S>
auto with_backend(const S& s, unmask::simd_backend b) {
  using out = unmask::sampler<decltype(s.schedule), decltype(s.score), decltype(s.block), decltype(s.length),
                              decltype(s.noise), decltype(s.guidance), decltype(s.transform), unmask::simd_backend>;
  return out{s.schedule, s.score, s.block, s.length, s.noise, s.guidance, s.transform, b, s.options};
}

// The presets below are configured so the run is exactly one step that scores all
// `rows` masked positions and commits them (LLaDA: steps = 1 with one block of `rows`;
// Fast-dLLM: threshold 0; Dream: steps = 1).
using unmask_bench::run_step;

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

// The presets as they ship (simd_backend at the reference's precision, one thread).
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

// The same presets with their simd_backend (float statistics for LLaDA / Dream as their
// references, float64 decisions through the float64 filter for Fast-dLLM) with `f64`
// forcing the float64 kernel on every row (no filter) and `pool` threading the rows.
template <class S>
void simd_step(benchmark::State& st, const S& s, bool f64, unmask::thread_pool* pool) {
  unmask::simd_backend b = s.backend;
  b.pool = pool;
  if (f64) b.float64_filter = false;
  run_step(st, with_backend(s, b), st.range(0), st.range(1));
}
void BM_Step_LLaDA_Simd(benchmark::State& st) { simd_step(st, llada(st.range(0), st.range(1)), false, nullptr); }
void BM_Step_LLaDA_Simd2T(benchmark::State& st) {
  simd_step(st, llada(st.range(0), st.range(1)), false, &unmask_bench::pool2());
}
void BM_Step_FastDllm_Simd(benchmark::State& st) { simd_step(st, fastdllm(st.range(0), st.range(1)), false, nullptr); }
void BM_Step_FastDllm_Simd2T(benchmark::State& st) {
  simd_step(st, fastdllm(st.range(0), st.range(1)), false, &unmask_bench::pool2());
}
void BM_Step_FastDllm_Float64(benchmark::State& st) {
  simd_step(st, fastdllm(st.range(0), st.range(1)), true, nullptr);
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
BENCHMARK(BM_Step_FastDllm_Float64)->Apply(unmask_bench::shapes);
BENCHMARK(BM_Step_Dream_Simd)->Apply(unmask_bench::shapes);
BENCHMARK(BM_Step_Dream_Simd2T)->Apply(unmask_bench::shapes);
BENCHMARK(BM_Step_LLaDA_Temp_Simd)->Args({256, 126464})->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
