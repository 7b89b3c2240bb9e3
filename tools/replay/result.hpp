// unmask-replay: the outcome of replaying one golden trace.
// `pass`, and on failure where the sampler first left the reference.
#pragma once

#include <string>

namespace unmask_replay {

/// `detail` names the first divergence on failure ("first divergence: step k, row r,
/// position p, ...: expected X got Y" or "token at row r, position p: expected X got
/// Y"), and summarises the run on success.
struct result {
  bool pass = false;
  std::string detail;
};

}  // namespace unmask_replay
