// unmask: calls a policy's validate() when it has one.
// Shared by the sampler and by policy compositions (length_chain).
#pragma once

#include <unmask/core/config.hpp>

UNMASK_NAMESPACE_BEGIN
namespace detail {

/// `p.validate()` if the policy declares it (it throws unmask::error); otherwise nothing.
template <class P>
void validate_if_any(const P& p) {
  if constexpr (requires { p.validate(); }) p.validate();
}

}  // namespace detail
UNMASK_NAMESPACE_END
