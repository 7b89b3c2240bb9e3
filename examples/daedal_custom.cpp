// unmask example: DAEDAL is a composition, so its parts can be swapped.
// (1) DAEDAL with entropy scoring; (2) DAEDAL's Stage-2 insertion on Dream's sampler.
#include <unmask/unmask.hpp>

#include <cstdio>
#include <vector>

namespace {

// A toy model over a 16-token vocabulary (mask 15, EOS 14): it "answers" with token
// 1 + (p % 5) for the first 20 generated positions and EOS after them, and is unsure
// (a flat distribution) at generated position 3 while the row is short.
struct toy_model {
  unmask::index_t prompt = 3;
  void operator()(const unmask::forward_request& req) const {
    for (const auto& row : req.rows) {
      const auto len = static_cast<unmask::index_t>(row.tokens.size());
      for (unmask::index_t p = row.logits_begin; p < row.logits_end; ++p) {
        float* l = row.logits + (p - row.logits_begin) * req.vocab;
        for (unmask::index_t v = 0; v < req.vocab; ++v) l[v] = 0.0f;
        const unmask::index_t g = p - prompt;
        if (g == 3 && len < prompt + 24) continue;  // unsure: uniform
        l[g >= 20 ? 14 : 1 + (g >= 0 ? g % 5 : 0)] = 12.0f;
      }
    }
  }
};

void print(const char* title, const unmask::token_buffer& c, const unmask::run_stats& st) {
  std::printf("%s\n  tokens:", title);
  for (unmask::index_t p = c.prompt_length(0); p < c.length(0); ++p) std::printf(" %d", c.at(0, p));
  std::printf("\n  length %lld, effective %lld, model calls %lld, Stage-1 expansions %lld, insertions %lld\n",
              static_cast<long long>(st.final_length[0]), static_cast<long long>(st.effective_length[0]),
              static_cast<long long>(st.model_calls), static_cast<long long>(st.expansions),
              static_cast<long long>(st.insertions));
}

}  // namespace

int main() {
  const std::vector<std::vector<unmask::token_id>> prompt{{4, 5, 6}};
  toy_model model;

  // (1) DAEDAL, but positions are ranked by negative entropy instead of confidence.
  unmask::presets::daedal_params p{.initial_gen_length = 8, .max_gen_length = 64, .block_length = 8,
                                   .expansion_factor = 4, .eos_check_tokens = 8, .mask_id = 15, .eos_id = 14};
  auto canvas = unmask::presets::daedal_canvas(prompt, p, 16);
  const auto daedal_entropy = unmask::presets::daedal(p, unmask::neg_entropy_score{});
  print("DAEDAL with entropy scoring:", canvas, daedal_entropy.run(canvas, model));

  // (2) Dream's sampler (timesteps, shifted logits) with DAEDAL's mask insertion.
  unmask::sampler<unmask::timestep_schedule, unmask::low_confidence, unmask::whole_canvas, unmask::mask_insertion,
                  unmask::categorical, unmask::no_guidance, unmask::dream_logits>
      dream_grows;
  dream_grows.schedule = {.steps = 16, .eps = 1e-3};
  dream_grows.length = {.factor = 4, .max_gen_length = 40, .measure = {.eos_id = 14, .window = 8}};
  dream_grows.options.eos_id = 14;
  auto canvas2 = unmask::token_buffer::from_prompts(prompt, 16, 16, 15, 3 + 40);
  print("Dream + DAEDAL Stage-2 insertion:", canvas2, dream_grows.run(canvas2, model));
  return 0;
}
