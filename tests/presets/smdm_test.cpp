// SMDM presets: every recorded smdm-* trace replays exactly; batch-global selection,
// prompt masks generated, CFG rows, the origin variant, and rejected parameters.
#include "../../tools/replay/smdm.hpp"

#include "core/test_models.hpp"
#include <unmask/presets/smdm.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

namespace {

using unmask::index_t;
using unmask::token_id;
using unmask_test::recorded_step;
using unmask_test::recording_observer;

constexpr index_t vocab = 12;
constexpr token_id mask = 11;

// Row 0's predictions are sharp (token 3, confidence rising with position), row 1's
// nearly flat (token 4): the batch's most confident masks all lie in row 0.
struct two_confidence_model {
  index_t calls = 0;
  void operator()(const unmask::forward_request& req) {
    ++calls;
    for (const auto& fr : req.rows)
      for (index_t p = fr.logits_begin; p < fr.logits_end; ++p) {
        float* l = fr.logits + (p - fr.logits_begin) * req.vocab;
        for (index_t v = 0; v < req.vocab; ++v) l[v] = 0.0f;
        if (fr.canvas_row == 0)
          l[3] = 6.0f + 0.1f * static_cast<float>(p);
        else
          l[4] = 0.5f;
        l[mask] = -1e30f;
      }
  }
};

// Random logits with a very negative but finite logit for the mask token, so CFG sees
// finite logits everywhere.
struct no_mask_model {
  unmask_test::random_logits_model inner;
  void operator()(const unmask::forward_request& req) {
    inner(req);
    for (const auto& fr : req.rows)
      for (index_t p = fr.logits_begin; p < fr.logits_end; ++p)
        fr.logits[(p - fr.logits_begin) * req.vocab + mask] = -1e4f;
  }
};

std::string param_of_greedy(const unmask::presets::smdm_params& p) {
  try {
    (void)unmask::presets::smdm_greedy(p);
  } catch (const unmask::error& e) {
    return e.parameter();
  }
  return "none";
}

}  // namespace

TEST_CASE("smdm_greedy replays every recorded SMDM trace exactly", "[presets][smdm][golden]") {
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(UNMASK_TEST_DATA_DIR)) {
    const auto name = e.path().filename().string();
    if (name.rfind("smdm-", 0) == 0 && e.path().extension() == ".json") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  REQUIRE(!files.empty());
  for (const auto& f : files) {
    const auto t = unmask_replay::load_trace(f.string());
    REQUIRE(t.algorithm == "smdm.diff_sample");
    const auto r = unmask_replay::replay_smdm(t, nullptr);
    INFO(f.filename().string() << ": " << r.detail);
    CHECK(r.pass);
  }
}

TEST_CASE("smdm_greedy commits the batch's most confident masks, across rows", "[presets][smdm]") {
  const unmask::presets::smdm_params p{
      .steps = 4, .temperature = 0.0, .cfg_scale = 0.0, .context_length = 10, .mask_id = mask};
  const std::vector<std::vector<token_id>> prompts{{1, 2}, {5, 6}};
  auto canvas = unmask::presets::smdm_canvas(prompts, p, vocab);
  REQUIRE(canvas.gen_length(0) == 8);  // context_length is the total length
  two_confidence_model m;
  std::vector<recorded_step> steps;
  const auto st = unmask::presets::smdm_greedy(p).run(canvas, m, recording_observer{&steps});
  // N = 16 masks: step 0 takes int(16 * 0.2499975) = 3, step 1 int(13 * 0.33333) = 4:
  // all from row 0 (a per-row count would give each row its share).
  REQUIRE(steps.size() == 4);
  REQUIRE(steps[0].commits.size() == 3);
  REQUIRE(steps[1].commits.size() == 4);
  for (index_t s = 0; s < 2; ++s)
    for (const auto& c : steps[static_cast<std::size_t>(s)].commits) {
      CHECK(c.row == 0);
      CHECK(c.token == 3);
    }
  // The most confident first: row 0's last positions (confidence rises with position).
  CHECK(steps[0].commits[0].position == 7);
  CHECK(steps[0].commits[2].position == 9);
  CHECK(st.model_calls == 4);
  for (index_t r = 0; r < 2; ++r) CHECK(canvas.count_masked(r) == 0);
}

TEST_CASE("smdm_greedy generates masks inside the prompt (SMDM pads with its mask id)", "[presets][smdm]") {
  const unmask::presets::smdm_params p{
      .steps = 3, .temperature = 0.0, .cfg_scale = 0.0, .context_length = 8, .mask_id = mask};
  const std::vector<std::vector<token_id>> prompts{{7, mask, 8}};
  auto canvas = unmask::presets::smdm_canvas(prompts, p, vocab);
  two_confidence_model m;
  (void)unmask::presets::smdm_greedy(p).run(canvas, m);
  CHECK(canvas.at(0, 0) == 7);
  CHECK(canvas.at(0, 1) == 3);  // the padding mask got a token
  CHECK(canvas.count_masked(0) == 0);
}

TEST_CASE("smdm_greedy with cfg_scale runs the prompt-masked rows in the same evaluation", "[presets][smdm]") {
  const unmask::presets::smdm_params p{
      .steps = 5, .temperature = 0.0, .cfg_scale = 0.6, .context_length = 12, .mask_id = mask};
  const std::vector<std::vector<token_id>> prompts{{1, 2, 3}, {4, 5, 6}};
  auto canvas = unmask::presets::smdm_canvas(prompts, p, vocab);
  no_mask_model m;
  const auto st = unmask::presets::smdm_greedy(p).run(canvas, m);
  CHECK(st.model_calls == 5);
  index_t uncond = 0;
  for (const auto& q : m.inner.requests) {
    if (!q.unconditional) continue;
    ++uncond;
    for (index_t i = 0; i < 3; ++i) CHECK(q.tokens[static_cast<std::size_t>(i)] == mask);
  }
  CHECK(uncond == 2 * 5);
  for (index_t r = 0; r < 2; ++r) CHECK(canvas.count_masked(r) == 0);
}

TEST_CASE("smdm_origin reveals a random number per step, everything by the end, reproducibly", "[presets][smdm]") {
  unmask::presets::smdm_params p{
      .steps = 6, .temperature = 1.0, .cfg_scale = 0.0, .context_length = 40, .seed = 5, .mask_id = mask};
  const std::vector<std::vector<token_id>> prompts{{1, 2, 3, 4}, {5, 6, 7, 8}};
  auto run = [&](const unmask::presets::smdm_params& q) {
    auto canvas = unmask::presets::smdm_canvas(prompts, q, vocab);
    unmask_test::random_logits_model m;
    m.banned = {mask};
    std::vector<recorded_step> steps;
    const auto st = unmask::presets::smdm_origin(q).run(canvas, m, recording_observer{&steps});
    CHECK(st.model_calls == q.steps);
    for (index_t r = 0; r < 2; ++r) CHECK(canvas.count_masked(r) == 0);
    return std::make_pair(unmask_test::commits_per_step(steps), unmask_test::rows_of(canvas));
  };
  const auto a = run(p), b = run(p);
  CHECK(a == b);
  index_t total = 0;
  for (auto k : a.first) total += k;
  CHECK(total == 2 * 36);
  p.seed = 6;
  const auto c = run(p);
  CHECK(c.first != a.first);  // other coins: another reveal pattern
}

TEST_CASE("smdm presets reject bad parameters and batches", "[presets][smdm]") {
  const unmask::presets::smdm_params ok{
      .steps = 4, .temperature = 0.0, .cfg_scale = 0.0, .context_length = 10, .mask_id = mask};
  CHECK(param_of_greedy(ok) == "none");
  auto with = [&](auto f) {
    auto p = ok;
    f(p);
    return p;
  };
  CHECK(param_of_greedy(with([](auto& p) { p.steps = 0; })) == "steps");
  CHECK(param_of_greedy(with([](auto& p) { p.eps = 0.0; })) == "eps");
  CHECK(param_of_greedy(with([](auto& p) { p.temperature = -1.0; })) == "temperature");
  CHECK(param_of_greedy(with([](auto& p) { p.cfg_scale = -0.5; })) == "cfg_scale");
  CHECK(param_of_greedy(with([](auto& p) { p.context_length = 0; })) == "context_length");
  CHECK_THROWS_AS(unmask::presets::smdm_origin(with([](auto& p) { p.steps = -1; })), unmask::error);

  const std::vector<std::vector<token_id>> long_prompt{{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}};
  try {
    (void)unmask::presets::smdm_canvas(long_prompt, ok, vocab);
    FAIL("a prompt as long as context_length must be rejected");
  } catch (const unmask::error& e) {
    CHECK(e.parameter() == "context_length");
  }
  const std::vector<std::vector<token_id>> ragged{{1, 2}, {1, 2, 3}};
  try {
    (void)unmask::presets::smdm_canvas(ragged, ok, vocab);
    FAIL("prompts of different lengths must be rejected");
  } catch (const unmask::error& e) {
    CHECK(e.code() == unmask::errc::shape_mismatch);
  }
  // A ragged canvas built by hand is rejected by the sampler and left untouched.
  auto canvas = unmask::token_buffer::from_prompts(ragged, 4, vocab, mask);
  const auto before = unmask_test::rows_of(canvas);
  two_confidence_model m;
  CHECK_THROWS_AS(unmask::presets::smdm_greedy(ok).run(canvas, m), unmask::error);
  CHECK(unmask_test::rows_of(canvas) == before);
  CHECK(m.calls == 0);
}
