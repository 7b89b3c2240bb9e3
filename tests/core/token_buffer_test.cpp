// token_buffer: construction, commit, replace / append against a std::vector model
// (random operations, fixed seeds), capacity bounds, and errors that leave it unchanged.
#include <unmask/core/error.hpp>
#include <unmask/core/philox.hpp>
#include <unmask/core/token_buffer.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace {

using unmask::errc;
using unmask::index_t;
using unmask::token_buffer;
using unmask::token_id;
using rows_t = std::vector<std::vector<token_id>>;

rows_t rows_of(const token_buffer& b) {
  rows_t out;
  for (index_t r = 0; r < b.rows(); ++r) out.emplace_back(b.row(r).begin(), b.row(r).end());
  return out;
}

// Deterministic small integers for the property tests: Philox on a test-only stream.
struct draws {
  std::uint64_t seed;
  std::uint32_t n = 0;
  index_t below(index_t bound) {
    const double u = unmask::philox_uniform(seed, {.stream = 0xB0Fu, .step = 0, .row = 0, .position = n++});
    return std::min<index_t>(bound - 1, static_cast<index_t>(u * static_cast<double>(bound)));
  }
};

// Checks that f throws unmask::error with `code` naming `parameter`, and that the buffer
// is exactly as before.
template <class F>
void require_rejected(token_buffer& b, F&& f, errc code, const std::string& parameter) {
  const token_buffer before = b;
  const rows_t rows_before = rows_of(b);
  try {
    f();
    FAIL("expected unmask::error naming " << parameter);
  } catch (const unmask::error& e) {
    CHECK(e.code() == code);
    CHECK(e.parameter() == parameter);
  }
  CHECK(b == before);
  CHECK(rows_of(b) == rows_before);
  for (index_t r = 0; r < b.rows(); ++r) CHECK(b.prompt_length(r) == before.prompt_length(r));
}

}  // namespace

TEST_CASE("token_buffer::from_prompts lays out prompt ++ masks with a fixed stride", "[core][token_buffer]") {
  const std::vector<std::vector<token_id>> prompts{{1, 2, 3}, {4}, {5, 6}};
  const auto b = token_buffer::from_prompts(prompts, 4, 10, 9);
  CHECK(b.rows() == 3);
  CHECK(b.capacity() == 3 + 4);
  CHECK(b.vocab_size() == 10);
  CHECK(b.mask_id() == 9);
  CHECK(b.max_length() == 7);
  CHECK(rows_of(b) == rows_t{{1, 2, 3, 9, 9, 9, 9}, {4, 9, 9, 9, 9}, {5, 6, 9, 9, 9, 9}});
  for (index_t r = 0; r < 3; ++r) {
    CHECK(b.prompt_length(r) == static_cast<index_t>(prompts[static_cast<std::size_t>(r)].size()));
    CHECK(b.gen_length(r) == 4);
    CHECK(b.count_masked(r) == 4);
  }
  CHECK(b.masked(1, 1));
  CHECK_FALSE(b.masked(1, 0));
  CHECK(b.count_masked(0, 2, 5) == 2);
  CHECK(b.count_masked(0, -3, 100) == 4);  // clamped to the row
  CHECK(b.count_masked(0, 5, 2) == 0);

  const auto wide = token_buffer::from_prompts(prompts, 4, 10, 9, 12);
  CHECK(wide.capacity() == 12);
  CHECK(rows_of(wide) == rows_of(b));
}

TEST_CASE("token_buffer::commit writes one token", "[core][token_buffer]") {
  const std::vector<std::vector<token_id>> prompts{{1, 2}, {3, 4}};
  auto b = token_buffer::from_prompts(prompts, 3, 8, 7);
  b.commit(1, 3, 5);
  b.commit(0, 0, 0);  // prompt positions are writable through the buffer (the sampler never does)
  CHECK(rows_of(b) == rows_t{{0, 2, 7, 7, 7}, {3, 4, 7, 5, 7}});
  CHECK(b.count_masked(1) == 2);
  b.commit(1, 3, 7);  // writing the mask id re-masks: allowed at this level
  CHECK(b.count_masked(1) == 3);
}

TEST_CASE("token_buffer::replace inserts in the middle and truncates at the cap", "[core][token_buffer]") {
  const std::vector<std::vector<token_id>> prompts{{1, 2}};
  auto b = token_buffer::from_prompts(prompts, 4, 10, 9, 12);
  b.commit(0, 2, 3);
  b.commit(0, 3, 4);
  b.commit(0, 4, 5);
  b.commit(0, 5, 6);      // [1 2 3 4 5 6]
  b.replace(0, 3, 3, 9);  // position 3 (token 4) becomes three masks
  CHECK(rows_of(b) == rows_t{{1, 2, 3, 9, 9, 9, 5, 6}});
  b.replace(0, 1, 1, 0);  // count 1: a plain overwrite
  CHECK(rows_of(b) == rows_t{{1, 0, 3, 9, 9, 9, 5, 6}});
  b.replace(0, 6, 4, 8, 9);  // grow by 3 but cap the row at 9 tokens
  CHECK(rows_of(b) == rows_t{{1, 0, 3, 9, 9, 9, 8, 8, 8}});
  b.replace(0, 2, 5, 7, 4);  // the cap cuts inside the inserted run
  CHECK(rows_of(b) == rows_t{{1, 0, 7, 7}});
  CHECK(b.prompt_length(0) == 2);
}

TEST_CASE("token_buffer::append grows a row up to its capacity", "[core][token_buffer]") {
  const std::vector<std::vector<token_id>> prompts{{1}, {2, 3}};
  auto b = token_buffer::from_prompts(prompts, 2, 6, 5, 6);
  b.append(0, 3, 4);
  b.append(1, 0, 4);
  CHECK(rows_of(b) == rows_t{{1, 5, 5, 4, 4, 4}, {2, 3, 5, 5}});
  CHECK(b.gen_length(0) == 5);
  CHECK(b.max_length() == 6);
}

TEST_CASE("token_buffer matches a vector model over random operations", "[core][token_buffer][property]") {
  constexpr index_t vocab = 12, cap = 24;
  constexpr token_id mask = 11;
  for (std::uint64_t seed : {1u, 2u, 3u, 17u, 99u}) {
    CAPTURE(seed);
    draws d{seed};
    std::vector<std::vector<token_id>> prompts;
    for (int r = 0; r < 3; ++r) {
      std::vector<token_id> p(static_cast<std::size_t>(1 + d.below(5)));
      for (auto& t : p) t = static_cast<token_id>(d.below(vocab - 1));
      prompts.push_back(p);
    }
    auto b = token_buffer::from_prompts(prompts, 3, vocab, mask, cap);
    rows_t model = rows_of(b);
    for (int op = 0; op < 400; ++op) {
      CAPTURE(op);
      const index_t r = d.below(3);
      auto& m = model[static_cast<std::size_t>(r)];
      const auto len = static_cast<index_t>(m.size());
      const index_t kind = d.below(3);
      const auto t = static_cast<token_id>(d.below(vocab));
      if (kind == 0) {  // commit
        const index_t p = d.below(len);
        b.commit(r, p, t);
        m[static_cast<std::size_t>(p)] = t;
      } else if (kind == 1) {  // replace, sometimes with a cap, sometimes over capacity
        const index_t p = d.below(len);
        const index_t count = 1 + d.below(6);
        const index_t max_length = d.below(2) == 0 ? 0 : p + 1 + d.below(cap);
        index_t new_len = len + count - 1;
        if (max_length > 0) new_len = std::min(new_len, max_length);
        if (new_len > cap) {
          require_rejected(
              b, [&] { b.replace(r, p, count, t, max_length); }, errc::invalid_argument, "length after insertion");
        } else {
          b.replace(r, p, count, t, max_length);
          std::vector<token_id> next(m.begin(), m.begin() + p);
          next.insert(next.end(), static_cast<std::size_t>(count), t);
          next.insert(next.end(), m.begin() + p + 1, m.end());
          next.resize(static_cast<std::size_t>(new_len));
          m = next;
        }
      } else {  // append
        const index_t count = d.below(4);
        if (len + count > cap) {
          require_rejected(
              b, [&] { b.append(r, count, t); }, errc::invalid_argument, "length after append");
        } else {
          b.append(r, count, t);
          m.insert(m.end(), static_cast<std::size_t>(count), t);
        }
      }
      REQUIRE(rows_of(b) == model);
      for (index_t q = 0; q < 3; ++q) {
        REQUIRE(b.length(q) <= b.capacity());
        REQUIRE(b.count_masked(q) ==
                std::count(model[static_cast<std::size_t>(q)].begin(), model[static_cast<std::size_t>(q)].end(), mask));
      }
      CHECK(b.capacity() == cap);
    }
  }
}

TEST_CASE("token_buffer rejects bad arguments and stays unchanged", "[core][token_buffer][errors]") {
  const std::vector<std::vector<token_id>> prompts{{1, 2}, {3}};
  auto b = token_buffer::from_prompts(prompts, 3, 8, 7, 6);
  b.commit(0, 2, 4);

  require_rejected(
      b, [&] { b.commit(0, 3, 8); }, errc::invalid_argument, "token");
  require_rejected(
      b, [&] { b.commit(0, 3, -1); }, errc::invalid_argument, "token");
  require_rejected(
      b, [&] { b.commit(2, 0, 1); }, errc::invalid_argument, "row");
  require_rejected(
      b, [&] { b.commit(-1, 0, 1); }, errc::invalid_argument, "row");
  require_rejected(
      b, [&] { b.commit(1, 4, 1); }, errc::invalid_argument, "position");  // row 1 has length 4
  require_rejected(
      b, [&] { b.commit(0, -1, 1); }, errc::invalid_argument, "position");
  require_rejected(
      b, [&] { b.replace(0, 1, 0, 1); }, errc::invalid_argument, "count");
  require_rejected(
      b, [&] { b.replace(0, 1, 2, 9); }, errc::invalid_argument, "token");
  require_rejected(
      b, [&] { b.replace(0, 1, 3, 1); }, errc::invalid_argument, "length after insertion");
  require_rejected(
      b, [&] { b.replace(0, 3, 1, 1, 3); }, errc::invalid_argument, "max_length");
  require_rejected(
      b, [&] { b.append(1, 3, 1); }, errc::invalid_argument, "length after append");
  require_rejected(
      b, [&] { b.append(1, -1, 1); }, errc::invalid_argument, "count");
  require_rejected(
      b, [&] { b.append(1, 1, 8); }, errc::invalid_argument, "token");
  const std::vector<token_id> bad_prompt{1, 8};
  require_rejected(
      b, [&] { b.set_row(1, bad_prompt, 2); }, errc::invalid_argument, "prompt token");
  const std::vector<token_id> long_prompt{1, 2, 3, 4};
  require_rejected(
      b, [&] { b.set_row(1, long_prompt, 3); }, errc::invalid_argument, "prompt.size() + gen_length");
  require_rejected(
      b, [&] { b.set_row(1, long_prompt, -1); }, errc::invalid_argument, "gen_length");
  const auto other = token_buffer::from_prompts(prompts, 3, 8, 7, 7);
  require_rejected(
      b, [&] { b.assign_from(other); }, errc::shape_mismatch, "other shape");
}

TEST_CASE("token_buffer construction rejects bad shapes, naming the value", "[core][token_buffer][errors]") {
  using Catch::Matchers::Contains;
  const std::vector<std::vector<token_id>> prompts{{1, 2}, {3, 4, 5}};
  auto is = [](const char* param) {
    return Catch::Predicate<unmask::error>([param](const unmask::error& e) { return e.parameter() == param; },
                                           std::string("parameter() == ") + param);
  };
  REQUIRE_THROWS_MATCHES(token_buffer::from_prompts(prompts, 0, 8, 7), unmask::error, is("gen_length"));
  REQUIRE_THROWS_WITH(token_buffer::from_prompts(prompts, -2, 8, 7), Contains("gen_length = -2"));
  REQUIRE_THROWS_MATCHES(token_buffer::from_prompts(prompts, 4, 8, 8), unmask::error, is("mask_id"));
  REQUIRE_THROWS_WITH(token_buffer::from_prompts(prompts, 4, 8, 8), Contains("mask_id = 8"));
  REQUIRE_THROWS_MATCHES(token_buffer::from_prompts(prompts, 4, 8, -1), unmask::error, is("mask_id"));
  REQUIRE_THROWS_MATCHES(token_buffer::from_prompts(prompts, 4, 8, 7, 6), unmask::error, is("capacity"));
  REQUIRE_THROWS_WITH(token_buffer::from_prompts(prompts, 4, 8, 7, 6), Contains("capacity = 6"));
  const std::vector<std::vector<token_id>> bad{{1, 2}, {3, 9}};
  REQUIRE_THROWS_MATCHES(token_buffer::from_prompts(bad, 4, 8, 7), unmask::error, is("prompt token"));
  REQUIRE_THROWS_WITH(token_buffer::from_prompts(bad, 4, 8, 7), Contains("prompt token = 9"));
  const std::vector<std::vector<token_id>> none;
  REQUIRE_THROWS_MATCHES(token_buffer::from_prompts(none, 4, 8, 7), unmask::error, is("prompts.size()"));
  REQUIRE_THROWS_MATCHES(token_buffer(2, 4, 0, 0), unmask::error, is("vocab_size"));
  REQUIRE_THROWS_MATCHES(token_buffer(0, 4, 8, 0), unmask::error, is("rows"));
  REQUIRE_THROWS_MATCHES(token_buffer(2, 0, 8, 0), unmask::error, is("capacity"));
}
