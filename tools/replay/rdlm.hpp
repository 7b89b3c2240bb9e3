// unmask-replay: replays the continuous RDLM traces (`rdlm.sde_sampler`) with the rdlm preset.
// Fed the recorded logits and Gaussian draws, every state must stay within 1e-5, every token exact.
#pragma once

#include "result.hpp"
#include <unmask/continuous/continuous_sampler.hpp>
#include <unmask/continuous/sphere_state.hpp>
#include <unmask/core/error.hpp>
#include <unmask/policy/noise/recorded_gaussian.hpp>
#include <unmask/presets/rdlm.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <exception>
#include <limits>
#include <span>
#include <sstream>
#include <string>
#include <vector>

namespace unmask_replay {

namespace rdlm_detail {

using unmask::index_t;

/// The reference's `mixture_prob` keys: "linear", "sqrt", and any name containing "step".
inline unmask::mix_type parse_mix_type(const std::string& s) {
  if (s == "linear") return unmask::mix_type::linear;
  if (s == "sqrt") return unmask::mix_type::sqrt;
  if (s.find("step") != std::string::npos) return unmask::mix_type::step;
  throw unmask::error(unmask::errc::invalid_argument, "mix_type", "mix_type = " + s + ": must be linear, sqrt or step");
}

/// `n` floats at `offset` of the blob; throws when they are not all inside it.
inline std::span<const float> slice(std::span<const float> blob, const nlohmann::json& offset, std::size_t n,
                                    const char* what) {
  const auto o = offset.get<long long>();
  if (o < 0 || static_cast<std::size_t>(o) > blob.size() || blob.size() - static_cast<std::size_t>(o) < n) {
    throw unmask::error(unmask::errc::shape_mismatch, what,
                        std::string(what) + " = " + std::to_string(o) + ": " + std::to_string(n) +
                            " floats there run past the end of the blob (" + std::to_string(blob.size()) + ")");
  }
  return blob.subspan(static_cast<std::size_t>(o), n);
}

/// First coordinate where `got` is more than `tol` from `want` (or either is NaN).
struct divergence {
  bool found = false;
  std::string detail;
  double worst = 0;
};

inline void compare_state(std::span<const float> want, std::span<const float> got, index_t length, index_t dim,
                          index_t step, double tol, divergence& d) {
  for (std::size_t i = 0; i < want.size(); ++i) {
    const double e = std::fabs(static_cast<double>(want[i]) - got[i]);
    d.worst = std::isnan(e) ? std::numeric_limits<double>::infinity() : std::max(d.worst, e);
    if (!(e <= tol) && !d.found) {
      const auto flat = static_cast<index_t>(i);
      std::ostringstream os;
      os.precision(9);
      os << "first divergence: step " << step << ", row " << flat / dim / length << ", position "
         << (flat / dim) % length << ", coordinate " << flat % dim << ": expected " << want[i] << " got " << got[i];
      d.found = true;
      d.detail = os.str();
    }
  }
}

/// Answers step k with the recorded logits of step k; checks the time it is asked at.
struct rdlm_replay_model {
  const std::vector<std::span<const float>>* logits = nullptr;
  const std::vector<double>* times = nullptr;
  divergence* diverged = nullptr;
  index_t calls = 0;

  void operator()(const unmask::continuous_request& r) {
    ++calls;
    const auto k = static_cast<std::size_t>(r.step);
    if (k >= logits->size()) {
      throw unmask::error(unmask::errc::model_failure, "step",
                          "step = " + std::to_string(r.step) + ": the trace records no such model call");
    }
    const auto& want = (*logits)[k];
    if (want.size() != r.logits.size()) {
      throw unmask::error(unmask::errc::shape_mismatch, "logits",
                          "the model was asked for " + std::to_string(r.logits.size()) + " logits, the trace has " +
                              std::to_string(want.size()));
    }
    std::copy(want.begin(), want.end(), r.logits.begin());
    if (!(std::fabs((*times)[k] - r.t) <= 1e-6) && !diverged->found) {
      std::ostringstream os;
      os.precision(9);
      os << "first divergence: step " << r.step << ", time t: expected " << (*times)[k] << " got " << r.t;
      diverged->found = true;
      diverged->detail = os.str();
    }
  }
};

}  // namespace rdlm_detail

/// Replays one `rdlm.sde_sampler` trace (see the golden README, "Continuous traces")
/// free-running: the rdlm preset with the trace's parameters starts from its own prior,
/// is fed step k's recorded logits and draws at step k, and each of its states must be
/// within `tolerance` of the recorded one (step k: the state before step k; step
/// `steps`: the final state), its times within 1e-6, and its tokens equal to
/// `expected_output`. Never throws: a malformed trace is a failure too.
inline result replay_rdlm(const nlohmann::json& trace, std::span<const float> blob, double tolerance = 1e-5) {
  using namespace rdlm_detail;
  try {
    if (trace.at("algorithm").get<std::string>() != "rdlm.sde_sampler") {
      return {false, "algorithm '" + trace.at("algorithm").get<std::string>() + "' is not rdlm.sde_sampler"};
    }
    const auto batch = trace.at("batch").get<index_t>(), length = trace.at("length").get<index_t>();
    const auto vocab = trace.at("vocab_size").get<index_t>(), dim = trace.at("sphere_dim").get<index_t>();
    if (dim != vocab + 1) return {false, "sphere_dim = " + std::to_string(dim) + ": must be vocab_size + 1"};
    unmask::detail::require_sphere_shape(batch, length, vocab);
    const auto& p = trace.at("params");
    if (p.contains("predictor") && !p.at("predictor").is_null() && p.at("predictor").get<std::string>() != "grw") {
      return {false, "predictor '" + p.at("predictor").get<std::string>() + "' is not supported (grw only)"};
    }
    unmask::rdlm_sampler s = unmask::rdlm(p.at("steps").get<index_t>());
    s.eps = p.at("eps").get<double>();
    s.schedule.beta_0 = p.at("beta_0").get<double>();
    s.schedule.beta_f = p.at("beta_f").get<double>();
    s.prior.type = parse_mix_type(p.at("mix_type").get<std::string>());
    s.prior.step_thr = p.contains("step_thr") && !p.at("step_thr").is_null() ? p.at("step_thr").get<double>() : 0.0;
    s.validate();

    const auto& steps = trace.at("steps");
    if (static_cast<index_t>(steps.size()) != s.steps) {
      return {false, "the trace records " + std::to_string(steps.size()) + " steps, params.steps is " +
                         std::to_string(s.steps)};
    }
    const auto n_state = static_cast<std::size_t>(batch * length * dim);
    const auto n_logits = static_cast<std::size_t>(batch * length * vocab);
    std::vector<std::span<const float>> states, logits, draws;
    std::vector<double> times;
    for (const auto& st : steps) {
      states.push_back(slice(blob, st.at("state_offset"), n_state, "state_offset"));
      logits.push_back(slice(blob, st.at("logits_offset"), n_logits, "logits_offset"));
      draws.push_back(slice(blob, st.at("noise_offset"), n_state, "noise_offset"));
      times.push_back(st.at("t").get<double>());
    }
    states.push_back(slice(blob, trace.at("final_state_offset"), n_state, "final_state_offset"));

    divergence d;
    unmask::sphere_state x(batch, length, vocab);
    s.prior.sample(x.view());
    compare_state(states[0], x.values(), length, dim, 0, tolerance, d);

    unmask::continuous_workspace ws = s.make_workspace(batch, length, vocab);
    unmask::recorded_gaussian noise{draws};
    rdlm_replay_model model{&logits, &times, &d, 0};
    std::vector<unmask::token_id> tokens(static_cast<std::size_t>(batch * length));
    s.run(model, noise, x.view(), ws, tokens, [&](const unmask::continuous_event& e) {
      compare_state(states[static_cast<std::size_t>(e.step + 1)], e.state.values, length, dim, e.step + 1, tolerance,
                    d);
    });
    if (d.found) return {false, d.detail};
    if (model.calls != s.steps) {
      return {false, "model calls: expected " + std::to_string(s.steps) + " got " + std::to_string(model.calls)};
    }
    const auto expected = trace.at("expected_output").get<std::vector<std::vector<unmask::token_id>>>();
    if (static_cast<index_t>(expected.size()) != batch) {
      return {false,
              "expected_output has " + std::to_string(expected.size()) + " rows, batch is " + std::to_string(batch)};
    }
    for (index_t r = 0; r < batch; ++r) {
      const auto& row = expected[static_cast<std::size_t>(r)];
      if (static_cast<index_t>(row.size()) != length) {
        return {false, "expected_output row " + std::to_string(r) + " has " + std::to_string(row.size()) +
                           " tokens, length is " + std::to_string(length)};
      }
      for (index_t q = 0; q < length; ++q) {
        const auto got = tokens[static_cast<std::size_t>(r * length + q)];
        if (row[static_cast<std::size_t>(q)] != got) {
          return {false, "token at row " + std::to_string(r) + ", position " + std::to_string(q) + ": expected " +
                             std::to_string(row[static_cast<std::size_t>(q)]) + " got " + std::to_string(got)};
        }
      }
    }
    std::ostringstream os;
    os.precision(3);
    os << s.steps << " steps, max state error " << d.worst << ", tokens exact";
    return {true, os.str()};
  } catch (const std::exception& e) {
    return {false, std::string("cannot replay: ") + e.what()};
  }
}

}  // namespace unmask_replay
