// unmask: the Gaussian-source concept (standard normal draws for continuous samplers).
// Models: philox_gaussian (counter-based, reproducible anywhere), recorded_gaussian (caller's draws).
#pragma once

#include <unmask/core/config.hpp>

#include <concepts>
#include <span>

UNMASK_NAMESPACE_BEGIN

/// Which position of which step a block of draws belongs to. `flat` is
/// `row * length + position`, the position's index in the [batch][length] grid.
struct noise_address {
  index_t step = 0;
  index_t row = 0;
  index_t position = 0;
  index_t flat = 0;
};

/// A Gaussian source returns `scratch.size()` independent N(0, 1) draws for one position
/// of one step, one per sphere coordinate: either written into `scratch` (and `scratch`
/// returned) or a view of storage the source owns, of the same size. The draws are a
/// function of the address only, never of call order.
template <class G>
concept gaussian_source = requires(G& g, noise_address a, std::span<float> scratch) {
  { g.draw(a, scratch) } -> std::same_as<std::span<const float>>;
};

/// Sources that can check up front that they cover `steps` steps of a
/// [batch][length][dim] state model this as well; samplers call it before touching state.
template <class G>
concept checked_gaussian_source = gaussian_source<G> &&
    requires(const G& g, index_t steps, index_t batch, index_t length, index_t dim) {
  g.validate(steps, batch, length, dim);
};

UNMASK_NAMESPACE_END
