// unmask tests: synthetic models for the length policies.
// Logits are functions of (row length, position) so the expected growth can be derived.
#pragma once

#include <unmask/core/forward_request.hpp>

#include <algorithm>
#include <cmath>
#include <functional>

namespace daedal_test {

/// A model whose position p of a row of length L predicts `eos` with probability ~1
/// when p >= prompt + eos_from, token `filler` with probability ~1 before it, except
/// at positions where `flat(p)` is true: there the distribution is uniform.
struct scripted_model {
  unmask::index_t vocab = 16;
  unmask::token_id eos = 14;
  unmask::token_id filler = 3;
  unmask::index_t prompt = 4;
  unmask::index_t eos_from = 20;
  std::function<bool(unmask::index_t, unmask::index_t)> flat = [](unmask::index_t, unmask::index_t) { return false; };
  long calls = 0;

  void operator()(const unmask::forward_request& req) {
    ++calls;
    for (const auto& row : req.rows) {
      const auto len = static_cast<unmask::index_t>(row.tokens.size());
      for (unmask::index_t p = row.logits_begin; p < row.logits_end; ++p) {
        float* l = row.logits + (p - row.logits_begin) * vocab;
        std::fill(l, l + vocab, 0.0f);
        if (flat(p, len)) continue;
        l[p >= prompt + eos_from ? eos : filler] = 60.0f;  // p rounds to exactly 1 in double
      }
    }
  }
};

}  // namespace daedal_test
