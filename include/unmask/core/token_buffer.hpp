// unmask: the canvas, a batch of ragged rows of tokens (prompt + generation).
// Capacity is reserved up front; commits, insertions and growth never reallocate.
#pragma once

#include <unmask/core/config.hpp>
#include <unmask/core/error.hpp>

#include <algorithm>
#include <span>
#include <vector>

UNMASK_NAMESPACE_BEGIN

/// A batch of rows, each `prompt ++ generation`, stored with a fixed stride
/// (`capacity()` tokens a row). Rows may differ in prompt length and in length
/// (DAEDAL grows rows independently). Every mutation validates its arguments first
/// and leaves the buffer unchanged when it throws. Complexity: commit O(1),
/// insertion O(length) (a move inside the row), no allocation after construction.
class token_buffer {
 public:
  token_buffer() = default;

  /// `rows` empty rows with room for `capacity` tokens each.
  token_buffer(index_t rows, index_t capacity, index_t vocab_size, token_id mask_id)
      : rows_(rows), capacity_(capacity), vocab_size_(vocab_size), mask_id_(mask_id) {
    detail::require(rows > 0, "rows", rows, "must be positive");
    detail::require(capacity > 0, "capacity", capacity, "must be positive");
    detail::require(vocab_size > 0, "vocab_size", vocab_size, "must be positive");
    detail::require(mask_id >= 0 && mask_id < vocab_size, "mask_id", mask_id, "must lie in [0, vocab_size)");
    data_.assign(static_cast<std::size_t>(rows * capacity), mask_id);
    length_.assign(static_cast<std::size_t>(rows), 0);
    prompt_.assign(static_cast<std::size_t>(rows), 0);
  }

  /// A batch `prompt[r] ++ [mask] * gen_length`, with room for `capacity` tokens a row
  /// (0: exactly the longest prompt + gen_length).
  static token_buffer from_prompts(std::span<const std::vector<token_id>> prompts, index_t gen_length,
                                   index_t vocab_size, token_id mask_id, index_t capacity = 0) {
    detail::require(!prompts.empty(), "prompts.size()", prompts.size(), "must be positive");
    detail::require(gen_length > 0, "gen_length", gen_length, "must be positive");
    index_t longest = 0;
    for (const auto& p : prompts) longest = std::max(longest, static_cast<index_t>(p.size()));
    if (capacity == 0) capacity = longest + gen_length;
    detail::require(capacity >= longest + gen_length, "capacity", capacity,
                    "must hold the longest prompt plus gen_length");
    token_buffer b(static_cast<index_t>(prompts.size()), capacity, vocab_size, mask_id);
    for (index_t r = 0; r < b.rows(); ++r) b.set_row(r, prompts[static_cast<std::size_t>(r)], gen_length);
    return b;
  }

  [[nodiscard]] index_t rows() const noexcept { return rows_; }
  [[nodiscard]] index_t capacity() const noexcept { return capacity_; }
  [[nodiscard]] index_t vocab_size() const noexcept { return vocab_size_; }
  [[nodiscard]] token_id mask_id() const noexcept { return mask_id_; }
  [[nodiscard]] index_t length(index_t r) const noexcept { return length_[u(r)]; }
  [[nodiscard]] index_t prompt_length(index_t r) const noexcept { return prompt_[u(r)]; }
  [[nodiscard]] index_t gen_length(index_t r) const noexcept { return length(r) - prompt_length(r); }
  [[nodiscard]] index_t max_length() const noexcept { return *std::max_element(length_.begin(), length_.end()); }

  /// The valid tokens of row r.
  [[nodiscard]] std::span<const token_id> row(index_t r) const noexcept {
    return {data_.data() + r * capacity_, static_cast<std::size_t>(length(r))};
  }
  [[nodiscard]] token_id at(index_t r, index_t p) const noexcept { return data_[u(r * capacity_ + p)]; }
  [[nodiscard]] bool masked(index_t r, index_t p) const noexcept { return at(r, p) == mask_id_; }

  /// Number of masks in positions [lo, hi) of row r (clamped to the row).
  [[nodiscard]] index_t count_masked(index_t r, index_t lo, index_t hi) const noexcept {
    lo = std::clamp<index_t>(lo, 0, length(r));
    hi = std::clamp<index_t>(hi, lo, length(r));
    const auto* b = data_.data() + r * capacity_;
    return static_cast<index_t>(std::count(b + lo, b + hi, mask_id_));
  }
  [[nodiscard]] index_t count_masked(index_t r) const noexcept { return count_masked(r, 0, length(r)); }

  /// Row r becomes `prompt ++ [mask] * gen_length`.
  void set_row(index_t r, std::span<const token_id> prompt, index_t gen_length) {
    check_row(r);
    detail::require(gen_length >= 0, "gen_length", gen_length, "must not be negative");
    const auto p = static_cast<index_t>(prompt.size());
    detail::require(p + gen_length <= capacity_, "prompt.size() + gen_length", p + gen_length,
                    "must not exceed the buffer capacity");
    for (token_id t : prompt) check_token(t, "prompt token");
    auto* b = data_.data() + r * capacity_;
    std::copy(prompt.begin(), prompt.end(), b);
    std::fill(b + p, b + p + gen_length, mask_id_);
    prompt_[u(r)] = p;
    length_[u(r)] = p + gen_length;
  }

  /// Writes token t at (r, p); p must be inside the row.
  void commit(index_t r, index_t p, token_id t) {
    check_position(r, p);
    check_token(t, "token");
    data_[u(r * capacity_ + p)] = t;
  }

  /// Replaces position p of row r by `count` copies of token t (count >= 1), shifting
  /// the rest of the row right by count - 1. With `max_length` > 0 the row is then cut
  /// to at most max_length tokens (DAEDAL's cap). Throws when the row would exceed capacity.
  void replace(index_t r, index_t p, index_t count, token_id t, index_t max_length = 0) {
    check_position(r, p);
    check_token(t, "token");
    detail::require(count >= 1, "count", count, "must be at least 1");
    const index_t len = length(r);
    index_t new_len = len + count - 1;
    if (max_length > 0) new_len = std::min(new_len, max_length);
    detail::require(new_len <= capacity_, "length after insertion", new_len, "exceeds the buffer capacity");
    detail::require(new_len >= p + 1, "max_length", max_length, "would cut the replaced position");
    auto* b = data_.data() + r * capacity_;
    const index_t tail = std::max<index_t>(0, std::min(len - (p + 1), new_len - (p + count)));
    std::move_backward(b + p + 1, b + p + 1 + tail, b + p + count + tail);
    std::fill(b + p, b + std::min(p + count, new_len), t);
    length_[u(r)] = new_len;
  }

  /// Appends `count` copies of token t to row r.
  void append(index_t r, index_t count, token_id t) {
    check_row(r);
    check_token(t, "token");
    detail::require(count >= 0, "count", count, "must not be negative");
    detail::require(length(r) + count <= capacity_, "length after append", length(r) + count,
                    "exceeds the buffer capacity");
    auto* b = data_.data() + r * capacity_;
    std::fill(b + length(r), b + length(r) + count, t);
    length_[u(r)] += count;
  }

  /// Copies rows, lengths and prompt lengths from `other` of the same shape (no allocation).
  void assign_from(const token_buffer& other) {
    detail::require(other.rows_ == rows_ && other.capacity_ == capacity_, "other shape", other.rows_,
                    "must match this buffer's rows and capacity", errc::shape_mismatch);
    data_ = other.data_;
    length_ = other.length_;
    prompt_ = other.prompt_;
    vocab_size_ = other.vocab_size_;
    mask_id_ = other.mask_id_;
  }

  friend bool operator==(const token_buffer& a, const token_buffer& b) {
    if (a.rows_ != b.rows_ || a.mask_id_ != b.mask_id_) return false;
    for (index_t r = 0; r < a.rows_; ++r) {
      if (a.prompt_length(r) != b.prompt_length(r)) return false;
      const auto x = a.row(r), y = b.row(r);
      if (!std::equal(x.begin(), x.end(), y.begin(), y.end())) return false;
    }
    return true;
  }

 private:
  static std::size_t u(index_t i) noexcept { return static_cast<std::size_t>(i); }
  void check_row(index_t r) const { detail::require(r >= 0 && r < rows_, "row", r, "must lie in [0, rows)"); }
  void check_position(index_t r, index_t p) const {
    check_row(r);
    detail::require(p >= 0 && p < length(r), "position", p, "must lie in [0, length(row))");
  }
  void check_token(token_id t, const char* what) const {
    detail::require(t >= 0 && t < vocab_size_, what, t, "must lie in [0, vocab_size)");
  }

  index_t rows_ = 0, capacity_ = 0, vocab_size_ = 0;
  token_id mask_id_ = 0;
  std::vector<token_id> data_;
  std::vector<index_t> length_, prompt_;
};

UNMASK_NAMESPACE_END
