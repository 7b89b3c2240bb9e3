// unmask: RDLM's dimension splitting of large vocabularies into base-b digits.
// token -> little-endian digits and back; m = ceil(log V / log b) digits, computed with integers.
#pragma once

#include <unmask/core/config.hpp>
#include <unmask/core/error.hpp>

#include <cstdint>
#include <limits>
#include <span>

UNMASK_NAMESPACE_BEGIN

/// Writes each token of a `vocab`-sized vocabulary as `digits()` base-`base` digits,
/// least significant first (`digit_j = (token / base^j) % base`), so a sequence of L
/// tokens becomes L * digits() sub-tokens on S^base (RDLM LM1B: BERT's 30 522 tokens,
/// base 3, 10 digits, each sub-token on S^3). `digits()` is the smallest m with
/// base^m >= vocab, i.e. ceil(log vocab / log base) without floating-point rounding.
/// Joining digits that spell a number >= vocab returns that number as is (the reference
/// does too); `in_vocabulary` tells. O(m) per token, no allocation, no randomness.
/// Jo & Hwang, arXiv:2502.11564, dimension splitting.
struct digit_split {
  index_t vocab = 2;
  index_t base = 3;

  /// Number of digits per token (0 when vocab == 1). Call `validate()` first.
  [[nodiscard]] constexpr index_t digits() const noexcept {
    constexpr index_t max_token = std::numeric_limits<token_id>::max();
    if (base < 2 || base > max_token || vocab < 1 || vocab > max_token) return 0;
    index_t m = 0;
    for (index_t span = 1; span < vocab && m < 31; ++m) span *= base;  // span < 2^31 before *: no overflow
    return m;
  }
  /// base^digits(): one past the largest number the digits can spell.
  [[nodiscard]] constexpr std::int64_t capacity() const noexcept {
    std::int64_t c = 1;
    for (index_t j = 0; j < digits(); ++j) c *= base;
    return c;
  }
  [[nodiscard]] constexpr bool in_vocabulary(std::int64_t token) const noexcept { return token >= 0 && token < vocab; }

  /// `token`'s digits into `out` (size digits()). Throws `unmask::error` naming `token`
  /// or `out.size()` when out of range; `out` is untouched then.
  void split(token_id token, std::span<token_id> out) const {
    validate();
    detail::require(in_vocabulary(token), "token", token, "must be in [0, vocab)");
    detail::require(out.size() == static_cast<std::size_t>(digits()), "out.size()", out.size(), "must be digits()",
                    errc::shape_mismatch);
    std::int64_t rest = token;
    for (auto& d : out) {
      d = static_cast<token_id>(rest % base);
      rest /= base;
    }
  }
  /// The number spelled by `in` (size digits(), least significant first). Throws
  /// `unmask::error` naming `digit` when one is outside [0, base).
  [[nodiscard]] token_id join(std::span<const token_id> in) const {
    validate();
    detail::require(in.size() == static_cast<std::size_t>(digits()), "in.size()", in.size(), "must be digits()",
                    errc::shape_mismatch);
    std::int64_t value = 0;
    for (std::size_t j = in.size(); j-- > 0;) {
      detail::require(in[j] >= 0 && in[j] < base, "digit", in[j], "must be in [0, base)");
      value = value * base + in[j];
    }
    return static_cast<token_id>(value);
  }
  /// A sequence of tokens to its sub-token sequence (`out.size() == tokens.size() * digits()`).
  void split_sequence(std::span<const token_id> tokens, std::span<token_id> out) const {
    validate();
    const auto m = static_cast<std::size_t>(digits());
    detail::require(out.size() == tokens.size() * m, "out.size()", out.size(), "must be tokens.size() * digits()",
                    errc::shape_mismatch);
    for (token_id t : tokens) detail::require(in_vocabulary(t), "token", t, "must be in [0, vocab)");
    for (std::size_t i = 0; i < tokens.size(); ++i) split(tokens[i], out.subspan(i * m, m));
  }
  /// A sub-token sequence back to tokens (`subtokens.size() == out.size() * digits()`).
  void join_sequence(std::span<const token_id> subtokens, std::span<token_id> out) const {
    validate();
    const auto m = static_cast<std::size_t>(digits());
    detail::require(subtokens.size() == out.size() * m, "subtokens.size()", subtokens.size(),
                    "must be out.size() * digits()", errc::shape_mismatch);
    for (token_id d : subtokens) detail::require(d >= 0 && d < base, "digit", d, "must be in [0, base)");
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = join(subtokens.subspan(i * m, m));
  }
  /// Throws `unmask::error` unless 2 <= base, 1 <= vocab and base^digits() fits token_id.
  void validate() const {
    constexpr std::int64_t max_token = std::numeric_limits<token_id>::max();
    detail::require(base >= 2 && base <= max_token, "base", base, "must be in [2, 2^31 - 1]");
    detail::require(vocab >= 1 && vocab <= max_token, "vocab", vocab, "must be in [1, 2^31 - 1]");
    detail::require(capacity() - 1 <= max_token, "base^digits()", capacity(), "must be at most 2^31");
  }
  friend bool operator==(const digit_split&, const digit_split&) = default;
};

UNMASK_NAMESPACE_END
