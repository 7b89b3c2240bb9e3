// Every recorded reference run (UNMASK_TEST_DATA_DIR) through the oneDNN score path:
// (1) every recorded logits row, as f32 and as bf16 oneDNN memory, through score_plan
//     against row_stats_of: top1 / top2 exactly, lse / sum p log p / p(top1) within
//     1e-12 relative (f32, double accumulation); and
// (2) every discrete trace replayed by its preset with onednn::score_backend in place of
//     the portable backend: the same output tokens and model calls as the reference.
// RDLM traces are continuous (no logits rows, no row statistics) and are counted apart.
#include "replay/discrete.hpp"
#include "replay/smdm.hpp"
#include "replay/trace.hpp"
#include <unmask/backend/onednn/context.hpp>
#include <unmask/backend/onednn/memory_view.hpp>
#include <unmask/backend/onednn/score_backend.hpp>
#include <unmask/backend/onednn/score_plan.hpp>
#include <unmask/core/bfloat16.hpp>
#include <unmask/kernels/row_stats.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

namespace {

using unmask::index_t;
namespace on = unmask::onednn;
using dt = dnnl::memory::data_type;

std::vector<std::string> trace_paths() {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(UNMASK_TEST_DATA_DIR))
    if (e.path().extension() == ".json") out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

template <class S>
auto with_onednn(const S& s, const on::score_plan& plan) {
  using out = unmask::sampler<decltype(s.schedule), decltype(s.score), decltype(s.block), decltype(s.length),
                              decltype(s.noise), decltype(s.guidance), decltype(s.transform), on::score_backend>;
  return out{s.schedule, s.score, s.block, s.length, s.noise, s.guidance, s.transform, {&plan}, s.options};
}

// Runs the preset on `canvas` with a score plan sized for it, against the recording.
template <class S>
unmask_replay::result run(const unmask_replay::trace& t, const S& s, unmask::token_buffer canvas) {
  on::context ctx;
  const on::score_plan plan(ctx, canvas.rows() * canvas.capacity(), canvas.vocab_size(), dt::f32);
  return unmask_replay::run_and_compare(t, with_onednn(s, plan), std::move(canvas), nullptr);
}

// The preset of each algorithm with the reference's arguments, as tools/replay/*.hpp
// build them for the portable backend.
unmask_replay::result replay(const unmask_replay::trace& t) {
  using unmask_replay::number_or;
  namespace presets = unmask::presets;
  const auto& p = t.json.at("params");
  const auto mask = t.json.at("mask_id").get<unmask::token_id>();
  const auto eos = t.json.value("eos_id", -1);
  const auto vocab = t.json.at("vocab_size").get<index_t>();
  const auto prompts = t.json.at("prompts").get<std::vector<std::vector<unmask::token_id>>>();
  if (t.algorithm == "llada.generate") {
    presets::llada_params lp;
    lp.steps = p.at("steps").get<index_t>();
    lp.gen_length = p.at("gen_length").get<index_t>();
    lp.block_length = p.at("block_length").get<index_t>();
    lp.temperature = number_or(p, "temperature", 0.0);
    lp.cfg_scale = number_or(p, "cfg_scale", 0.0);
    lp.mask_id = mask;
    lp.eos_id = eos;
    const auto canvas = unmask_replay::canvas_from(t, lp.gen_length);
    const auto remasking = p.value("remasking", std::string("low_confidence"));
    if (remasking == "low_confidence") return run(t, presets::llada(lp), canvas);
    if (remasking == "random") return run(t, presets::llada(lp, unmask::random_score{}), canvas);
    return {false, "remasking '" + remasking + "' is not supported"};
  }
  if (t.algorithm == "fastdllm.generate") {
    presets::fastdllm_params fp;
    fp.steps = p.at("steps").get<index_t>();
    fp.gen_length = p.at("gen_length").get<index_t>();
    fp.block_length = p.at("block_length").get<index_t>();
    fp.temperature = number_or(p, "temperature", 0.0);
    fp.mask_id = mask;
    fp.eos_id = eos;
    if (p.value("remasking", std::string("low_confidence")) != "low_confidence")
      return {false, "remasking not supported"};
    const auto canvas = unmask_replay::canvas_from(t, fp.gen_length);
    if (p.contains("threshold") && !p.at("threshold").is_null())
      return run(t, presets::fastdllm_threshold(fp, p.at("threshold").get<double>()), canvas);
    if (p.contains("factor") && !p.at("factor").is_null())
      return run(t, presets::fastdllm_factor(fp, p.at("factor").get<double>()), canvas);
    return run(t, presets::fastdllm_fixed(fp), canvas);
  }
  if (t.algorithm == "dream.sample") {
    presets::dream_params dp;
    dp.steps = p.at("steps").get<index_t>();
    dp.eps = number_or(p, "eps", 1e-3);
    dp.temperature = number_or(p, "temperature", 0.0);
    dp.top_p = number_or(p, "top_p", 1.0);
    dp.top_k = static_cast<index_t>(number_or(p, "top_k", 0.0));
    dp.mask_id = mask;
    dp.eos_id = eos;
    const auto canvas =
        unmask_replay::canvas_from(t, p.at("max_length").get<index_t>() - static_cast<index_t>(prompts.at(0).size()));
    const auto alg = p.value("alg", std::string("origin"));
    if (number_or(p, "alg_temp", 0.0) != 0.0) return {false, "alg_temp > 0 is not supported"};
    if (alg == "maskgit_plus") return run(t, presets::dream(dp), canvas);
    if (alg == "topk_margin") return run(t, presets::dream(dp, unmask::margin_score{}), canvas);
    if (alg == "entropy") return run(t, presets::dream(dp, unmask::neg_entropy_score{}), canvas);
    return {false, "Dream alg '" + alg + "' is not supported"};
  }
  if (t.algorithm == "daedal.generate") {
    presets::daedal_params dp;
    dp.initial_gen_length = p.at("initial_gen_length").get<index_t>();
    dp.max_gen_length = p.at("max_gen_length").get<index_t>();
    dp.block_length = p.at("block_length").get<index_t>();
    dp.temperature = number_or(p, "temperature", 0.0);
    dp.cfg_scale = number_or(p, "cfg_scale", 0.0);
    dp.high_conf_threshold = number_or(p, "high_conf_threshold", 0.9);
    dp.low_conf_threshold = number_or(p, "low_conf_threshold", 0.1);
    dp.expansion_factor = p.at("expansion_factor").get<index_t>();
    dp.eos_confidence_threshold = number_or(p, "eos_confidence_threshold", 0.5);
    dp.expand_eos_confidence_threshold = number_or(p, "expand_eos_confidence_threshold", 0.9);
    dp.eos_check_tokens = p.at("eos_check_tokens").get<index_t>();
    dp.mask_id = mask;
    dp.eos_id = t.json.at("eos_id").get<unmask::token_id>();
    return run(t, presets::daedal(dp), presets::daedal_canvas(prompts, dp, vocab));
  }
  if (t.algorithm == "smdm.diff_sample") {
    presets::smdm_params sp;
    sp.steps = p.at("steps").get<index_t>();
    sp.temperature = number_or(p, "temperature", 1.0);
    sp.cfg_scale = number_or(p, "cfg_scale", 2.0);
    sp.context_length = p.at("context_length").get<index_t>();
    sp.eps = number_or(p, "eps", 1e-5);
    sp.mask_id = mask;
    sp.eos_id = eos;
    if (p.value("alg", std::string("origin")) != "greddy" || sp.temperature != 0.0)
      return {false, "only SMDM's greedy alg at temperature 0 replays exactly"};
    return run(t, presets::smdm_greedy(sp), presets::smdm_canvas(prompts, sp, vocab));
  }
  return {false, "no oneDNN replay for algorithm " + t.algorithm};
}

}  // namespace

TEST_CASE("score_plan: every recorded logits row gives row_stats_of's statistics", "[onednn][score][replay]") {
  on::context ctx;
  std::size_t traces = 0, continuous = 0, rows_checked = 0;
  for (const auto& path : trace_paths()) {
    const auto t = unmask_replay::load_trace(path);
    if (!t.json.contains("forward_rows")) {
      CHECK(t.algorithm.rfind("rdlm.", 0) == 0);  // only the continuous sampler records no logits rows
      ++continuous;
      continue;
    }
    CAPTURE(t.name);
    const auto vocab = t.json.at("vocab_size").get<index_t>();
    REQUIRE(vocab > 0);
    REQUIRE(t.blob.size() % static_cast<std::size_t>(vocab) == 0);
    const auto rows = static_cast<index_t>(t.blob.size() / static_cast<std::size_t>(vocab));
    REQUIRE(rows > 0);
    std::vector<float> f = t.blob;
    std::vector<unmask::bfloat16> b(f.size());
    std::vector<float> widened(f.size());
    for (std::size_t i = 0; i < f.size(); ++i) {
      b[i] = unmask::bfloat16::from_float(f[i]);
      widened[i] = b[i].to_float();
    }
    on::score_plan pf(ctx, rows, vocab, dt::f32, {.threads = 2});
    on::score_plan pb(ctx, rows, vocab, dt::bf16);
    std::vector<unmask::position_stats> of(static_cast<std::size_t>(rows)), ob(of.size());
    pf.run(on::wrap(ctx, std::span<float>(f), {rows, vocab}), of);
    pb.run(on::wrap(ctx, std::span<unmask::bfloat16>(b), {rows, vocab}), ob);
    for (index_t r = 0; r < rows; ++r) {
      const auto k = static_cast<std::size_t>(r);
      const auto want = unmask::row_stats_of<double>(
          std::span<const float>(t.blob.data() + r * vocab, static_cast<std::size_t>(vocab)));
      const auto wantb = unmask::row_stats_of<double>(
          std::span<const float>(widened.data() + r * vocab, static_cast<std::size_t>(vocab)));
      const auto& got = of[k].stats;
      CAPTURE(r);
      REQUIRE(got.valid() == want.valid());
      REQUIRE(got.top1 == want.top1);
      REQUIRE(got.top2 == want.top2);
      REQUIRE(ob[k].stats.top1 == wantb.top1);
      REQUIRE(ob[k].stats.top2 == wantb.top2);
      if (want.valid()) {
        REQUIRE(got.lse == Approx(want.lse).epsilon(1e-12).margin(1e-12));
        REQUIRE(got.sum_p_log_p == Approx(want.sum_p_log_p).epsilon(1e-12).margin(1e-12));
        REQUIRE(got.p1() == Approx(want.p1()).epsilon(1e-12));
        REQUIRE(ob[k].stats.lse == Approx(wantb.lse).epsilon(1e-12).margin(1e-12));
      }
    }
    rows_checked += static_cast<std::size_t>(rows);
    ++traces;
  }
  CHECK(traces >= 20);
  WARN(traces << " discrete traces, " << rows_checked << " logits rows; " << continuous
              << " continuous (RDLM) traces skipped");
}

TEST_CASE("score_backend: every discrete trace replays exactly", "[onednn][score][replay]") {
  std::size_t replayed = 0;
  for (const auto& path : trace_paths()) {
    const auto t = unmask_replay::load_trace(path);
    if (t.algorithm.rfind("rdlm.", 0) == 0) continue;
    CAPTURE(t.name, t.algorithm);
    const auto r = replay(t);
    INFO(r.detail);
    CHECK(r.pass);
    ++replayed;
  }
  CHECK(replayed >= 20);
}
