// unmask benchmarks: the score kernels (one pass per row) beside BM_Floor_StreamRead.
// Low confidence (float / float64 filtered / float64), margin, entropy, temperature sampling, top-k filter.
#include "bench_logits.hpp"
#include <unmask/core/score_interval.hpp>
#include <unmask/kernels/flag_uncertain.hpp>
#include <unmask/kernels/sample_rows.hpp>
#include <unmask/kernels/simd_backend.hpp>
#include <unmask/policy/schedule/confidence_threshold.hpp>
#include <unmask/policy/score/low_confidence.hpp>
#include <unmask/kernels/score_rows.hpp>
#include <unmask/kernels/top_k_filter.hpp>
#include <unmask/kernels/top_p_filter.hpp>

#include <numeric>
#include <vector>

namespace {

using unmask::index_t;

std::vector<index_t> all_rows(index_t rows) {
  std::vector<index_t> r(static_cast<std::size_t>(rows));
  std::iota(r.begin(), r.end(), index_t{0});
  return r;
}

// The rule's score from the statistics (what the sampler's score policies compute);
// only the entropy rule asks the kernel for sum p log p.
enum class rule { low_confidence, margin, entropy };

template <class Acc, rule Rule>
void score(benchmark::State& state, unmask::thread_pool* pool) {
  const index_t rows = state.range(0), vocab = state.range(1);
  const auto& block = unmask_bench::logits_block(rows, vocab);
  const auto idx = all_rows(rows);
  std::vector<unmask::position_stats> out(static_cast<std::size_t>(rows));
  std::vector<double> scores(static_cast<std::size_t>(rows));
  for (auto _ : state) {
    unmask::score_rows<Acc, Rule == rule::entropy>(std::span<const float>(block), vocab, idx, out, -1, pool);
    for (std::size_t i = 0; i < out.size(); ++i) {
      const auto& s = out[i].stats;
      scores[i] = Rule == rule::low_confidence ? s.p1() : Rule == rule::margin ? s.p1() - s.p2() : s.sum_p_log_p;
    }
    benchmark::DoNotOptimize(scores.data());
  }
  unmask_bench::set_counters(state, rows, vocab);
}

// LLaDA / Dream maskgit_plus: p(argmax) of a float32 softmax.
void BM_Score_LowConfidence(benchmark::State& s) { score<float, rule::low_confidence>(s, nullptr); }
void BM_Score_LowConfidence_2T(benchmark::State& s) { score<float, rule::low_confidence>(s, &unmask_bench::pool2()); }
// Fast-dLLM's float64 confidence as its presets decide it (the float64 decision filter):
// the bounded float pass over every row, the score intervals, flag_uncertain against
// the 0.9 threshold, then float64 statistics for the flagged rows. Counter `refined`:
// rows recomputed per pass (what the filter could not decide alone).
void score_f64_filtered(benchmark::State& state, unmask::thread_pool* pool) {
  const index_t rows = state.range(0), vocab = state.range(1);
  const auto& block = unmask_bench::logits_block(rows, vocab);
  const auto n = static_cast<std::size_t>(rows);
  const unmask::simd_backend backend{.float64 = true, .float64_filter = true, .entropy = false, .pool = pool};
  const unmask::confidence_threshold schedule{.threshold = 0.9};
  std::vector<std::span<const float>> spans(n);
  for (std::size_t i = 0; i < n; ++i) spans[i] = {block.data() + i * static_cast<std::size_t>(vocab), static_cast<std::size_t>(vocab)};
  std::vector<unmask::bounded_row_stats> bounded(n);
  std::vector<unmask::candidate> cands(n);
  std::vector<double> lo(n), hi(n);
  std::vector<index_t> order(n);
  std::vector<unsigned char> flags(n);
  std::vector<std::span<const float>> again(n);
  std::vector<unmask::row_stats> exact(n);
  double refined = 0;
  for (auto _ : state) {
    backend.row_stats_bounded(spans, bounded);
    for (std::size_t i = 0; i < n; ++i) {
      auto& c = cands[i];
      c.position = static_cast<index_t>(i);
      c.stats = bounded[i].stats;
      c.token = c.stats.top1;
      c.token_logit = c.stats.max1;
      const auto iv = unmask::score_interval_of(unmask::low_confidence{}, c, bounded[i].lse_error, {});
      lo[i] = iv.lo;
      hi[i] = iv.hi;
    }
    const index_t f = unmask::flag_uncertain(std::span<const double>(lo), std::span<const double>(hi),
                                             [&](double a, double b) { return schedule.critical_between(a, b); },
                                             std::span<index_t>(order), std::span<unsigned char>(flags));
    std::size_t k = 0;
    for (std::size_t i = 0; i < n; ++i)
      if (flags[i] != 0) again[k++] = spans[i];
    backend.row_stats({again.data(), k}, {exact.data(), k});
    for (std::size_t i = 0, j = 0; i < n; ++i)
      if (flags[i] != 0) cands[i].stats = exact[j++];
    for (auto& c : cands) c.score = c.token_prob();
    refined += static_cast<double>(f);
    benchmark::DoNotOptimize(cands.data());
  }
  unmask_bench::set_counters(state, rows, vocab);
  state.counters["refined"] = benchmark::Counter(refined / static_cast<double>(state.iterations()));
}
void BM_Score_LowConfidenceF64(benchmark::State& s) { score_f64_filtered(s, nullptr); }
void BM_Score_LowConfidenceF64_2T(benchmark::State& s) { score_f64_filtered(s, &unmask_bench::pool2()); }
// The float64 kernel alone on every row (the filter's fallback; the presets before it).
void BM_Score_LowConfidenceF64Exact(benchmark::State& s) { score<double, rule::low_confidence>(s, nullptr); }
void BM_Score_LowConfidenceF64Exact_2T(benchmark::State& s) {
  score<double, rule::low_confidence>(s, &unmask_bench::pool2());
}
// Dream topk_margin and entropy (float32).
void BM_Score_Margin(benchmark::State& s) { score<float, rule::margin>(s, nullptr); }
void BM_Score_Margin_2T(benchmark::State& s) { score<float, rule::margin>(s, &unmask_bench::pool2()); }
void BM_Score_Entropy(benchmark::State& s) { score<float, rule::entropy>(s, nullptr); }
void BM_Score_Entropy_2T(benchmark::State& s) { score<float, rule::entropy>(s, &unmask_bench::pool2()); }
BENCHMARK(BM_Score_LowConfidence)->Apply(unmask_bench::shapes);
BENCHMARK(BM_Score_LowConfidence_2T)->Apply(unmask_bench::shapes);
BENCHMARK(BM_Score_LowConfidenceF64)->Apply(unmask_bench::shapes);
BENCHMARK(BM_Score_LowConfidenceF64_2T)->Apply(unmask_bench::shapes);
BENCHMARK(BM_Score_LowConfidenceF64Exact)->Apply(unmask_bench::shapes);
BENCHMARK(BM_Score_LowConfidenceF64Exact_2T)->Apply(unmask_bench::shapes);
BENCHMARK(BM_Score_Margin)->Apply(unmask_bench::shapes);
BENCHMARK(BM_Score_Margin_2T)->Apply(unmask_bench::shapes);
BENCHMARK(BM_Score_Entropy)->Apply(unmask_bench::shapes);
BENCHMARK(BM_Score_Entropy_2T)->Apply(unmask_bench::shapes);

// bfloat16 logits in (half the bytes; compare with BM_Floor_StreamReadBF16).
void BM_Score_LowConfidenceBF16(benchmark::State& state) {
  const index_t rows = state.range(0), vocab = state.range(1);
  const auto& block = unmask_bench::logits_block_bf16(rows, vocab);
  const auto idx = all_rows(rows);
  std::vector<unmask::position_stats> out(static_cast<std::size_t>(rows));
  for (auto _ : state) {
    unmask::score_rows<float, false>(std::span<const unmask::bfloat16>(block), vocab, idx, out);
    benchmark::DoNotOptimize(out.data());
  }
  unmask_bench::set_counters(state, rows, vocab, 2);
}
BENCHMARK(BM_Score_LowConfidenceBF16)->Args({256, 126464})->Unit(benchmark::kMillisecond)->UseRealTime();

// LLaDA at temperature 0.7: float32 statistics for the score, and the token drawn from
// softmax(l / 0.7) with one Philox uniform (float64 weights, as categorical).
void sample(benchmark::State& state, unmask::thread_pool* pool) {
  const index_t rows = state.range(0), vocab = state.range(1);
  const auto& block = unmask_bench::logits_block(rows, vocab);
  const auto idx = all_rows(rows);
  std::vector<unmask::random_counter> where(static_cast<std::size_t>(rows));
  for (index_t i = 0; i < rows; ++i) where[static_cast<std::size_t>(i)] = {0, 3, 0, static_cast<std::uint32_t>(i)};
  std::vector<unmask::row_sample> out(static_cast<std::size_t>(rows));
  const unmask::categorical noise{.temperature = 0.7, .seed = 1};
  for (auto _ : state) {
    unmask::sample_rows<float, false>(noise, std::span<const float>(block), vocab, idx, where, out, pool);
    benchmark::DoNotOptimize(out.data());
  }
  unmask_bench::set_counters(state, rows, vocab);
}
void BM_Sample_Temperature(benchmark::State& s) { sample(s, nullptr); }
void BM_Sample_Temperature_2T(benchmark::State& s) { sample(s, &unmask_bench::pool2()); }
BENCHMARK(BM_Sample_Temperature)->Apply(unmask_bench::shapes);
BENCHMARK(BM_Sample_Temperature_2T)->Apply(unmask_bench::shapes);

// Dream's top_k = 50 on every row: the 50th largest by one-pass heap selection, then
// the filtered row written out (one read and one write of the block).
void select_top_k(benchmark::State& state, unmask::thread_pool* pool) {
  const index_t rows = state.range(0), vocab = state.range(1);
  const auto& block = unmask_bench::logits_block(rows, vocab);
  constexpr index_t k = 50;
  const index_t threads = pool != nullptr ? pool->size() : 1;
  std::vector<float> out(static_cast<std::size_t>(threads * vocab)), heap(static_cast<std::size_t>(threads * k));
  auto one = [&](index_t t) {
    const index_t b = rows * t / threads, e = rows * (t + 1) / threads;
    const std::span<float> o(out.data() + t * vocab, static_cast<std::size_t>(vocab));
    for (index_t r = b; r < e; ++r) {
      unmask::top_k_filter(std::span<const float>(block.data() + r * vocab, static_cast<std::size_t>(vocab)), o, k,
                           std::span<float>(heap.data() + t * k, k));
      benchmark::DoNotOptimize(o.data());
    }
  };
  for (auto _ : state) {
    if (pool != nullptr) {
      pool->parallel_for(threads, one);
    } else {
      one(0);
    }
  }
  unmask_bench::set_counters(state, rows, vocab);
}
void BM_Select_TopK(benchmark::State& s) { select_top_k(s, nullptr); }
void BM_Select_TopK_2T(benchmark::State& s) { select_top_k(s, &unmask_bench::pool2()); }
BENCHMARK(BM_Select_TopK)->Apply(unmask_bench::shapes);
BENCHMARK(BM_Select_TopK_2T)->Apply(unmask_bench::shapes);

// Dream's top_p = 0.95 on every row (bucketed mass histogram; only the crossing bucket
// is sorted). The benchmark logits are flat, so the nucleus holds most of the vocabulary.
void BM_Select_TopP(benchmark::State& state) {
  const index_t rows = state.range(0), vocab = state.range(1);
  const auto& block = unmask_bench::logits_block(rows, vocab);
  std::vector<float> out(static_cast<std::size_t>(vocab));
  std::vector<double> prob(static_cast<std::size_t>(vocab));
  std::vector<index_t> idx(static_cast<std::size_t>(vocab));
  for (auto _ : state) {
    for (index_t r = 0; r < rows; ++r) {
      unmask::top_p_filter(std::span<const float>(block.data() + r * vocab, static_cast<std::size_t>(vocab)), out, 0.95,
                           prob, idx);
      benchmark::DoNotOptimize(out.data());
    }
  }
  unmask_bench::set_counters(state, rows, vocab);
}
BENCHMARK(BM_Select_TopP)->Args({32, 126464})->Args({256, 126464})->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
