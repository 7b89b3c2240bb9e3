// Block policies: fixed_blocks (aligned windows from the prompt end, clipped, optional
// scan from the row start) and whole_canvas (one window that follows the row).
#include <unmask/core/token_buffer.hpp>
#include <unmask/policy/block/fixed_blocks.hpp>
#include <unmask/policy/block/whole_canvas.hpp>

#include <catch2/catch.hpp>

#include <vector>

namespace {

using unmask::index_t;
using unmask::row_state;
using unmask::token_id;

}  // namespace

TEST_CASE("fixed_blocks: windows from P + i*B to P + (i+1)*B, clipped to the row", "[policy][block]") {
  const std::vector<std::vector<token_id>> prompts{{1, 2, 3}, {4}};
  auto c = unmask::token_buffer::from_prompts(prompts, 10, 8, 7, 20);
  const unmask::fixed_blocks b{.length = 4};
  for (index_t r = 0; r < 2; ++r) {
    const index_t P = c.prompt_length(r);
    row_state st;
    st.window_begin = b.first_begin(c, r);
    CHECK(st.window_begin == P);
    std::vector<std::pair<index_t, index_t>> windows;
    for (int guard = 0; guard < 10 && st.window_begin < c.length(r); ++guard) {
      b.place(c, r, st);
      CHECK(st.scan_begin == st.window_begin);
      windows.emplace_back(st.window_begin, st.window_end);
      const index_t next = b.next_begin(c, r, st);
      CHECK(next > st.window_begin);
      st.window_begin = next;
    }
    CHECK(windows == std::vector<std::pair<index_t, index_t>>{{P, P + 4}, {P + 4, P + 8}, {P + 8, P + 10}});
  }
  // A row that grew keeps its alignment; a later window covers the new tokens.
  c.append(1, 3, 7);
  row_state st{.window_begin = 9};
  b.place(c, 1, st);
  CHECK(st.window_end == 13);
  st.window_begin = b.next_begin(c, 1, st);
  b.place(c, 1, st);
  CHECK(st.window_begin == 13);
  CHECK(st.window_end == 14);
}

TEST_CASE("fixed_blocks: scan_from_start lets the whole row left of the window compete", "[policy][block]") {
  const std::vector<std::vector<token_id>> prompts{{1, 2, 3}};
  const auto c = unmask::token_buffer::from_prompts(prompts, 8, 8, 7);
  row_state st{.window_begin = 7};
  unmask::fixed_blocks{.length = 4, .scan_from_start = true}.place(c, 0, st);
  CHECK(st.scan_begin == 0);
  CHECK(st.window_end == 11);
}

TEST_CASE("fixed_blocks: validate", "[policy][block][errors]") {
  CHECK_NOTHROW(unmask::fixed_blocks{.length = 1}.validate());
  CHECK_THROWS_WITH(unmask::fixed_blocks{.length = 0}.validate(), Catch::Matchers::Contains("block_length = 0"));
  try {
    unmask::fixed_blocks{.length = -3}.validate();
    FAIL("expected unmask::error");
  } catch (const unmask::error& e) {
    CHECK(e.parameter() == "block_length");
  }
}

TEST_CASE("whole_canvas: one window from P to the row end, scanned from 0", "[policy][block]") {
  const std::vector<std::vector<token_id>> prompts{{1, 2, 3}, {4}};
  auto c = unmask::token_buffer::from_prompts(prompts, 5, 8, 7, 12);
  const unmask::whole_canvas b;
  for (index_t r = 0; r < 2; ++r) {
    row_state st;
    st.window_begin = b.first_begin(c, r);
    CHECK(st.window_begin == c.prompt_length(r));
    b.place(c, r, st);
    CHECK(st.window_end == c.length(r));
    CHECK(st.scan_begin == 0);
    const index_t next = b.next_begin(c, r, st);
    CHECK(next >= c.length(r));  // the next window is past the row: finished
    CHECK(next > st.window_begin);
  }
  // It follows growth.
  row_state st{.window_begin = 3};
  c.append(0, 2, 7);
  b.place(c, 0, st);
  CHECK(st.window_end == 10);
}
