// unmask benchmarks: the memory floor, one streaming read of the logits block (and a copy).
// Every kernel's figure is read against BM_Floor_StreamRead of the same shape.
#include "bench_logits.hpp"

#include <cstring>
#include <span>

namespace {

using unmask::index_t;

// Sum of a row with 4 x 16 independent float accumulators: compilers vectorise it at
// any -march, and it keeps up with memory, so it measures the bytes, not the adds.
float stream_sum(const float* p, index_t n) {
  float acc[64] = {};
  index_t v = 0;
  for (; v + 64 <= n; v += 64)
    for (int k = 0; k < 64; ++k) acc[k] += p[v + k];
  float s = 0;
  for (; v < n; ++v) s += p[v];
  for (float a : acc) s += a;
  return s;
}

float stream_sum_bf16(const unmask::bfloat16* p, index_t n) {
  std::uint32_t acc[32] = {};
  index_t v = 0;
  for (; v + 32 <= n; v += 32)
    for (int k = 0; k < 32; ++k) acc[k] += p[v + k].bits;
  std::uint32_t s = 0;
  for (; v < n; ++v) s += p[v].bits;
  for (auto a : acc) s += a;
  return static_cast<float>(s);
}

void BM_Floor_StreamRead(benchmark::State& state) {
  const index_t rows = state.range(0), vocab = state.range(1);
  const auto& block = unmask_bench::logits_block(rows, vocab);
  for (auto _ : state) {
    float s = 0;
    for (index_t r = 0; r < rows; ++r) s += stream_sum(block.data() + r * vocab, vocab);
    benchmark::DoNotOptimize(s);
  }
  unmask_bench::set_counters(state, rows, vocab);
}
BENCHMARK(BM_Floor_StreamRead)->Apply(unmask_bench::shapes);

void BM_Floor_StreamRead_2T(benchmark::State& state) {
  const index_t rows = state.range(0), vocab = state.range(1);
  const auto& block = unmask_bench::logits_block(rows, vocab);
  auto& pool = unmask_bench::pool2();
  float part[2] = {0, 0};
  for (auto _ : state) {
    pool.parallel_for(2, [&](index_t t) {
      const index_t b = rows * t / 2, e = rows * (t + 1) / 2;
      float s = 0;
      for (index_t r = b; r < e; ++r) s += stream_sum(block.data() + r * vocab, vocab);
      part[t] = s;
    });
    benchmark::DoNotOptimize(part);
  }
  unmask_bench::set_counters(state, rows, vocab);
}
BENCHMARK(BM_Floor_StreamRead_2T)->Apply(unmask_bench::shapes);

void BM_Floor_StreamReadBF16(benchmark::State& state) {
  const index_t rows = state.range(0), vocab = state.range(1);
  const auto& block = unmask_bench::logits_block_bf16(rows, vocab);
  for (auto _ : state) {
    float s = 0;
    for (index_t r = 0; r < rows; ++r) s += stream_sum_bf16(block.data() + r * vocab, vocab);
    benchmark::DoNotOptimize(s);
  }
  unmask_bench::set_counters(state, rows, vocab, 2);
}
BENCHMARK(BM_Floor_StreamReadBF16)->Args({256, 126464})->Unit(benchmark::kMillisecond)->UseRealTime();

// What a model that returns a fixed block costs in a step benchmark: one copy.
void BM_Floor_Memcpy(benchmark::State& state) {
  const index_t rows = state.range(0), vocab = state.range(1);
  const auto& block = unmask_bench::logits_block(rows, vocab);
  std::vector<float> dst(block.size());
  for (auto _ : state) {
    std::memcpy(dst.data(), block.data(), block.size() * sizeof(float));
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  unmask_bench::set_counters(state, rows, vocab);
}
BENCHMARK(BM_Floor_Memcpy)->Apply(unmask_bench::shapes);

}  // namespace
