// unmask: the default observer of every sampler loop: it ignores each event.
// Observers are callables taking the loop's event (step_event, continuous_event...).
#pragma once

#include <unmask/core/config.hpp>

UNMASK_NAMESPACE_BEGIN

/// Does nothing with any event.
struct no_observer {
  template <class Event>
  void operator()(const Event&) const noexcept {}
};

UNMASK_NAMESPACE_END
