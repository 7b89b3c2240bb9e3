// unmask: the model concept.
// A callable that fills the logits a forward_request asks for.
#pragma once

#include <unmask/core/config.hpp>
#include <unmask/core/forward_request.hpp>

#include <concepts>

UNMASK_NAMESPACE_BEGIN

/// A model is anything callable as `m(request)` that writes, for each row of the
/// request, `request.vocab` logits per position in [logits_begin, logits_end) to
/// `row.logits`. It may compute only the active window if it caches the rest. It
/// reports failure by throwing (e.g. `unmask::error{errc::model_failure, ...}`).
template <class M>
concept model = requires(M& m, const forward_request& request) { m(request); };

UNMASK_NAMESPACE_END
