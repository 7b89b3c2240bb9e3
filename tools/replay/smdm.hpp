// unmask-replay: replays SMDM `diff_sample` traces (algorithm smdm.diff_sample) with the presets.
// alg 'greddy' -> presets::smdm_greedy; 'origin' draws its own coins, so it cannot replay a trace.
#pragma once

#include "discrete.hpp"
#include "result.hpp"
#include "trace.hpp"
#include <unmask/presets/smdm.hpp>

#include <ostream>
#include <string>
#include <vector>

namespace unmask_replay {

inline result replay_smdm(const trace& t, std::ostream* verbose) {
  const auto& p = t.json.at("params");
  unmask::presets::smdm_params sp;
  sp.steps = p.at("steps").get<unmask::index_t>();
  sp.temperature = number_or(p, "temperature", 1.0);
  sp.cfg_scale = number_or(p, "cfg_scale", 2.0);
  sp.context_length = p.at("context_length").get<unmask::index_t>();
  sp.eps = number_or(p, "eps", 1e-5);
  sp.mask_id = t.json.at("mask_id").get<unmask::token_id>();
  sp.eos_id = t.json.value("eos_id", -1);
  const auto alg = p.value("alg", std::string("origin"));
  if (alg != "greddy") return {false, "SMDM alg '" + alg + "' is not supported (origin draws torch.rand coins)"};
  if (sp.temperature != 0.0) return {false, "temperature > 0 draws noise and cannot replay exactly"};
  const auto prompts = t.json.at("prompts").get<std::vector<std::vector<unmask::token_id>>>();
  const auto canvas = unmask::presets::smdm_canvas(prompts, sp, t.json.at("vocab_size").get<unmask::index_t>());
  return run_and_compare(t, unmask::presets::smdm_greedy(sp), canvas, verbose);
}

}  // namespace unmask_replay
