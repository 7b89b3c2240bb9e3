// unmask: the RDLM preset (Jo & Hwang, arXiv:2502.11564), composed from the continuous policies.
// Geometric schedule 1e-3 -> 0.2, eps 1e-5, mixture prior, geodesic random walk, 256 steps.
#pragma once

#include <unmask/continuous/continuous_sampler.hpp>

UNMASK_NAMESPACE_BEGIN

/// RDLM's sampler type: geometric schedule, mixture-path prior, `grw` predictor.
using rdlm_sampler = continuous_sampler<geometric_schedule, mixture_prior, geodesic_random_walk>;

/// The reference defaults (`configs/scheduler/geometric.yaml`, `configs/sde/mixture.yaml`,
/// `sampling.py`): beta_0 = 1e-3, beta_f = 0.2, eps = 1e-5, mix_type step with step_thr 0
/// (fully masked start; set `.prior.step_thr` > 0 to start at the barycentre), predictor
/// grw, and Text8's 256 steps unless given.
[[nodiscard]] inline rdlm_sampler rdlm(index_t steps = 256) {
  return rdlm_sampler{.steps = steps,
                      .eps = 1e-5,
                      .schedule = geometric_schedule{.beta_0 = 1e-3, .beta_f = 0.2},
                      .prior = mixture_prior{.type = mix_type::step, .step_thr = 0.0},
                      .predictor = geodesic_random_walk{.clip_eps = 1e-6},
                      .readout = {}};
}

UNMASK_NAMESPACE_END
