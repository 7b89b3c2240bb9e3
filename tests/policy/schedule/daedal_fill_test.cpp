// unmask tests: DAEDAL's fill rule on hand-made candidates.
#include <unmask/policy/schedule/daedal_fill.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

namespace {

constexpr unmask::token_id mask = 7;

// A candidate proposing `token` with probability p (lse = 0, token_logit = log p).
unmask::candidate cand(unmask::index_t pos, unmask::token_id token, double p) {
  unmask::candidate c;
  c.position = pos;
  c.token = token;
  c.token_logit = std::log(p);
  c.score = p;
  return c;
}

std::vector<unmask::index_t> run(std::vector<unmask::candidate>& items, double high = 0.9) {
  unmask::daedal_fill f{.high_threshold = high};
  std::vector<unmask::row_candidates> rows{{0, items}};
  std::vector<unmask::row_state> st(1);
  const unmask::schedule_context ctx{0, 1, 0, mask, st};
  f.select(ctx, rows);
  std::vector<unmask::index_t> out;
  for (const auto& c : items)
    if (c.commit) out.push_back(c.position);
  return out;
}

}  // namespace

TEST_CASE("daedal_fill commits every candidate above the threshold (strict)", "[policy][schedule][daedal]") {
  std::vector<unmask::candidate> c{cand(3, 1, 0.95), cand(4, 2, 0.9), cand(5, 3, 0.99), cand(6, mask, 0.999)};
  CHECK(run(c) == std::vector<unmask::index_t>{3, 5});  // 0.9 is not > 0.9; a mask prediction never fills
}

TEST_CASE("daedal_fill falls back to the best non-mask prediction", "[policy][schedule][daedal]") {
  std::vector<unmask::candidate> c{cand(3, mask, 0.8), cand(4, 2, 0.5), cand(5, 3, 0.6), cand(6, 3, 0.6)};
  CHECK(run(c) == std::vector<unmask::index_t>{5});  // 0.6 tie: lowest position
}

TEST_CASE("daedal_fill re-scores without the mask token when every candidate predicts it",
          "[policy][schedule][daedal]") {
  // Logit rows over a vocabulary of 8 with the mask (7) on top everywhere.
  std::vector<float> row_a{0, 2, 0, 0, 0, 0, 0, 9};  // without mask: token 1 with e^2/(e^2+6)
  std::vector<float> row_b{0, 0, 0, 4, 0, 0, 0, 9};  // without mask: token 3 with e^4/(e^4+6): better
  std::vector<unmask::candidate> c{cand(3, mask, 0.9), cand(4, mask, 0.95)};
  c[0].logits = row_a;
  c[1].logits = row_b;
  CHECK(run(c) == std::vector<unmask::index_t>{4});
  CHECK(c[1].token == 3);
}

TEST_CASE("daedal_fill rejects thresholds outside 0..1", "[policy][schedule][daedal]") {
  REQUIRE_THROWS_AS((unmask::daedal_fill{.high_threshold = 1.2}.validate()), unmask::error);
  REQUIRE_THROWS_AS((unmask::daedal_fill{.high_threshold = -0.1}.validate()), unmask::error);
}
