// unmask benchmarks: the shared [rows x vocab] logits block, the shapes, the thread pool.
// One block lives at a time (1024 x 151 936 floats = 622 MB); a new shape replaces it.
#pragma once

#include <unmask/core/bfloat16.hpp>
#include <unmask/core/config.hpp>
#include <unmask/core/thread_pool.hpp>

#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>
#include <vector>

namespace unmask_bench {

using unmask::index_t;

/// Every benchmark runs on rows x vocab for rows in {32, 256, 1024} and the
/// vocabularies of LLaMA-2 (32 000), LLaDA (126 464) and Dream / Qwen2 (151 936).
inline void shapes(benchmark::internal::Benchmark* b) {
  for (const std::int64_t vocab : {32000, 126464, 151936})
    for (const std::int64_t rows : {32, 256, 1024}) b->Args({rows, vocab});
  b->Unit(benchmark::kMillisecond);
  b->UseRealTime();
}

/// LLM-like logits: roughly normal (sd ~2.3, an Irwin-Hall sum of 4 uniforms) with one
/// peaked token (+9) per row at a pseudo-random position, from a fixed-seed generator.
inline void fill_logits(float* out, index_t rows, index_t vocab) {
  std::uint64_t s = 0x9E3779B97F4A7C15ull;
  auto next = [&s] {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
  };
  for (index_t r = 0; r < rows; ++r) {
    float* row = out + r * vocab;
    for (index_t v = 0; v < vocab; ++v) {
      const std::uint64_t w = next();
      const float u = static_cast<float>(w & 0xffff) + static_cast<float>((w >> 16) & 0xffff) +
                      static_cast<float>((w >> 32) & 0xffff) + static_cast<float>(w >> 48);
      row[v] = (u * (1.0f / 65536.0f) - 2.0f) * 4.0f;
    }
    row[next() % static_cast<std::uint64_t>(vocab)] += 9.0f;
  }
}

/// The float32 block of this shape (regenerated when the shape changes).
inline const std::vector<float>& logits_block(index_t rows, index_t vocab) {
  static std::vector<float> block;
  static index_t have_rows = 0, have_vocab = 0;
  if (rows != have_rows || vocab != have_vocab) {
    std::vector<float>().swap(block);  // free the old block before allocating the new one
    block.resize(static_cast<std::size_t>(rows * vocab));
    fill_logits(block.data(), rows, vocab);
    have_rows = rows;
    have_vocab = vocab;
  }
  return block;
}

/// The same block in bfloat16 (regenerated when the shape changes).
inline const std::vector<unmask::bfloat16>& logits_block_bf16(index_t rows, index_t vocab) {
  static std::vector<unmask::bfloat16> block;
  static index_t have_rows = 0, have_vocab = 0;
  if (rows != have_rows || vocab != have_vocab) {
    std::vector<unmask::bfloat16>().swap(block);
    std::vector<float> f(static_cast<std::size_t>(rows * vocab));
    fill_logits(f.data(), rows, vocab);
    block.resize(f.size());
    for (std::size_t i = 0; i < f.size(); ++i) block[i] = unmask::bfloat16::from_float(f[i]);
    have_rows = rows;
    have_vocab = vocab;
  }
  return block;
}

/// A pool using both cores of the benchmark machine (created on first use).
inline unmask::thread_pool& pool2() {
  static unmask::thread_pool pool(2);
  return pool;
}

/// Throughput counters: positions (rows) per second as tokens/s, and bytes of logits read.
inline void set_counters(benchmark::State& state, index_t rows, index_t vocab, std::size_t elem_bytes = 4) {
  state.counters["tokens/s"] =
      benchmark::Counter(static_cast<double>(rows), benchmark::Counter::kIsIterationInvariantRate);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * rows * vocab *
                          static_cast<std::int64_t>(elem_bytes));
}

}  // namespace unmask_bench
