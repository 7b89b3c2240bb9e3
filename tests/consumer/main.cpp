// Compiled against the installed headers only; C++20 must come from unmask::unmask.
#include <unmask/core/config.hpp>

static_assert(__cplusplus >= 202002L, "unmask::unmask must propagate C++20 to consumers");

int main() {
  unmask::token_id x = 0;
  return x;
}
