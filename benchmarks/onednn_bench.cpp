// unmask benchmarks: the oneDNN backend. Score pass (plan vs oneDNN's softmax primitive),
// model forward tokens/s (tiny-mdm and one LLaDA-8B-shaped layer; Eigen vs oneDNN f32 / bf16),
// and the sampler step with the oneDNN score backend. Built only with unmask::onednn linked.
#if defined(UNMASK_HAS_ONEDNN_BACKEND)

#include "../tests/onednn/random_llada.hpp"
#include "bench_step.hpp"
#include <unmask/backend/onednn/context.hpp>
#include <unmask/backend/onednn/memory_view.hpp>
#include <unmask/backend/onednn/model_forward.hpp>
#include <unmask/backend/onednn/score_backend.hpp>
#include <unmask/backend/onednn/score_plan.hpp>
#include <unmask/core/sampler.hpp>
#include <unmask/kernels/portable_backend.hpp>
#include <unmask/presets/llada.hpp>

#if __has_include(<Eigen/Dense>) && __has_include("model/tiny_mdm.hpp")
#include "model/safetensors.hpp"
#include "model/tiny_mdm.hpp"
#define UNMASK_BENCH_EIGEN 1
#else
#define UNMASK_BENCH_EIGEN 0
#endif

#include <benchmark/benchmark.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

using unmask::index_t;
namespace on = unmask::onednn;
using dt = dnnl::memory::data_type;

// ---------------------------------------------------------------------------
// Score pass: rows x vocab logits in oneDNN memory -> row_stats per row.
// ---------------------------------------------------------------------------

// The plan as shipped: the library's one-pass kernel on the oneDNN memory.
// Args: rows, vocab, dtype (0 f32, 1 bf16), float64 (0/1).
void BM_OneDNN_ScorePlan(benchmark::State& st) {
  const index_t rows = st.range(0), vocab = st.range(1);
  const bool bf16 = st.range(2) != 0, f64 = st.range(3) != 0;
  on::context ctx;
  const auto& f = unmask_bench::logits_block(rows, vocab);
  const auto& b = unmask_bench::logits_block_bf16(rows, vocab);
  const auto m = bf16 ? on::wrap(ctx, std::span<const unmask::bfloat16>(b), {rows, vocab})
                      : on::wrap(ctx, std::span<const float>(f), {rows, vocab});
  on::score_plan plan(ctx, rows, vocab, bf16 ? dt::bf16 : dt::f32, {.float64 = f64});
  std::vector<unmask::position_stats> out(static_cast<std::size_t>(rows));
  for (auto _ : st) {
    plan.run(m, out);
    benchmark::DoNotOptimize(out.data());
  }
  unmask_bench::set_counters(st, rows, vocab, bf16 ? 2 : 4);
}

// The measured alternative (not shipped; kept so the decision can be re-measured on
// another CPU or oneDNN version): oneDNN's log-softmax primitive over the block into a
// workspace (jit), then one scan of logits and log-probabilities for top-2 and
// sum p log p. `scan` = 0 times the primitive alone: a lower bound for any path that
// gets lse from a oneDNN softmax or reduction. Args: rows, vocab, scan (0/1).
void BM_OneDNN_ScoreSoftmaxPrimitive(benchmark::State& st) {
  const index_t rows = st.range(0), vocab = st.range(1);
  const bool scan = st.range(2) != 0;
  on::context ctx;
  const auto& block = unmask_bench::logits_block(rows, vocab);
  const auto src = on::wrap(ctx, std::span<const float>(block), {rows, vocab});
  const dnnl::memory dst(on::row_major_desc({rows, vocab}, dt::f32), ctx.engine());
  const auto pd = dnnl::softmax_v2_forward::primitive_desc(
      {dnnl::prop_kind::forward_inference, dnnl::algorithm::softmax_log, src.get_desc(), dst.get_desc(), 1},
      ctx.engine());
  const dnnl::softmax_v2_forward prim(pd);
  const std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}};
  std::vector<unmask::row_stats> out(static_cast<std::size_t>(rows));
  const float* lp = static_cast<const float*>(dst.get_data_handle());
  bool checked = false;
  for (auto _ : st) {
    prim.execute(ctx.stream(), args);
    ctx.wait();
    if (!scan) continue;
    for (index_t r = 0; r < rows; ++r) {
      const float* l = block.data() + r * vocab;
      const float* q = lp + r * vocab;
      float m1 = -std::numeric_limits<float>::infinity(), m2 = m1;
      index_t i1 = -1, i2 = -1;
      double h = 0;
      for (index_t v = 0; v < vocab; ++v) {
        const float x = l[v];
        if (x > m1) {
          m2 = m1, i2 = i1, m1 = x, i1 = v;
        } else if (x > m2) {
          m2 = x, i2 = v;
        }
        h += static_cast<double>(std::exp(q[v])) * q[v];
      }
      auto& o = out[static_cast<std::size_t>(r)];
      o.top1 = static_cast<unmask::token_id>(i1), o.top2 = static_cast<unmask::token_id>(i2);
      o.max1 = m1, o.max2 = m2, o.lse = m1 - q[i1], o.sum_p_log_p = h;
    }
    benchmark::DoNotOptimize(out.data());
    if (!checked) {  // the alternative must compute the same thing to be a fair rival
      for (index_t r = 0; r < rows; ++r) {
        const auto want = unmask::row_stats_of<double>(
            std::span<const float>(block.data() + r * vocab, static_cast<std::size_t>(vocab)));
        const auto& o = out[static_cast<std::size_t>(r)];
        if (o.top1 != want.top1 || o.top2 != want.top2 || std::abs(o.lse - want.lse) > 1e-4 ||
            std::abs(o.sum_p_log_p - want.sum_p_log_p) > 1e-3) {
          st.SkipWithError("the softmax-primitive path disagrees with row_stats_of");
          return;
        }
      }
      checked = true;
    }
  }
  st.SetLabel(pd.impl_info_str());
  unmask_bench::set_counters(st, rows, vocab);
}

void score_shapes(benchmark::internal::Benchmark* b) { b->Unit(benchmark::kMillisecond)->UseRealTime(); }

BENCHMARK(BM_OneDNN_ScorePlan)->ArgsProduct({{32, 256}, {126464}, {0, 1}, {0, 1}})->Apply(score_shapes);
BENCHMARK(BM_OneDNN_ScoreSoftmaxPrimitive)->ArgsProduct({{32, 256}, {126464}, {0, 1}})->Apply(score_shapes);

// ---------------------------------------------------------------------------
// Model forward: tokens per second of one full forward over a canvas of S tokens
// (logits of every position), through the model concept.
// ---------------------------------------------------------------------------

enum class impl { eigen, onednn_f32, onednn_bf16 };

template <class Model>
void forward_loop(benchmark::State& st, Model& m, index_t S, index_t vocab) {
  std::vector<unmask::token_id> tokens(static_cast<std::size_t>(S));
  for (index_t i = 0; i < S; ++i)
    tokens[static_cast<std::size_t>(i)] = static_cast<unmask::token_id>((i * 7 + 3) % vocab);
  std::vector<float> logits(static_cast<std::size_t>(S * vocab));
  unmask::forward_row row{.tokens = tokens,
                          .logits_begin = 0,
                          .logits_end = S,
                          .window_begin = 0,
                          .window_end = S,
                          .logits = logits.data()};
  const unmask::forward_request req{.step = 0, .vocab = vocab, .rows = std::span(&row, 1)};
  m(req);  // warm: primitives for this length, pages touched
  for (auto _ : st) {
    m(req);
    benchmark::DoNotOptimize(logits.data());
  }
  st.counters["tokens/s"] = benchmark::Counter(static_cast<double>(S), benchmark::Counter::kIsIterationInvariantRate);
}

// One LLaDA-8B-shaped layer (d 4096, 32 heads, SwiGLU 12288, RoPE theta 5e5) with random
// weights; a 64-token vocabulary keeps the head negligible. Built once per implementation.
const on::llada_forward::dims layer_8b{.d_model = 4096,
                                       .n_layers = 1,
                                       .n_heads = 32,
                                       .mlp_hidden = 12288,
                                       .vocab = 64,
                                       .rope_theta = 500000.0,
                                       .rms_norm_eps = 1e-5};

const unmask_test::random_llada& layer_8b_weights() {
  static const unmask_test::random_llada w(layer_8b, 8);
  return w;
}

on::llada_forward& onednn_model(impl k, const on::llada_forward::dims& dm, const unmask_test::random_llada& w) {
  static std::unique_ptr<on::llada_forward> f32, bf16;
  auto& slot = k == impl::onednn_f32 ? f32 : bf16;
  if (!slot)
    slot = std::make_unique<on::llada_forward>(
        dm, w, on::llada_forward::options{.weights = k == impl::onednn_f32 ? dt::f32 : dt::bf16});
  return *slot;
}

template <impl K>
void BM_OneDNN_Forward_8BLayer(benchmark::State& st) {
  const index_t S = st.range(0);
  const auto& w = layer_8b_weights();
  if constexpr (K == impl::eigen) {
#if UNMASK_BENCH_EIGEN
    static std::unique_ptr<unmask_model::tiny_mdm> eigen;
    if (!eigen) {
      unmask_model::tiny_mdm_config c;
      c.d_model = layer_8b.d_model, c.n_layers = layer_8b.n_layers, c.n_heads = layer_8b.n_heads;
      c.mlp_hidden_size = layer_8b.mlp_hidden, c.vocab_size = layer_8b.vocab, c.rope_theta = layer_8b.rope_theta;
      eigen = std::make_unique<unmask_model::tiny_mdm>(c, unmask_model::safetensors_file::parse(w.safetensors()));
    }
    forward_loop(st, *eigen, S, layer_8b.vocab);
#else
    st.SkipWithError("built without Eigen / tools/model on the include path");
#endif
  } else {
    forward_loop(st, onednn_model(K, layer_8b, w), S, layer_8b.vocab);
  }
}
BENCHMARK_TEMPLATE(BM_OneDNN_Forward_8BLayer, impl::eigen)
    ->Arg(256)
    ->Arg(1024)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(1);
BENCHMARK_TEMPLATE(BM_OneDNN_Forward_8BLayer, impl::onednn_f32)
    ->Arg(256)
    ->Arg(1024)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(2);
BENCHMARK_TEMPLATE(BM_OneDNN_Forward_8BLayer, impl::onednn_bf16)
    ->Arg(256)
    ->Arg(1024)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(2);

// The bundled tiny model (models/tiny-mdm), whole forward.
template <impl K>
void BM_OneDNN_Forward_TinyMdm(benchmark::State& st) {
#if UNMASK_BENCH_EIGEN
  const std::string dir = std::string(UNMASK_SOURCE_DIR) + "/models/tiny-mdm";
  if (!std::filesystem::exists(dir + "/model.safetensors")) {
    st.SkipWithError("models/tiny-mdm/model.safetensors not found");
    return;
  }
  static std::unique_ptr<unmask_model::tiny_mdm> eigen;
  static std::unique_ptr<on::llada_forward> f32, bf16;
  if (!eigen) {
    eigen = std::make_unique<unmask_model::tiny_mdm>(unmask_model::tiny_mdm::load(dir));
    const auto file = unmask_model::safetensors_file::load(dir + "/model.safetensors");
    f32 = std::make_unique<on::llada_forward>(on::make_onednn_model(eigen->config(), file));
    bf16 = std::make_unique<on::llada_forward>(on::make_onednn_model(eigen->config(), file, {.weights = dt::bf16}));
  }
  const index_t S = st.range(0), V = eigen->vocab_size();
  if constexpr (K == impl::eigen) forward_loop(st, *eigen, S, V);
  if constexpr (K == impl::onednn_f32) forward_loop(st, *f32, S, V);
  if constexpr (K == impl::onednn_bf16) forward_loop(st, *bf16, S, V);
#else
  st.SkipWithError("built without Eigen / tools/model on the include path");
#endif
}
BENCHMARK_TEMPLATE(BM_OneDNN_Forward_TinyMdm, impl::eigen)
    ->Arg(256)
    ->Arg(1024)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_TEMPLATE(BM_OneDNN_Forward_TinyMdm, impl::onednn_f32)
    ->Arg(256)
    ->Arg(1024)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_TEMPLATE(BM_OneDNN_Forward_TinyMdm, impl::onednn_bf16)
    ->Arg(256)
    ->Arg(1024)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// ---------------------------------------------------------------------------
// Sampler step: one LLaDA step scoring `rows` masked positions of a LLaDA-vocabulary
// canvas (the model copies a fixed block: only the sampler's cost is timed), with the
// portable oracle (row_stats_of<double>), the preset as it ships (simd_backend, float)
// and the oneDNN score backend.
// ---------------------------------------------------------------------------

using unmask_bench::run_step;

auto llada_one_step(index_t rows, index_t vocab) {
  return unmask::presets::llada({.steps = 1,
                                 .gen_length = rows,
                                 .block_length = rows,
                                 .seed = 1,
                                 .mask_id = static_cast<unmask::token_id>(vocab - 1),
                                 .eos_id = static_cast<unmask::token_id>(vocab - 2)});
}

void BM_OneDNN_Step_LLaDA_Portable(benchmark::State& st) {
  const auto s = llada_one_step(st.range(0), st.range(1));
  using with_portable =
      unmask::sampler<decltype(s.schedule), decltype(s.score), decltype(s.block), decltype(s.length), decltype(s.noise),
                      decltype(s.guidance), decltype(s.transform), unmask::portable_backend>;
  run_step(st, with_portable{s.schedule, s.score, s.block, s.length, s.noise, s.guidance, s.transform, {}, s.options},
           st.range(0), st.range(1));
}
void BM_OneDNN_Step_LLaDA_Preset(benchmark::State& st) {
  run_step(st, llada_one_step(st.range(0), st.range(1)), st.range(0), st.range(1));
}
// Args: rows, vocab, threads of the plan, float64 (0/1).
void BM_OneDNN_Step_LLaDA_ScoreBackend(benchmark::State& st) {
  const index_t rows = st.range(0), vocab = st.range(1);
  const auto s = llada_one_step(rows, vocab);
  on::context ctx;
  const on::score_plan plan(ctx, rows + 4, vocab, dt::f32,
                            {.float64 = st.range(3) != 0, .entropy = false, .threads = st.range(2)});
  using with_onednn =
      unmask::sampler<decltype(s.schedule), decltype(s.score), decltype(s.block), decltype(s.length), decltype(s.noise),
                      decltype(s.guidance), decltype(s.transform), on::score_backend>;
  run_step(st,
           with_onednn{s.schedule, s.score, s.block, s.length, s.noise, s.guidance, s.transform, {&plan}, s.options},
           rows, vocab);
}
BENCHMARK(BM_OneDNN_Step_LLaDA_Portable)
    ->Args({32, 126464})
    ->Args({256, 126464})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_OneDNN_Step_LLaDA_Preset)
    ->Args({32, 126464})
    ->Args({256, 126464})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_OneDNN_Step_LLaDA_ScoreBackend)
    ->ArgsProduct({{32, 256}, {126464}, {1, 2}, {0, 1}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

#endif  // UNMASK_HAS_ONEDNN_BACKEND
