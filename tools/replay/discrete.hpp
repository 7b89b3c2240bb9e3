// unmask-replay: replays the discrete traces (LLaDA, Fast-dLLM, Dream) with the presets.
// Each algorithm maps the reference's keyword arguments onto a preset.
#pragma once

#include "result.hpp"
#include "trace.hpp"

#include <unmask/unmask.hpp>

#include <functional>
#include <iostream>
#include <string>
#include <vector>

namespace unmask_replay {

/// Prints the canvas after every step (the --verbose view).
struct canvas_printer {
  std::ostream* out = nullptr;
  void operator()(const unmask::step_event& e) const {
    if (out == nullptr) return;
    *out << "  step " << e.step << " (calls " << e.model_calls << ", +" << e.commits.size() << ")";
    const auto& c = *e.canvas;
    for (unmask::index_t r = 0; r < c.rows(); ++r) {
      *out << (r == 0 ? " " : " | ");
      for (unmask::index_t p = c.prompt_length(r); p < c.length(r); ++p) {
        if (c.masked(r, p)) *out << " _";
        else *out << ' ' << c.at(r, p);
      }
    }
    *out << '\n';
  }
};

inline unmask::token_buffer canvas_from(const trace& t, unmask::index_t gen_length, unmask::index_t capacity = 0) {
  const auto prompts = t.json.at("prompts").get<std::vector<std::vector<unmask::token_id>>>();
  return unmask::token_buffer::from_prompts(prompts, gen_length, t.json.at("vocab_size").get<unmask::index_t>(),
                                            t.json.at("mask_id").get<unmask::token_id>(), capacity);
}

inline std::vector<std::vector<unmask::token_id>> rows_of(const unmask::token_buffer& c) {
  std::vector<std::vector<unmask::token_id>> out;
  for (unmask::index_t r = 0; r < c.rows(); ++r) out.emplace_back(c.row(r).begin(), c.row(r).end());
  return out;
}

/// Runs `s` on `canvas` against the recording and compares output and model calls.
/// `output` turns the final canvas into the rows `expected_output` records.
template <class Sampler>
result run_and_compare(const trace& t, const Sampler& s, unmask::token_buffer canvas, std::ostream* verbose,
                       const std::function<std::vector<std::vector<unmask::token_id>>(const unmask::token_buffer&)>&
                           output = rows_of) {
  replay_model model(t);
  unmask::run_stats st;
  try {
    st = s.run(canvas, model, canvas_printer{verbose});
  } catch (const unmask::error& e) {
    return {false, std::string("first divergence: ") + e.what()};
  }
  if (auto d = compare_rows(t.json.at("expected_output"), output(canvas)); !d.empty()) return {false, d};
  const long expected_calls = t.json.at("expected_model_calls").get<long>();
  if (st.model_calls != expected_calls)
    return {false, "model calls: expected " + std::to_string(expected_calls) + " got " + std::to_string(st.model_calls)};
  std::string summary = std::to_string(st.model_calls) + " model calls, " + std::to_string(st.committed) + " tokens";
  if (st.refined > 0) summary += ", " + std::to_string(st.refined) + " scores decided in float64 by the filter";
  return {true, summary};
}

inline double number_or(const nlohmann::json& j, const char* key, double fallback) {
  return j.contains(key) && !j.at(key).is_null() ? j.at(key).get<double>() : fallback;
}

inline result replay_llada(const trace& t, std::ostream* verbose) {
  const auto& p = t.json.at("params");
  unmask::presets::llada_params lp;
  lp.steps = p.at("steps").get<unmask::index_t>();
  lp.gen_length = p.at("gen_length").get<unmask::index_t>();
  lp.block_length = p.at("block_length").get<unmask::index_t>();
  lp.temperature = number_or(p, "temperature", 0.0);
  lp.cfg_scale = number_or(p, "cfg_scale", 0.0);
  lp.mask_id = t.json.at("mask_id").get<unmask::token_id>();
  lp.eos_id = t.json.value("eos_id", -1);
  const auto remasking = p.value("remasking", std::string("low_confidence"));
  const auto canvas = canvas_from(t, lp.gen_length);
  if (remasking == "low_confidence") return run_and_compare(t, unmask::presets::llada(lp), canvas, verbose);
  if (remasking == "random")
    return run_and_compare(t, unmask::presets::llada(lp, unmask::random_score{}), canvas, verbose);
  return {false, "remasking '" + remasking + "' is not supported"};
}

inline result replay_fastdllm(const trace& t, std::ostream* verbose) {
  const auto& p = t.json.at("params");
  unmask::presets::fastdllm_params fp;
  fp.steps = p.at("steps").get<unmask::index_t>();
  fp.gen_length = p.at("gen_length").get<unmask::index_t>();
  fp.block_length = p.at("block_length").get<unmask::index_t>();
  fp.temperature = number_or(p, "temperature", 0.0);
  fp.mask_id = t.json.at("mask_id").get<unmask::token_id>();
  fp.eos_id = t.json.value("eos_id", -1);
  if (p.value("remasking", std::string("low_confidence")) != "low_confidence")
    return {false, "remasking '" + p.value("remasking", std::string()) + "' is not supported"};
  const auto canvas = canvas_from(t, fp.gen_length);
  const bool has_threshold = p.contains("threshold") && !p.at("threshold").is_null();
  const bool has_factor = p.contains("factor") && !p.at("factor").is_null();
  if (has_threshold) return run_and_compare(t, unmask::presets::fastdllm_threshold(fp, p.at("threshold").get<double>()), canvas, verbose);
  if (has_factor) return run_and_compare(t, unmask::presets::fastdllm_factor(fp, p.at("factor").get<double>()), canvas, verbose);
  return run_and_compare(t, unmask::presets::fastdllm_fixed(fp), canvas, verbose);
}

inline result replay_dream(const trace& t, std::ostream* verbose) {
  const auto& p = t.json.at("params");
  unmask::presets::dream_params dp;
  dp.steps = p.at("steps").get<unmask::index_t>();
  dp.eps = number_or(p, "eps", 1e-3);
  dp.temperature = number_or(p, "temperature", 0.0);
  dp.top_p = number_or(p, "top_p", 1.0);
  dp.top_k = static_cast<unmask::index_t>(number_or(p, "top_k", 0.0));
  dp.mask_id = t.json.at("mask_id").get<unmask::token_id>();
  dp.eos_id = t.json.value("eos_id", -1);
  if (number_or(p, "alg_temp", 0.0) != 0.0) return {false, "alg_temp > 0 is not supported"};
  const auto prompt_len = static_cast<unmask::index_t>(t.json.at("prompts").at(0).size());
  const auto canvas = canvas_from(t, p.at("max_length").get<unmask::index_t>() - prompt_len);
  const auto alg = p.value("alg", std::string("origin"));
  if (alg == "maskgit_plus") return run_and_compare(t, unmask::presets::dream(dp), canvas, verbose);
  if (alg == "topk_margin") return run_and_compare(t, unmask::presets::dream(dp, unmask::margin_score{}), canvas, verbose);
  if (alg == "entropy") return run_and_compare(t, unmask::presets::dream(dp, unmask::neg_entropy_score{}), canvas, verbose);
  return {false, "Dream alg '" + alg + "' is not supported"};
}

}  // namespace unmask_replay

namespace unmask_replay {

inline result replay_daedal(const trace& t, std::ostream* verbose) {
  const auto& p = t.json.at("params");
  unmask::presets::daedal_params dp;
  dp.initial_gen_length = p.at("initial_gen_length").get<unmask::index_t>();
  dp.max_gen_length = p.at("max_gen_length").get<unmask::index_t>();
  dp.block_length = p.at("block_length").get<unmask::index_t>();
  dp.temperature = number_or(p, "temperature", 0.0);
  dp.cfg_scale = number_or(p, "cfg_scale", 0.0);
  dp.high_conf_threshold = number_or(p, "high_conf_threshold", 0.9);
  dp.low_conf_threshold = number_or(p, "low_conf_threshold", 0.1);
  dp.expansion_factor = p.at("expansion_factor").get<unmask::index_t>();
  dp.eos_confidence_threshold = number_or(p, "eos_confidence_threshold", 0.5);
  dp.expand_eos_confidence_threshold = number_or(p, "expand_eos_confidence_threshold", 0.9);
  dp.eos_check_tokens = p.at("eos_check_tokens").get<unmask::index_t>();
  dp.mask_id = t.json.at("mask_id").get<unmask::token_id>();
  dp.eos_id = t.json.at("eos_id").get<unmask::token_id>();
  const auto prompts = t.json.at("prompts").get<std::vector<std::vector<unmask::token_id>>>();
  auto canvas = unmask::presets::daedal_canvas(prompts, dp, t.json.at("vocab_size").get<unmask::index_t>());
  return run_and_compare(t, unmask::presets::daedal(dp), std::move(canvas), verbose);
}

}  // namespace unmask_replay
