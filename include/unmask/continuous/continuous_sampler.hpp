// unmask: the continuous (hypersphere) sampling loop: prior, steps of a predictor, readout.
// RDLM's `get_sde_sampler`: t on linspace(0, 1 - eps, steps + 1), one model call per step.
#pragma once

#include <unmask/continuous/continuous_model.hpp>
#include <unmask/continuous/geodesic_random_walk.hpp>
#include <unmask/continuous/geometric_schedule.hpp>
#include <unmask/continuous/sphere_prior.hpp>
#include <unmask/continuous/sphere_readout.hpp>
#include <unmask/continuous/sphere_state.hpp>
#include <unmask/core/config.hpp>
#include <unmask/core/no_observer.hpp>
#include <unmask/core/error.hpp>
#include <unmask/policy/noise/gaussian_source.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <utility>
#include <vector>

UNMASK_NAMESPACE_BEGIN

/// What an observer sees after step `step`: the time it ran at, the state it produced
/// (the state before step + 1) and the logits it used.
struct continuous_event {
  index_t step = 0;
  float t = 0;
  const_sphere_view state;
  std::span<const float> logits;
};

/// Everything a continuous sampler's loop touches besides the state, allocated once by
/// `continuous_sampler::make_workspace` so that the loop never allocates.
struct continuous_workspace {
  index_t batch = 0;
  index_t length = 0;
  index_t vocab = 0;
  std::vector<float> input;    ///< [batch][length][vocab]: the state without its mask coordinate
  std::vector<float> logits;   ///< [batch][length][vocab]: the model's answer
  std::vector<float> row_max;  ///< [batch * length]: each logits row's maximum
  std::vector<float> noise;    ///< [vocab + 1]: one position's draws
  std::vector<float> scratch;  ///< the predictor's scratch for one position
};

namespace detail {

/// The maximum of a logits row into `max`; false when an entry is NaN or +inf or none
/// is above -inf. Eight lanes with bit-level checks, so it vectorises.
inline bool checked_row_max(std::span<const float> row, float& max) noexcept {
  constexpr std::size_t lanes = 8;
  constexpr std::uint32_t inf_bits = 0x7F800000u;
  float m[lanes];
  std::uint32_t bad[lanes] = {};
  for (float& x : m) x = -std::numeric_limits<float>::infinity();
  const auto look = [&](std::size_t j, float l) {
    const std::uint32_t b = std::bit_cast<std::uint32_t>(l);
    bad[j] |= static_cast<std::uint32_t>((b & 0x7FFFFFFFu) > inf_bits) | static_cast<std::uint32_t>(b == inf_bits);
    m[j] = l > m[j] ? l : m[j];
  };
  const std::size_t n = row.size(), body = n - n % lanes;
  for (std::size_t k = 0; k < body; k += lanes) {
    for (std::size_t j = 0; j < lanes; ++j) look(j, row[k + j]);
  }
  for (std::size_t k = body; k < n; ++k) look(k - body, row[k]);
  float best = m[0];
  std::uint32_t any_bad = bad[0];
  for (std::size_t j = 1; j < lanes; ++j) best = m[j] > best ? m[j] : best, any_bad |= bad[j];
  max = best;
  return any_bad == 0 && best > -std::numeric_limits<float>::infinity();
}

}  // namespace detail

/// RDLM's sampler (Jo & Hwang, "Continuous Diffusion Model for Language Modeling",
/// arXiv:2502.11564; `sampling.py::get_sde_sampler`). Every position is a point on the
/// unit sphere in vocab + 1 dimensions; starting from `prior` at t = 0 it runs
/// `steps` steps of `predictor` at t_k = k (1 - eps) / steps with dt = (1 - eps) / steps,
/// each after one call of the model on the state without its mask coordinate; then
/// `readout` turns every position into a token. No token is ever committed early.
///
/// Policies: `Schedule` (sphere_schedule: beta, gamma), `Prior` (sphere_prior), `Predictor`
/// (sphere_predictor); the Gaussian source and the model are arguments of `run`.
/// Complexity per step: one model call, then O(B L D): one pass over the logits for
/// their maxima (validating them), then per position the predictor's passes over its D
/// floats and a copy into the model input. Memory: the state plus `workspace_floats()`
/// floats, 2 B L V + B L + O(D); nothing is allocated inside the loop. Deterministic
/// given the model and the Gaussian source (a fixed evaluation order; bitwise for a
/// given build, since compilers may contract a * b + c differently).
/// t_k is rounded to float once (the model and the schedule see the same value); it can
/// differ from the reference's float32 `torch.linspace` in the last bit.
template <sphere_schedule Schedule = geometric_schedule, sphere_prior Prior = mixture_prior,
          sphere_predictor Predictor = geodesic_random_walk>
struct continuous_sampler {
  index_t steps = 256;
  double eps = 1e-5;
  Schedule schedule{};
  Prior prior{};
  Predictor predictor{};
  sphere_readout readout{};

  /// t_k, k in [0, steps].
  [[nodiscard]] float time(index_t k) const noexcept {
    return static_cast<float>(static_cast<double>(k) * (1 - eps) / static_cast<double>(steps));
  }
  [[nodiscard]] double step_size() const noexcept { return (1 - eps) / static_cast<double>(steps); }
  /// The constants of step k for the predictor.
  [[nodiscard]] sphere_step step_constants(index_t k) const noexcept {
    const double t = time(k);
    return {t, step_size(), schedule.beta(t), schedule.drift_coefficient(t)};
  }

  /// Throws `unmask::error` (invalid_argument) naming the first bad parameter.
  void validate() const {
    detail::require(steps >= 1 && steps <= index_t{0xFFFFFFFF}, "steps", steps, "must be in [1, 2^32 - 1]");
    detail::require(eps > 0 && eps < 1, "eps", eps, "must be in (0, 1)");
    schedule.validate();
    prior.validate();
    predictor.validate();
    for (index_t k = 0; k < steps; ++k) {  // beta and gamma finite and > 0 on the whole grid
      const sphere_step s = step_constants(k);
      detail::require(
          std::isfinite(s.beta) && s.beta > 0 && std::isfinite(s.drift_coefficient) && s.drift_coefficient > 0,
          "schedule", s.t, "beta(t) and drift_coefficient(t) must be finite and > 0 at every step");
    }
  }

  /// Floats of workspace for a (batch, length, vocab) run: 2 B L V + B L + D + scratch.
  [[nodiscard]] std::size_t workspace_floats(index_t batch, index_t length, index_t vocab) const {
    detail::require_sphere_shape(batch, length, vocab);
    const auto n = static_cast<std::size_t>(batch * length);
    return 2 * n * static_cast<std::size_t>(vocab) + n + static_cast<std::size_t>(vocab + 1) +
           static_cast<std::size_t>(predictor.scratch_floats(vocab + 1));
  }
  /// Allocates the workspace of a (batch, length, vocab) run.
  [[nodiscard]] continuous_workspace make_workspace(index_t batch, index_t length, index_t vocab) const {
    detail::require_sphere_shape(batch, length, vocab);
    const auto n = static_cast<std::size_t>(batch * length), v = static_cast<std::size_t>(vocab);
    continuous_workspace ws{batch, length, vocab, {}, {}, {}, {}, {}};
    ws.input.assign(n * v, 0.0f);
    ws.logits.assign(n * v, 0.0f);
    ws.row_max.assign(n, 0.0f);
    ws.noise.assign(v + 1, 0.0f);
    ws.scratch.assign(static_cast<std::size_t>(predictor.scratch_floats(vocab + 1)), 0.0f);
    return ws;
  }

  /// Runs every step from `state` (which must hold a point on the sphere at every
  /// position, e.g. `prior.sample(state)`) and reads the tokens into `tokens`
  /// (`[batch][length]`). `observer(const continuous_event&)` is called after each step.
  /// Bad input (parameters, shapes, a workspace of another shape, a Gaussian source that
  /// does not cover the run, a state off the sphere) throws `unmask::error` before
  /// anything is written. Logits with a NaN or +inf, or a row all -inf, throw
  /// errc::invalid_logits before the step that received them changes the state; an
  /// exception from the model or the observer propagates likewise: `state` then holds
  /// the last finished step.
  template <continuous_model Model, gaussian_source Noise, class Observer = no_observer>
  requires std::invocable<Observer&, const continuous_event&>
  void run(Model& model, Noise& noise, sphere_view state, continuous_workspace& ws, std::span<token_id> tokens,
           Observer&& observer = {}) const {
    validate();
    detail::require_sphere_shape(state.batch, state.length, state.vocab);
    detail::require(state.consistent(), "state.values.size()", state.values.size(),
                    "must be batch * length * (vocab + 1)", errc::shape_mismatch);
    detail::require(tokens.size() == static_cast<std::size_t>(state.positions()), "tokens.size()", tokens.size(),
                    "must be batch * length", errc::shape_mismatch);
    require_workspace(ws, state.batch, state.length, state.vocab);
    if constexpr (checked_gaussian_source<Noise>) noise.validate(steps, state.batch, state.length, state.dim());
    require_on_sphere(state);

    const auto v = static_cast<std::size_t>(state.vocab);
    for (index_t i = 0; i < state.positions(); ++i) {
      std::copy_n(state.flat(i).begin(), v, ws.input.begin() + static_cast<std::ptrdiff_t>(i) * state.vocab);
    }
    for (index_t k = 0; k < steps; ++k) {
      advance(model, noise, state, ws, k);
      observer(continuous_event{k, time(k), state, ws.logits});
    }
    readout.read(state, tokens);
  }

  /// Draws the prior, runs every step and returns the `[batch][length]` tokens. Allocates
  /// the state and the workspace once, before the loop.
  template <continuous_model Model, gaussian_source Noise, class Observer = no_observer>
  requires std::invocable<Observer&, const continuous_event&>
  [[nodiscard]] std::vector<token_id> sample(Model& model, Noise& noise, index_t batch, index_t length, index_t vocab,
                                             Observer&& observer = {}) const {
    validate();
    sphere_state state(batch, length, vocab);
    continuous_workspace ws = make_workspace(batch, length, vocab);
    std::vector<token_id> tokens(static_cast<std::size_t>(batch * length));
    prior.sample(state.view());
    run(model, noise, state.view(), ws, tokens, std::forward<Observer>(observer));
    return tokens;
  }

  /// One step, k: the model call on `ws.input`, then every position moved by the
  /// predictor and `ws.input` refreshed from the new state. The building block of `run`
  /// (and of benchmarks); checks shapes and k in O(1), not the state or the parameters.
  template <continuous_model Model, gaussian_source Noise>
  void advance(Model& model, Noise& noise, sphere_view state, continuous_workspace& ws, index_t k) const {
    detail::require(k >= 0 && k < steps, "k", k, "must be in [0, steps)");
    detail::require_sphere_shape(state.batch, state.length, state.vocab);
    detail::require(state.consistent(), "state.values.size()", state.values.size(),
                    "must be batch * length * (vocab + 1)", errc::shape_mismatch);
    require_workspace(ws, state.batch, state.length, state.vocab);
    const index_t v = state.vocab, n = state.positions();
    const auto vs = static_cast<std::size_t>(v);
    const sphere_step s = step_constants(k);
    model(continuous_request{state.batch, state.length, v, static_cast<float>(s.t), k, ws.input, ws.logits});

    for (index_t i = 0; i < n; ++i) {  // logit maxima; reject the step before moving anything
      float m = 0;
      if (!detail::checked_row_max(std::span<const float>(ws.logits.data() + i * v, vs), m)) {
        throw error(errc::invalid_logits, "logits",
                    detail::concat("logits at step ", k, ", row ", i / state.length, ", position ", i % state.length,
                                   ": must be finite or -inf, with at least one entry > -inf"));
      }
      ws.row_max[static_cast<std::size_t>(i)] = m;
    }
    const std::span<float> noise_buf(ws.noise), scratch(ws.scratch);
    for (index_t i = 0; i < n; ++i) {
      const index_t row = i / state.length, pos = i % state.length;
      const std::span<const float> z = noise.draw(noise_address{k, row, pos, i}, noise_buf);
      const std::span<float> x = state.flat(i);
      predictor.advance(x, std::span<const float>(ws.logits.data() + i * v, vs),
                        ws.row_max[static_cast<std::size_t>(i)], z, s, scratch);
      std::copy_n(x.begin(), vs, ws.input.begin() + static_cast<std::ptrdiff_t>(i * v));
    }
  }

  friend bool operator==(const continuous_sampler&, const continuous_sampler&) = default;

 private:
  void require_workspace(const continuous_workspace& ws, index_t batch, index_t length, index_t vocab) const {
    const auto n = static_cast<std::size_t>(batch * length), v = static_cast<std::size_t>(vocab);
    const bool ok = ws.batch == batch && ws.length == length && ws.vocab == vocab && ws.input.size() == n * v &&
                    ws.logits.size() == n * v && ws.row_max.size() == n && ws.noise.size() == v + 1 &&
                    ws.scratch.size() >= static_cast<std::size_t>(predictor.scratch_floats(vocab + 1));
    detail::require(ok, "workspace", detail::concat(ws.batch, "x", ws.length, "x", ws.vocab),
                    "must come from make_workspace(batch, length, vocab) of this run's shape", errc::shape_mismatch);
  }
  /// Every coordinate finite and every position's norm within 1e-3 of 1.
  static void require_on_sphere(const_sphere_view state) {
    for (index_t i = 0; i < state.positions(); ++i) {
      double sq = 0;
      for (float c : state.flat(i)) sq += static_cast<double>(c) * c;
      if (!(std::fabs(std::sqrt(sq) - 1) <= 1e-3)) {
        throw error(errc::invalid_argument, "state",
                    detail::concat("state at row ", i / state.length, ", position ", i % state.length, ": norm = ",
                                   std::sqrt(sq), ": must be a point on the unit sphere (|norm - 1| <= 1e-3)"));
      }
    }
  }
};

UNMASK_NAMESPACE_END
