// unmask tests: toy models and a recording observer shared by the sampler, policy and preset tests.
// The random-logits model fills exactly the requested positions with Philox-derived logits.
#pragma once

#include <unmask/core/forward_request.hpp>
#include <unmask/core/philox.hpp>
#include <unmask/core/step_event.hpp>
#include <unmask/core/token_buffer.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <vector>

namespace unmask_test {

using unmask::index_t;
using unmask::token_id;

/// What one row of one forward call asked for (copied out of the request).
struct recorded_row {
  index_t step = 0;
  index_t canvas_row = 0;
  bool unconditional = false;
  index_t logits_begin = 0, logits_end = 0;
  index_t window_begin = 0, window_end = 0;
  std::vector<token_id> tokens{};
};

/// A model whose logits are a pure function of (seed, step, canvas row, conditional or
/// not, position, vocabulary entry): N(0, scale^2) draws from the library's Philox on a
/// stream of its own. Tokens listed in `banned` get -Inf (a real model never proposes
/// the mask token). Records every request and checks that it is well formed.
struct random_logits_model {
  std::uint64_t seed = 1;
  double scale = 2.0;
  std::vector<token_id> banned{};
  std::vector<recorded_row> requests{};
  index_t calls = 0;

  static constexpr std::uint32_t stream = 0x7E57u;

  [[nodiscard]] float logit(index_t step, index_t row, bool uncond, index_t position, index_t v) const {
    for (token_id b : banned)
      if (b == v) return -std::numeric_limits<float>::infinity();
    const unmask::random_counter c{stream, static_cast<std::uint32_t>(step),
                                   static_cast<std::uint32_t>(2 * row + (uncond ? 1 : 0)),
                                   static_cast<std::uint32_t>(position)};
    return static_cast<float>(scale * unmask::philox_normal(seed, c, static_cast<std::uint32_t>(v)));
  }

  void operator()(const unmask::forward_request& req) {
    ++calls;
    REQUIRE(req.vocab > 0);
    for (const auto& row : req.rows) {
      const auto len = static_cast<index_t>(row.tokens.size());
      REQUIRE(row.logits_begin >= 0);
      REQUIRE(row.logits_begin <= row.logits_end);
      REQUIRE(row.logits_end <= len);
      REQUIRE(row.window_begin >= 0);
      REQUIRE(row.window_begin <= row.window_end);
      REQUIRE(row.window_end <= len);
      REQUIRE(row.logits != nullptr);
      requests.push_back({req.step,
                          row.canvas_row,
                          row.unconditional,
                          row.logits_begin,
                          row.logits_end,
                          row.window_begin,
                          row.window_end,
                          {row.tokens.begin(), row.tokens.end()}});
      for (index_t p = row.logits_begin; p < row.logits_end; ++p)
        for (index_t v = 0; v < req.vocab; ++v)
          row.logits[static_cast<std::size_t>((p - row.logits_begin) * req.vocab + v)] =
              logit(req.step, row.canvas_row, row.unconditional, p, v);
    }
  }

  /// The conditional request row of canvas row r at step k (the last one recorded).
  [[nodiscard]] std::optional<recorded_row> request_of(index_t step, index_t r) const {
    std::optional<recorded_row> out;
    for (const auto& q : requests)
      if (q.step == step && q.canvas_row == r && !q.unconditional) out = q;
    return out;
  }
};

/// A model that writes the same logits row at every requested position.
struct constant_model {
  std::vector<float> row{};
  index_t calls = 0;
  void operator()(const unmask::forward_request& req) {
    ++calls;
    for (const auto& fr : req.rows)
      for (index_t p = fr.logits_begin; p < fr.logits_end; ++p)
        for (index_t v = 0; v < req.vocab; ++v)
          fr.logits[static_cast<std::size_t>((p - fr.logits_begin) * req.vocab + v)] = row[static_cast<std::size_t>(v)];
  }
};

/// The rows of a canvas as plain vectors (its valid tokens).
inline std::vector<std::vector<token_id>> rows_of(const unmask::token_buffer& c) {
  std::vector<std::vector<token_id>> out;
  for (index_t r = 0; r < c.rows(); ++r) out.emplace_back(c.row(r).begin(), c.row(r).end());
  return out;
}

/// One observed step: its index, model calls so far and commits.
struct recorded_step {
  index_t step = 0;
  index_t model_calls = 0;
  std::vector<unmask::committed_token> commits{};
  std::vector<std::vector<token_id>> canvas{};  ///< after the step
};

/// Records every step_event.
struct recording_observer {
  std::vector<recorded_step>* out;
  void operator()(const unmask::step_event& e) const {
    out->push_back({e.step, e.model_calls, {e.commits.begin(), e.commits.end()}, rows_of(*e.canvas)});
  }
};

/// Commits per step of a recorded run (all rows together).
inline std::vector<index_t> commits_per_step(const std::vector<recorded_step>& steps) {
  std::vector<index_t> out;
  for (const auto& s : steps) out.push_back(static_cast<index_t>(s.commits.size()));
  return out;
}

}  // namespace unmask_test
