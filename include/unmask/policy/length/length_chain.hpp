// unmask: several length policies applied in order (e.g. DAEDAL's Stage 1 then Stage 2).
// prepare/apply run each part; the cap is the largest, statistics are wanted if any wants them.
#pragma once

#include <unmask/core/error.hpp>
#include <unmask/core/validate_if_any.hpp>
#include <unmask/policy/length/concept.hpp>

#include <algorithm>
#include <tuple>

UNMASK_NAMESPACE_BEGIN

/// Composition of length policies: `reset`, `prepare` and `apply` call every part in
/// order. The parts must track the same token (checked by `validate`). Concept:
/// length_policy. Cost: the sum of the parts'. Determinism: the parts'.
template <length_policy... Parts>
struct length_chain {
  std::tuple<Parts...> parts{};

  void reset() {
    std::apply([](auto&... p) { (p.reset(), ...); }, parts);
  }
  void prepare(length_context& ctx) {
    std::apply([&](auto&... p) { (p.prepare(ctx), ...); }, parts);
  }
  void apply(length_context& ctx) {
    std::apply([&](auto&... p) { (p.apply(ctx), ...); }, parts);
  }
  [[nodiscard]] token_id tracked_token() const {
    token_id t = -1;
    std::apply([&](const auto&... p) { ((t = p.tracked_token() >= 0 ? p.tracked_token() : t), ...); }, parts);
    return t;
  }
  [[nodiscard]] bool wants_position_stats() const {
    return std::apply([](const auto&... p) { return (false || ... || p.wants_position_stats()); }, parts);
  }
  [[nodiscard]] index_t length_cap(index_t gen) const {
    return std::apply([&](const auto&... p) { return std::max({gen, p.length_cap(gen)...}); }, parts);
  }
  void validate() const {
    const token_id t = tracked_token();
    std::apply(
        [&](const auto&... p) {
          ((detail::require(p.tracked_token() < 0 || p.tracked_token() == t, "tracked_token", p.tracked_token(),
                            "every part of a length_chain must track the same token")),
           ...);
        },
        parts);
    std::apply([](const auto&... p) { (detail::validate_if_any(p), ...); }, parts);
  }
  friend bool operator==(const length_chain&, const length_chain&) = default;
};

UNMASK_NAMESPACE_END
