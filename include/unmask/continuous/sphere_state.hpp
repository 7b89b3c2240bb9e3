// unmask: the state of a continuous (hypersphere) sampler.
// A [batch][length][dim] float buffer, dim = vocab + 1, the last coordinate being the mask.
#pragma once

#include <unmask/core/config.hpp>
#include <unmask/core/error.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>
#include <vector>

UNMASK_NAMESPACE_BEGIN

/// Non-owning view of a sphere state: `values` holds `batch * length * dim()` floats,
/// position-major (`[batch][length][vocab + 1]`); each position is a point on the unit
/// sphere S^vocab, coordinate v < vocab facing token v and coordinate vocab the mask.
/// `T` is `float` or `const float`.
template <class T>
struct basic_sphere_view {
  std::span<T> values;
  index_t batch = 0;
  index_t length = 0;
  index_t vocab = 0;

  [[nodiscard]] constexpr index_t dim() const noexcept { return vocab + 1; }
  [[nodiscard]] constexpr index_t positions() const noexcept { return batch * length; }
  /// The D-vector of (row, position).
  [[nodiscard]] constexpr std::span<T> position(index_t row, index_t pos) const noexcept {
    return values.subspan(static_cast<std::size_t>((row * length + pos) * dim()), static_cast<std::size_t>(dim()));
  }
  /// The D-vector of flat position `i = row * length + pos`.
  [[nodiscard]] constexpr std::span<T> flat(index_t i) const noexcept {
    return values.subspan(static_cast<std::size_t>(i * dim()), static_cast<std::size_t>(dim()));
  }
  /// True when `values` has exactly batch * length * dim() entries.
  [[nodiscard]] constexpr bool consistent() const noexcept {
    return batch >= 0 && length >= 0 && vocab >= 0 && values.size() == static_cast<std::size_t>(batch * length * dim());
  }
  constexpr operator basic_sphere_view<const T>() const noexcept requires(!std::is_const_v<T>) {
    return {values, batch, length, vocab};
  }
};

using sphere_view = basic_sphere_view<float>;
using const_sphere_view = basic_sphere_view<const float>;

namespace detail {

/// Validates a (batch, length, vocab) shape: each >= 1, every index fits the 32-bit
/// Philox counter fields, and batch * length * (vocab + 1) floats are addressable.
inline void require_sphere_shape(index_t batch, index_t length, index_t vocab) {
  constexpr index_t u32 = index_t{0xFFFFFFFF};
  require(batch >= 1 && batch <= u32, "batch", batch, "must be in [1, 2^32 - 1]");
  require(length >= 1 && length <= u32, "length", length, "must be in [1, 2^32 - 1]");
  require(vocab >= 1 && vocab < u32, "vocab", vocab, "must be in [1, 2^32 - 2]");
  constexpr index_t limit = index_t{1} << 46;  // 256 TiB of floats: far beyond any host
  require(batch <= limit / length && batch * length <= limit / (vocab + 1), "batch * length * (vocab + 1)",
          static_cast<double>(batch) * static_cast<double>(length) * static_cast<double>(vocab + 1),
          "must be at most 2^46 floats");
}

}  // namespace detail

/// Owning [batch][length][vocab + 1] float state, zero-initialised (not yet on the
/// sphere: a prior's `sample` puts it there). A regular value type; copying copies the
/// floats. Allocates once, in the constructor.
class sphere_state {
 public:
  sphere_state() = default;
  /// Throws `unmask::error` (invalid_argument) naming `batch`, `length` or `vocab`
  /// when one is < 1 or the total does not fit (see `detail::require_sphere_shape`).
  sphere_state(index_t batch, index_t length, index_t vocab) : batch_(batch), length_(length), vocab_(vocab) {
    detail::require_sphere_shape(batch, length, vocab);
    values_.assign(static_cast<std::size_t>(batch * length * (vocab + 1)), 0.0f);
  }

  [[nodiscard]] index_t batch() const noexcept { return batch_; }
  [[nodiscard]] index_t length() const noexcept { return length_; }
  [[nodiscard]] index_t vocab() const noexcept { return vocab_; }
  [[nodiscard]] index_t dim() const noexcept { return vocab_ + 1; }
  [[nodiscard]] std::size_t size() const noexcept { return values_.size(); }

  [[nodiscard]] std::span<float> values() noexcept { return values_; }
  [[nodiscard]] std::span<const float> values() const noexcept { return values_; }
  [[nodiscard]] sphere_view view() noexcept { return {values_, batch_, length_, vocab_}; }
  [[nodiscard]] const_sphere_view view() const noexcept { return {values_, batch_, length_, vocab_}; }
  [[nodiscard]] std::span<float> position(index_t row, index_t pos) noexcept { return view().position(row, pos); }
  [[nodiscard]] std::span<const float> position(index_t row, index_t pos) const noexcept {
    return view().position(row, pos);
  }
  /// Coordinate `c` of (row, pos); c == vocab() is the mask coordinate. Unchecked.
  [[nodiscard]] float& operator()(index_t row, index_t pos, index_t c) noexcept {
    return values_[static_cast<std::size_t>((row * length_ + pos) * dim() + c)];
  }
  [[nodiscard]] float operator()(index_t row, index_t pos, index_t c) const noexcept {
    return values_[static_cast<std::size_t>((row * length_ + pos) * dim() + c)];
  }

  friend bool operator==(const sphere_state&, const sphere_state&) = default;

 private:
  index_t batch_ = 0;
  index_t length_ = 0;
  index_t vocab_ = 0;
  std::vector<float> values_;
};

UNMASK_NAMESPACE_END
