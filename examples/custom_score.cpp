// unmask example: a custom score rule ("confidence minus a position penalty") in LLaDA.
// Prints the order in which positions were committed with and without the penalty.
#include <unmask/unmask.hpp>

#include <cstdio>
#include <string>
#include <vector>

namespace example {

/// Score = p(token) - penalty * position: confident first, and among similar ones the
/// leftmost. Concept: score_rule (see docs/custom_score_rule.md).
struct confidence_minus_position {
  double penalty = 0.01;
  [[nodiscard]] double score(const unmask::candidate& c, unmask::random_counter) const noexcept {
    return c.token_prob() - penalty * static_cast<double>(c.position);
  }
  friend bool operator==(const confidence_minus_position&, const confidence_minus_position&) = default;
};
static_assert(unmask::score_rule<confidence_minus_position>);

}  // namespace example

namespace {

using example::confidence_minus_position;

// A toy model that is most confident at the right end of the row: the confidence of the
// favoured token grows with the position.
void toy_model(const unmask::forward_request& req) {
  for (const auto& row : req.rows)
    for (auto p = row.logits_begin; p < row.logits_end; ++p)
      for (unmask::index_t v = 0; v < req.vocab; ++v)
        row.logits[(p - row.logits_begin) * req.vocab + v] =
            v == 1 + p % (req.vocab - 1) ? 1.0f + 0.25f * static_cast<float>(p) : 0.0f;
}

template <class Sampler>
std::vector<unmask::index_t> commit_order(const Sampler& s) {
  const std::vector<std::vector<unmask::token_id>> prompts{{5, 6}};
  auto canvas = unmask::token_buffer::from_prompts(prompts, 8, 16, 0);
  std::vector<unmask::index_t> order;
  s.run(canvas, toy_model, [&](const unmask::step_event& e) {
    for (const auto& c : e.commits) order.push_back(c.position);
  });
  return order;
}

void print(const char* what, const std::vector<unmask::index_t>& order) {
  std::printf("%-28s", what);
  for (auto p : order) std::printf(" %lld", static_cast<long long>(p));
  std::printf("\n");
}

}  // namespace

int main() {
  const unmask::presets::llada_params p{.steps = 8, .gen_length = 8, .block_length = 8, .mask_id = 0};
  const auto plain = commit_order(unmask::presets::llada(p));
  const auto penalised = commit_order(unmask::presets::llada(p, confidence_minus_position{.penalty = 0.5}));
  print("low_confidence order:", plain);
  print("with position penalty 0.5:", penalised);
  // The toy model is most confident on the right: plain LLaDA decodes right to left,
  // the penalty (larger than the confidence gaps) turns it left to right.
  const std::vector<unmask::index_t> right_to_left{9, 8, 7, 6, 5, 4, 3, 2}, left_to_right{2, 3, 4, 5, 6, 7, 8, 9};
  return plain == right_to_left && penalised == left_to_right ? 0 : 1;
}
