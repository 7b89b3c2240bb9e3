// unmask-replay: replays recorded reference runs through the library's presets.
// Prints PASS/FAIL per trace and "N passed, M failed"; exit 0 only when M is 0.
#include "../replay/discrete.hpp"
#include "../replay/rdlm.hpp"
#include "../replay/smdm.hpp"
#include "../replay/trace.hpp"

#include <cstring>
#include <iostream>
#include <string>
#include <vector>

namespace {

unmask_replay::result replay_one(const unmask_replay::trace& t, std::ostream* verbose) {
  using namespace unmask_replay;
  if (t.algorithm == "llada.generate") return replay_llada(t, verbose);
  if (t.algorithm == "fastdllm.generate") return replay_fastdllm(t, verbose);
  if (t.algorithm == "dream.sample") return replay_dream(t, verbose);
  if (t.algorithm == "daedal.generate") return replay_daedal(t, verbose);
  if (t.algorithm == "smdm.diff_sample") return replay_smdm(t, verbose);
  if (t.algorithm == "rdlm.sde_sampler") return replay_rdlm(t.json, t.blob);
  return {false, "algorithm '" + t.algorithm + "' is not supported by this build"};
}

}  // namespace

int main(int argc, char** argv) {
  bool verbose = false;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--verbose") == 0 || std::strcmp(argv[i], "-v") == 0) verbose = true;
    else if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
      std::cout << "usage: unmask-replay [--verbose] TRACE.json...\n"
                   "Replays each recorded reference run with the preset and parameters it names and\n"
                   "compares the output and the number of model calls exactly.\n";
      return 0;
    } else files.emplace_back(argv[i]);
  }
  if (files.empty()) {
    std::cerr << "usage: unmask-replay [--verbose] TRACE.json...\n";
    return 2;
  }
  int passed = 0, failed = 0;
  for (const auto& f : files) {
    unmask_replay::result r;
    std::string name = f;
    try {
      const auto t = unmask_replay::load_trace(f);
      name = t.name;
      if (verbose) std::cout << name << " (" << t.algorithm << ")\n";
      r = replay_one(t, verbose ? &std::cout : nullptr);
    } catch (const std::exception& e) {
      r = {false, std::string("cannot replay: ") + e.what()};
    }
    if (r.pass) {
      ++passed;
      std::cout << "PASS " << name << (r.detail.empty() ? "" : " (" + r.detail + ")") << '\n';
    } else {
      ++failed;
      std::cout << "FAIL " << name << ": " << r.detail << '\n';
    }
  }
  std::cout << passed << " passed, " << failed << " failed\n";
  return failed == 0 ? 0 : 1;
}
