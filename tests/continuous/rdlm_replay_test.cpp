// unmask tests: the RDLM sampler against the reference's recorded runs (tests/golden/rdlm-*).
// Free-running replay through replay_rdlm, plus the step, prior and time grid checked one by one.
#include "../../tools/replay/rdlm.hpp"
#include "rdlm_golden.hpp"
#include <unmask/continuous/geodesic_random_walk.hpp>
#include <unmask/continuous/sphere_state.hpp>
#include <unmask/presets/rdlm.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <span>
#include <vector>

namespace {

using unmask::index_t;

std::span<const float> at(const rdlm_test::golden& g, const nlohmann::json& offset, std::size_t n) {
  return std::span<const float>(g.blob).subspan(offset.get<std::size_t>(), n);
}

}  // namespace

TEST_CASE("rdlm: every golden trace replays with states within 1e-5 and exact tokens", "[continuous][rdlm][golden]") {
  const auto traces = rdlm_test::load_rdlm_traces();
  REQUIRE(traces.size() >= 3);
  for (const auto& g : traces) {
    INFO(g.name);
    const auto r = unmask_replay::replay_rdlm(g.json, g.blob);
    INFO(r.detail);
    CHECK(r.pass);
  }
}

TEST_CASE("rdlm: teacher-forced each recorded state steps to the next within 1e-5", "[continuous][rdlm][golden]") {
  const auto traces = rdlm_test::load_rdlm_traces();
  REQUIRE(!traces.empty());
  for (const auto& g : traces) {
    INFO(g.name);
    const auto& j = g.json;
    const auto& p = j.at("params");
    const auto b = j.at("batch").get<index_t>(), l = j.at("length").get<index_t>(),
               v = j.at("vocab_size").get<index_t>();
    const auto d = v + 1;
    auto s = unmask::rdlm(p.at("steps").get<index_t>());
    s.eps = p.at("eps").get<double>();
    s.schedule = {p.at("beta_0").get<double>(), p.at("beta_f").get<double>()};
    const auto n_state = static_cast<std::size_t>(b * l * d), n_logits = static_cast<std::size_t>(b * l * v);
    const auto& steps = j.at("steps");
    std::vector<float> x(n_state), scratch(static_cast<std::size_t>(s.predictor.scratch_floats(d)));
    double worst = 0;
    for (std::size_t k = 0; k < steps.size(); ++k) {
      const auto& st = steps[k];
      const auto before = at(g, st.at("state_offset"), n_state);
      const auto logits = at(g, st.at("logits_offset"), n_logits);
      const auto noise = at(g, st.at("noise_offset"), n_state);
      const auto after = k + 1 < steps.size() ? at(g, steps[k + 1].at("state_offset"), n_state)
                                              : at(g, j.at("final_state_offset"), n_state);
      std::copy(before.begin(), before.end(), x.begin());
      // The reference's own float32 t, to test the step apart from the time grid.
      const double t = st.at("t").get<double>();
      const unmask::sphere_step c{t, s.step_size(), s.schedule.beta(t), s.schedule.drift_coefficient(t)};
      for (index_t i = 0; i < b * l; ++i) {
        const auto lg = logits.subspan(static_cast<std::size_t>(i * v), static_cast<std::size_t>(v));
        const float m = *std::max_element(lg.begin(), lg.end());
        s.predictor.advance(std::span<float>(x).subspan(static_cast<std::size_t>(i * d), static_cast<std::size_t>(d)),
                            lg, m, noise.subspan(static_cast<std::size_t>(i * d), static_cast<std::size_t>(d)), c,
                            scratch);
      }
      for (std::size_t q = 0; q < n_state; ++q) worst = std::max(worst, std::fabs(double{x[q]} - after[q]));
    }
    INFO("teacher-forced max |state - recorded| = " << worst);
    CHECK(worst < 1e-5);
  }
}

TEST_CASE("rdlm: the prior and the time grid match the recordings", "[continuous][rdlm][golden]") {
  for (const auto& g : rdlm_test::load_rdlm_traces()) {
    INFO(g.name);
    const auto& j = g.json;
    const auto& p = j.at("params");
    const auto b = j.at("batch").get<index_t>(), l = j.at("length").get<index_t>(),
               v = j.at("vocab_size").get<index_t>();
    auto s = unmask::rdlm(p.at("steps").get<index_t>());
    s.eps = p.at("eps").get<double>();
    s.prior.type = unmask_replay::rdlm_detail::parse_mix_type(p.at("mix_type").get<std::string>());
    s.prior.step_thr = p.at("step_thr").get<double>();
    unmask::sphere_state x(b, l, v);
    s.prior.sample(x.view());
    const auto want = at(g, j.at("steps")[0].at("state_offset"), x.size());
    for (std::size_t q = 0; q < x.size(); ++q) REQUIRE(std::fabs(x.values()[q] - want[q]) <= 1e-7);
    // t_k: within one float ulp (2^-24 near 1) of the reference's float32 torch.linspace.
    for (std::size_t k = 0; k < j.at("steps").size(); ++k) {
      CHECK(std::fabs(double{s.time(static_cast<index_t>(k))} - j.at("steps")[k].at("t").get<double>()) <= 0x1p-24);
    }
  }
}

TEST_CASE("rdlm: replay_rdlm reports the first divergence", "[continuous][rdlm][golden]") {
  const auto traces = rdlm_test::load_rdlm_traces();
  REQUIRE(!traces.empty());
  const auto& g = traces.front();
  SECTION("a perturbed recorded state") {
    auto blob = g.blob;
    const auto off = g.json.at("steps")[3].at("state_offset").get<std::size_t>();
    const auto d = g.json.at("sphere_dim").get<std::size_t>();
    blob[off + d + 2] += 1e-3f;  // row 0, position 1, coordinate 2 of the state before step 3
    const auto r = unmask_replay::replay_rdlm(g.json, blob);
    CHECK_FALSE(r.pass);
    CHECK(r.detail.rfind("first divergence: step 3, row 0, position 1, coordinate 2: expected ", 0) == 0);
  }
  SECTION("a wrong expected token") {
    auto j = g.json;
    auto& tok = j.at("expected_output")[0][0];
    tok = (tok.get<int>() + 1) % j.at("vocab_size").get<int>();
    const auto r = unmask_replay::replay_rdlm(j, g.blob);
    CHECK_FALSE(r.pass);
    CHECK(r.detail.rfind("token at row 0, position 0: expected ", 0) == 0);
  }
  SECTION("a blob too short and another algorithm") {
    const auto r = unmask_replay::replay_rdlm(g.json, std::span<const float>(g.blob).first(100));
    CHECK_FALSE(r.pass);
    auto j = g.json;
    j["algorithm"] = "llada.generate";
    CHECK_FALSE(unmask_replay::replay_rdlm(j, g.blob).pass);
  }
}
