// unmask tests: the continuous sampler's laws: on the sphere, convergence, determinism,
// memory linear in length x vocab with no allocation in the loop, and bad input rejected.
#include <unmask/continuous/continuous_sampler.hpp>
#include <unmask/continuous/sphere_state.hpp>
#include <unmask/core/error.hpp>
#include <unmask/core/philox.hpp>
#include <unmask/policy/noise/philox_gaussian.hpp>
#include <unmask/policy/noise/recorded_gaussian.hpp>
#include <unmask/presets/rdlm.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <new>
#include <span>
#include <string>
#include <vector>

#include "support/counting_new.hpp"  // this executable's counting operator new

namespace {

using unmask::index_t;
using unmask::token_id;

/// Logits uniform in [-scale, scale), a pure function of (step, row, position, token).
struct random_model {
  std::uint64_t seed = 7;
  float scale = 4;
  index_t calls = 0;
  void operator()(const unmask::continuous_request& r) {
    ++calls;
    for (index_t i = 0; i < r.batch * r.length; ++i) {
      const unmask::random_counter c{99, static_cast<std::uint32_t>(r.step), static_cast<std::uint32_t>(i / r.length),
                                     static_cast<std::uint32_t>(i % r.length)};
      for (index_t v = 0; v < r.vocab; ++v) {
        r.logits[static_cast<std::size_t>(i * r.vocab + v)] =
            scale * static_cast<float>(2 * unmask::philox_uniform(seed, c, static_cast<std::uint32_t>(v)) - 1);
      }
    }
  }
};

/// Certain of token target(i) = (7 i + 3) % vocab at flat position i: logit 0 there, `other` elsewhere.
struct certain_model {
  float other = -std::numeric_limits<float>::infinity();
  void operator()(const unmask::continuous_request& r) const {
    for (index_t i = 0; i < r.batch * r.length; ++i) {
      for (index_t v = 0; v < r.vocab; ++v) {
        r.logits[static_cast<std::size_t>(i * r.vocab + v)] = v == (7 * i + 3) % r.vocab ? 0.0f : other;
      }
    }
  }
};

/// Writes a fixed pattern, touching only the logits (no allocation).
struct pattern_model {
  void operator()(const unmask::continuous_request& r) const {
    for (std::size_t q = 0; q < r.logits.size(); ++q) r.logits[q] = 0.01f * static_cast<float>(q % 97);
  }
};

/// Writes NaN at one position of one step.
struct nan_model {
  index_t bad_step = 0;
  void operator()(const unmask::continuous_request& r) const {
    for (auto& l : r.logits) l = 0.5f;
    if (r.step == bad_step) r.logits[static_cast<std::size_t>(r.vocab + 1)] = std::numeric_limits<float>::quiet_NaN();
  }
};

template <class F>
void require_error(F&& f, unmask::errc code, const std::string& parameter, const std::string& text) {
  try {
    f();
    FAIL("no unmask::error thrown; expected one naming " << parameter);
  } catch (const unmask::error& e) {
    CHECK(e.code() == code);
    CHECK(e.parameter() == parameter);
    INFO(e.what());
    CHECK(std::string(e.what()).find(text) != std::string::npos);
  }
}

}  // namespace

TEST_CASE("continuous: the state stays on the sphere over 4000 steps with |norm - 1| below 2e-6",
          "[continuous][rdlm]") {
  // Nothing renormalises x (nor in the reference): each step's float rounding is
  // contracted by the exponential map (|x|^2 -> cos^2|v| |x|^2 + sin^2|v|), so the
  // deviation stays at float rounding level (measured: about 5e-7) instead of growing.
  auto s = unmask::rdlm(4000);
  s.prior.step_thr = 0.5;  // barycentre start
  const index_t b = 2, l = 16, v = 27;
  random_model model;
  unmask::philox_gaussian noise{123};
  double worst = 0;
  index_t seen = 0;
  const auto tokens = s.sample(model, noise, b, l, v, [&](const unmask::continuous_event& e) {
    ++seen;
    for (index_t i = 0; i < e.state.positions(); ++i) {
      double sq = 0;
      for (float c : e.state.flat(i)) sq += double{c} * c;
      worst = std::max(worst, std::fabs(std::sqrt(sq) - 1));
    }
  });
  INFO("max |norm - 1| = " << worst);
  CHECK(worst < 2e-6);
  CHECK(seen == 4000);
  CHECK(model.calls == 4000);
  CHECK(tokens.size() == static_cast<std::size_t>(b * l));
}

TEST_CASE("continuous: a model certain of one token drives every position to it", "[continuous][rdlm]") {
  const index_t b = 2, l = 12, v = 27;
  for (const double thr : {0.0, 0.5}) {  // from the mask vertex and from the barycentre
    for (const float other : {-std::numeric_limits<float>::infinity(), -40.0f}) {
      INFO("step_thr " << thr << ", other logits " << other);
      auto s = unmask::rdlm(128);
      s.prior.step_thr = thr;
      unmask::philox_gaussian noise{5};
      unmask::sphere_state x(b, l, v);
      s.prior.sample(x.view());
      auto ws = s.make_workspace(b, l, v);
      std::vector<token_id> tokens(static_cast<std::size_t>(b * l));
      certain_model model{other};
      s.run(model, noise, x.view(), ws, tokens);
      for (index_t i = 0; i < b * l; ++i) {
        const index_t want = (7 * i + 3) % v;
        CHECK(tokens[static_cast<std::size_t>(i)] == want);
        // Near the vertex, up to the last steps' noise (|sqrt(beta_f dt) z| ~ 0.2 here).
        CHECK(x.values()[static_cast<std::size_t>(i * (v + 1) + want)] > 0.9f);
      }
    }
  }
}

TEST_CASE("continuous: the same seed gives the same run and another seed another", "[continuous][rdlm]") {
  const index_t b = 2, l = 8, v = 27;
  const auto s = unmask::rdlm(64);
  auto run = [&](std::uint64_t seed) {
    random_model model;
    unmask::philox_gaussian noise{seed};
    unmask::sphere_state x(b, l, v);
    s.prior.sample(x.view());
    auto ws = s.make_workspace(b, l, v);
    std::vector<token_id> tokens(static_cast<std::size_t>(b * l));
    s.run(model, noise, x.view(), ws, tokens);
    return std::make_pair(x, tokens);
  };
  const auto a = run(11), a2 = run(11), c = run(12);
  CHECK(a.first == a2.first);  // bitwise
  CHECK(a.second == a2.second);
  CHECK_FALSE(a.first == c.first);
  random_model m1, m2;
  unmask::philox_gaussian n1{11}, n2{11};
  CHECK(s.sample(m1, n1, b, l, v) == s.sample(m2, n2, b, l, v));
}

TEST_CASE("continuous: 50 000 tokens with memory linear in length x vocab and no allocation in the loop",
          "[continuous][rdlm][memory]") {
  const index_t v = 50000, d = v + 1;
  const auto s = unmask::rdlm(4);
  // Workspace: 2 L V (model input, logits) + L (row maxima) + 3 D (one position's draws
  // and the step's 2 D of scratch): affine in L * V, nothing quadratic.
  for (index_t l = 1; l <= 8; ++l) {
    CHECK(s.workspace_floats(1, l, v) == static_cast<std::size_t>(2 * l * v + l + 3 * d));
  }
  const index_t b = 1, l = 3;
  pattern_model model;
  unmask::philox_gaussian noise{1};

  // sample(): the state, the workspace and the tokens, allocated before the loop, and nothing else.
  const long calls0 = unmask_test::allocations, bytes0 = unmask_test::allocated_bytes;
  const auto tokens = s.sample(model, noise, b, l, v);
  const auto allocations = static_cast<std::size_t>(unmask_test::allocations - calls0);
  const auto allocated_bytes = static_cast<std::size_t>(unmask_test::allocated_bytes - bytes0);
  const std::size_t state_bytes = sizeof(float) * static_cast<std::size_t>(b * l * d);
  const std::size_t ws_bytes = sizeof(float) * s.workspace_floats(b, l, v);
  const std::size_t token_bytes = sizeof(token_id) * static_cast<std::size_t>(b * l);
  INFO("allocations " << allocations << ", bytes " << allocated_bytes);
  CHECK(allocated_bytes == state_bytes + ws_bytes + token_bytes);
  CHECK(allocations == 7);  // state, 5 workspace buffers, tokens
  CHECK(tokens.size() == 3);

  // run(): with the state and workspace sized up front, not a single allocation.
  unmask::sphere_state x(b, l, v);
  s.prior.sample(x.view());
  auto ws = s.make_workspace(b, l, v);
  std::vector<token_id> out(static_cast<std::size_t>(b * l));
  const long calls1 = unmask_test::allocations;
  s.run(model, noise, x.view(), ws, out);
  CHECK(unmask_test::allocations - calls1 == 0);
  CHECK(out == tokens);
}

TEST_CASE("continuous: bad input throws unmask::error and leaves the state untouched", "[continuous][rdlm][errors]") {
  using unmask::errc;
  const index_t b = 1, l = 4, v = 9;
  const auto good = unmask::rdlm(8);
  unmask::sphere_state x(b, l, v);
  good.prior.sample(x.view());
  const unmask::sphere_state x0 = x;
  auto ws = good.make_workspace(b, l, v);
  std::vector<token_id> tokens(static_cast<std::size_t>(b * l));
  random_model model;
  unmask::philox_gaussian noise{3};

  SECTION("parameters") {
    auto s = good;
    s.steps = 0;
    require_error([&] { s.run(model, noise, x.view(), ws, tokens); }, errc::invalid_argument, "steps", "steps = 0");
    s = good, s.eps = 1.0;
    require_error([&] { s.run(model, noise, x.view(), ws, tokens); }, errc::invalid_argument, "eps", "eps = 1");
    s = good, s.schedule.beta_0 = 0;
    require_error([&] { s.run(model, noise, x.view(), ws, tokens); }, errc::invalid_argument, "beta_0", "beta_0 = 0");
    s = good, s.schedule.beta_f = std::numeric_limits<double>::quiet_NaN();
    require_error([&] { s.run(model, noise, x.view(), ws, tokens); }, errc::invalid_argument, "beta_f", "beta_f = nan");
    s = good, s.prior.step_thr = std::numeric_limits<double>::infinity();
    require_error([&] { s.run(model, noise, x.view(), ws, tokens); }, errc::invalid_argument, "step_thr",
                  "step_thr = inf");
    s = good, s.predictor.clip_eps = 0;
    require_error([&] { s.run(model, noise, x.view(), ws, tokens); }, errc::invalid_argument, "clip_eps",
                  "clip_eps = 0: must be in [1e-7, 1)");
    CHECK(model.calls == 0);
  }
  SECTION("shapes") {
    require_error([] { unmask::sphere_state bad(0, 4, 9); }, errc::invalid_argument, "batch", "batch = 0");
    require_error([] { unmask::sphere_state bad(1, -2, 9); }, errc::invalid_argument, "length", "length = -2");
    require_error([&] { (void)good.make_workspace(1, 4, 0); }, errc::invalid_argument, "vocab", "vocab = 0");
    std::vector<token_id> short_tokens(3);
    require_error([&] { good.run(model, noise, x.view(), ws, short_tokens); }, errc::shape_mismatch, "tokens.size()",
                  "tokens.size() = 3");
    auto other_ws = good.make_workspace(1, 5, 9);
    require_error([&] { good.run(model, noise, x.view(), other_ws, tokens); }, errc::shape_mismatch, "workspace",
                  "workspace = 1x5x9");
    unmask::sphere_view cut = x.view();
    cut.values = cut.values.first(10);
    require_error([&] { good.run(model, noise, cut, ws, tokens); }, errc::shape_mismatch, "state.values.size()",
                  "state.values.size() = 10");
    CHECK(model.calls == 0);
  }
  SECTION("a recorded source that does not cover the run") {
    std::vector<float> draws(static_cast<std::size_t>(b * l * (v + 1)));
    std::vector<std::span<const float>> per_step(7, draws);  // 7 < 8 steps
    unmask::recorded_gaussian rec{per_step};
    require_error([&] { good.run(model, rec, x.view(), ws, tokens); }, errc::shape_mismatch,
                  "recorded_gaussian.steps.size()", "recorded_gaussian.steps.size() = 7");
    per_step.emplace_back(std::span<const float>(draws).first(5));
    rec.steps = per_step;
    require_error([&] { good.run(model, rec, x.view(), ws, tokens); }, errc::shape_mismatch,
                  "recorded_gaussian.steps[k].size()", "= 5");
    CHECK(model.calls == 0);
  }
  SECTION("a state off the sphere") {
    x(0, 2, 3) += 0.5f;
    const unmask::sphere_state off = x;
    require_error([&] { good.run(model, noise, x.view(), ws, tokens); }, errc::invalid_argument, "state",
                  "state at row 0, position 2");
    CHECK(x == off);
    x = x0;
  }
  SECTION("NaN logits stop the run before the step moves anything") {
    nan_model bad{0};
    require_error([&] { good.run(bad, noise, x.view(), ws, tokens); }, errc::invalid_logits, "logits",
                  "logits at step 0, row 0, position 1");
  }
  CHECK(x == x0);
  CHECK(tokens == std::vector<token_id>(static_cast<std::size_t>(b * l), 0));
}

TEST_CASE("continuous: bad logits mid-run leave the state of the last finished step", "[continuous][rdlm][errors]") {
  const index_t b = 1, l = 4, v = 9;
  const auto s = unmask::rdlm(8);
  unmask::philox_gaussian noise{3};
  auto states_after = [&](auto&& model, index_t stop) {
    unmask::sphere_state x(b, l, v);
    s.prior.sample(x.view());
    auto ws = s.make_workspace(b, l, v);
    std::vector<token_id> tokens(static_cast<std::size_t>(b * l));
    unmask::sphere_state seen;
    try {
      s.run(model, noise, x.view(), ws, tokens, [&](const unmask::continuous_event& e) {
        if (e.step == stop) seen = x;
      });
    } catch (const unmask::error&) {
    }
    return std::make_pair(x, seen);
  };
  const auto failed = states_after(nan_model{3}, -1).first;
  const auto reference = states_after(nan_model{99}, 2).second;  // the good run after step 2
  CHECK(failed == reference);
}
