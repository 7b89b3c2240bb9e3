// unmask benchmarks: one RDLM step (geodesic random walk over every position) against a
// streaming read of the same state bytes. Args: positions, vocab (state: positions x (vocab + 1) floats).
#include <unmask/continuous/continuous_sampler.hpp>
#include <unmask/continuous/sphere_state.hpp>
#include <unmask/policy/noise/philox_gaussian.hpp>
#include <unmask/policy/noise/recorded_gaussian.hpp>
#include <unmask/presets/rdlm.hpp>

#include <benchmark/benchmark.h>

#include <cstdint>
#include <span>
#include <vector>

namespace {

using unmask::index_t;

/// A model that costs nothing after its first call: it writes a fixed logits pattern
/// once, and the workspace keeps it for every later step.
struct precomputed_model {
  bool written = false;
  void operator()(const unmask::continuous_request& r) {
    if (written) return;
    for (std::size_t q = 0; q < r.logits.size(); ++q) {
      r.logits[q] = 0.001f * static_cast<float>((q * 2654435761u) % 8192);  // spread over [0, 8.2)
    }
    written = true;
  }
};

constexpr index_t bench_steps = 1000;  // steps k cycle through the grid 0..999

template <class Noise>
void run_steps(benchmark::State& state, Noise& noise) {
  const index_t positions = state.range(0), vocab = state.range(1);
  const auto s = unmask::rdlm(bench_steps);
  unmask::sphere_state x(1, positions, vocab);
  unmask::fixed_prior{unmask::prior_point::uniform_barycentre}.sample(x.view());
  auto ws = s.make_workspace(1, positions, vocab);
  precomputed_model model;
  s.advance(model, noise, x.view(), ws, 0);  // warm: logits written, pages touched
  index_t k = 1;
  for (auto _ : state) {
    s.advance(model, noise, x.view(), ws, k);
    k = (k + 1) % bench_steps;
    benchmark::DoNotOptimize(x.values().data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(x.size() * sizeof(float)));
}

/// The sampler step with the draws precomputed (a recorded source): drift, inner
/// products, exponential map and the model-input refresh, no RNG.
void BM_Rdlm_Step(benchmark::State& state) {
  const index_t positions = state.range(0), vocab = state.range(1);
  std::vector<float> draws(static_cast<std::size_t>(positions * (vocab + 1)));
  unmask::philox_gaussian source{9};
  for (index_t i = 0; i < positions; ++i) {
    source.draw({0, 0, i, i}, std::span<float>(draws).subspan(static_cast<std::size_t>(i * (vocab + 1)),
                                                              static_cast<std::size_t>(vocab + 1)));
  }
  std::vector<std::span<const float>> per_step(static_cast<std::size_t>(bench_steps), draws);
  unmask::recorded_gaussian noise{per_step};
  run_steps(state, noise);
}

/// The same step drawing its Gaussians from Philox (one Philox4x32-10 block and one
/// Box-Muller per coordinate), as a sampling run does.
void BM_Rdlm_Step_Philox(benchmark::State& state) {
  unmask::philox_gaussian noise{9};
  run_steps(state, noise);
}

/// The floor: one streaming read of the state's bytes (a float sum).
void BM_Floor_StreamRead_RdlmState(benchmark::State& state) {
  const index_t positions = state.range(0), vocab = state.range(1);
  std::vector<float> x(static_cast<std::size_t>(positions * (vocab + 1)), 0.5f);
  for (auto _ : state) {
    float a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
    std::size_t q = 0;
    for (; q + 8 <= x.size(); q += 8) {
      a0 += x[q], a1 += x[q + 1], a2 += x[q + 2], a3 += x[q + 3];
      a4 += x[q + 4], a5 += x[q + 5], a6 += x[q + 6], a7 += x[q + 7];
    }
    for (; q < x.size(); ++q) a0 += x[q];
    float sum = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7));
    benchmark::DoNotOptimize(sum);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(x.size() * sizeof(float)));
}

}  // namespace

BENCHMARK(BM_Rdlm_Step)->Args({256, 32000})->Args({256, 126464})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Rdlm_Step_Philox)->Args({256, 32000})->Args({256, 126464})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Floor_StreamRead_RdlmState)->Args({256, 32000})->Args({256, 126464})->Unit(benchmark::kMillisecond);
