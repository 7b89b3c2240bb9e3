// unmask: the model concept of continuous (hypersphere) samplers.
// One forward pass: the state without its mask coordinate and the time in, K logits per position out.
#pragma once

#include <unmask/core/config.hpp>

#include <span>

UNMASK_NAMESPACE_BEGIN

/// One forward request of a continuous sampler. `input` is the state with the mask
/// coordinate dropped, `[batch][length][vocab]` (RDLM feeds `x[..., :K]` to its DiT);
/// the model writes `[batch][length][vocab]` raw logits into `logits` (softmax is the
/// sampler's job). `t` is the diffusion time in [0, 1) (0 = prior, 1 = data), `step`
/// the step number, counted from 0.
struct continuous_request {
  index_t batch = 0;
  index_t length = 0;
  index_t vocab = 0;
  float t = 0;
  index_t step = 0;
  std::span<const float> input;
  std::span<float> logits;
};

/// A continuous model answers `m(request)` by filling `request.logits`. It may throw
/// (a replaying model throws `unmask::error{errc::model_failure}` when asked for a step
/// it does not hold); the sampler then stops with the state of the last finished step.
template <class M>
concept continuous_model = requires(M& m, const continuous_request& r) {
  m(r);
};

UNMASK_NAMESPACE_END
