// unmask tests: the DAEDAL preset: composition, replay of the recorded reference runs,
// statistics, and invariants on random models.
#include "../policy/length/daedal_model.hpp"

#include <unmask/unmask.hpp>

#include "../../tools/replay/discrete.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

#ifndef UNMASK_TEST_DATA_DIR
#define UNMASK_TEST_DATA_DIR "tests/golden"
#endif

TEST_CASE("daedal() composes the reference defaults", "[presets][daedal]") {
  const auto s = unmask::presets::daedal({});
  const auto& [stage1, stage2] = s.length.parts;
  CHECK(stage1.step == 8);
  CHECK(stage1.eos_threshold == 0.5);
  CHECK(stage1.max_gen_length == 2048);
  CHECK(stage1.eos_anchor == 16);
  CHECK(stage1.measure.window == 32);
  CHECK(stage2.low_threshold == 0.1);
  CHECK(stage2.factor == 8);
  CHECK(stage2.eos_threshold == 0.9);
  CHECK(s.schedule.high_threshold == 0.9);
  CHECK(s.block.length == 32);
  CHECK(s.options.stop_when_unchanged);
  const auto canvas = unmask::presets::daedal_canvas(std::vector<std::vector<unmask::token_id>>{{1, 2}}, {}, 126464);
  CHECK(canvas.gen_length(0) == 64);
  CHECK(canvas.capacity() == 2 + 2048);
}

TEST_CASE("daedal() rejects bad parameters naming them", "[presets][daedal]") {
  unmask::presets::daedal_params p;
  p.initial_gen_length = 0;
  REQUIRE_THROWS_WITH(unmask::presets::daedal(p), Catch::Contains("initial_gen_length"));
  p = {};
  p.high_conf_threshold = 2;
  REQUIRE_THROWS_WITH(unmask::presets::daedal(p), Catch::Contains("high_conf_threshold"));
  p = {};
  p.eos_check_tokens = 0;
  REQUIRE_THROWS_WITH(unmask::presets::daedal(p), Catch::Contains("eos_check_tokens"));
}

TEST_CASE("daedal replays every recorded reference run exactly", "[presets][daedal][replay]") {
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(UNMASK_TEST_DATA_DIR)) {
    const auto name = e.path().filename().string();
    if (!name.starts_with("daedal-") || e.path().extension() != ".json") continue;
    ++n;
    const auto t = unmask_replay::load_trace(e.path().string());
    const auto r = unmask_replay::replay_daedal(t, nullptr);
    INFO(name << ": " << r.detail);
    CHECK(r.pass);
  }
  CHECK(n >= 5);
}

TEST_CASE("daedal on a scripted model: lengths, statistics and the cap", "[presets][daedal]") {
  // EOS from generated position 30; flat (unsure) at generated position 5 while the row
  // is shorter than 40, so Stage 2 inserts there until the model becomes sure.
  daedal_test::scripted_model model{.vocab = 16, .eos = 14, .filler = 3, .prompt = 4, .eos_from = 30};
  model.flat = [](unmask::index_t p, unmask::index_t len) { return p == 4 + 5 && len < 4 + 40; };
  unmask::presets::daedal_params p;
  p.initial_gen_length = 8;
  p.max_gen_length = 64;
  p.block_length = 8;
  p.expansion_factor = 4;
  p.eos_check_tokens = 8;
  p.mask_id = 15;
  p.eos_id = 14;
  const std::vector<std::vector<unmask::token_id>> prompts{{1, 2, 3, 4}};
  auto canvas = unmask::presets::daedal_canvas(prompts, p, 16);
  const auto s = unmask::presets::daedal(p);
  const auto st = s.run(canvas, model);
  // Stage 1: needs gen >= 30 + 4 = 34 -> 8, 12, ..., 36 (8 expansions), then +4 EOS = 40.
  CHECK(st.expansions == 7);
  CHECK(st.length_calls == 8);
  CHECK(st.insertions == 0);  // at 40 the flat position is gone
  CHECK(canvas.gen_length(0) == 36 + 4);
  CHECK(canvas.count_masked(0) == 0);
  CHECK(st.model_calls == st.length_calls + st.steps);
  CHECK(st.model_calls == model.calls);
  // filler up to generated position 30, EOS from there: effective = 31 tokens
  CHECK(st.effective_length.at(0) == 31);
  CHECK(st.total_tokens() == 40);
  CHECK(st.effective_ratio() == Approx(31.0 / 40.0));
}

TEST_CASE("daedal on random models keeps its invariants", "[presets][daedal][property]") {
  // Logits from Philox: random sharpness so that high, low and middle confidences occur.
  struct random_model {
    std::uint64_t seed;
    void operator()(const unmask::forward_request& req) const {
      for (const auto& row : req.rows) {
        std::uint32_t h = 2166136261u;
        for (auto t : row.tokens) h = (h ^ static_cast<std::uint32_t>(t)) * 16777619u;
        for (unmask::index_t p = row.logits_begin; p < row.logits_end; ++p) {
          const unmask::random_counter c{7, h, static_cast<std::uint32_t>(row.canvas_row), static_cast<std::uint32_t>(p)};
          const double sharp = 12.0 * unmask::philox_uniform(seed, c, 1000);
          for (unmask::index_t v = 0; v < req.vocab; ++v)
            row.logits[(p - row.logits_begin) * req.vocab + v] =
                static_cast<float>(sharp * unmask::philox_uniform(seed, c, static_cast<std::uint32_t>(v)));
        }
      }
    }
  };
  for (std::uint64_t seed = 1; seed <= 12; ++seed) {
    unmask::presets::daedal_params p;
    p.initial_gen_length = 4 + static_cast<unmask::index_t>(seed % 3) * 4;
    p.max_gen_length = 48;
    p.block_length = 8;
    p.expansion_factor = 3;
    p.eos_check_tokens = 4;
    p.mask_id = 11;
    p.eos_id = 10;
    const std::vector<std::vector<unmask::token_id>> prompts{{1, 2, 3}, {4, 5, 6, 7, 8}};
    auto canvas = unmask::presets::daedal_canvas(prompts, p, 12);
    random_model model{seed};
    unmask::index_t inserted = 0, grown_before = 0;
    const auto st = unmask::presets::daedal(p).run(canvas, model, [&](const unmask::step_event& e) {
      inserted += static_cast<unmask::index_t>(e.length_changes.size());
    });
    (void)grown_before;
    INFO("seed " << seed);
    CHECK(inserted == st.insertions);
    for (unmask::index_t r = 0; r < canvas.rows(); ++r) {
      CHECK(canvas.gen_length(r) <= p.max_gen_length);
      CHECK(canvas.count_masked(r) == 0);
      CHECK(canvas.row(r)[0] == prompts[static_cast<std::size_t>(r)][0]);
    }
    CHECK(st.model_calls == st.length_calls + st.steps);
    // same seed, same result
    auto again = unmask::presets::daedal_canvas(prompts, p, 12);
    random_model model2{seed};
    const auto st2 = unmask::presets::daedal(p).run(again, model2);
    CHECK(again == canvas);
    CHECK(st2.model_calls == st.model_calls);
  }
}
