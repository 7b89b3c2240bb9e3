// Replays every recorded LLaDA, Fast-dLLM and Dream reference run in UNMASK_TEST_DATA_DIR
// with the presets (tools/replay/discrete.hpp): each must match output and model calls.
#include "../../tools/replay/discrete.hpp"
#include "../../tools/replay/trace.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

// The NAME.json files of the data directory whose name starts with `prefix`, sorted.
std::vector<fs::path> traces_with_prefix(const std::string& prefix) {
  std::vector<fs::path> out;
  const fs::path dir{UNMASK_TEST_DATA_DIR};
  if (!fs::is_directory(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir)) {
    const auto name = e.path().filename().string();
    if (e.is_regular_file() && name.starts_with(prefix) && e.path().extension() == ".json") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

template <class Replay>
void replay_all(const std::string& prefix, const std::string& algorithm, Replay replay) {
  const auto files = traces_with_prefix(prefix);
  INFO("traces " << prefix << "*.json in " << UNMASK_TEST_DATA_DIR);
  REQUIRE_FALSE(files.empty());
  for (const auto& f : files) {
    INFO(f.string());
    const auto t = unmask_replay::load_trace(f.string());
    CHECK(t.algorithm == algorithm);
    REQUIRE_FALSE(t.blob.empty());
    const auto r = replay(t, nullptr);
    INFO(r.detail);
    CHECK(r.pass);
  }
}

}  // namespace

TEST_CASE("replay: every llada-* trace matches the reference", "[tools][replay][llada]") {
  replay_all("llada-", "llada.generate", unmask_replay::replay_llada);
}

TEST_CASE("replay: every fastdllm-* trace matches the reference", "[tools][replay][fastdllm]") {
  replay_all("fastdllm-", "fastdllm.generate", unmask_replay::replay_fastdllm);
}

TEST_CASE("replay: every dream-* trace matches the reference", "[tools][replay][dream]") {
  replay_all("dream-", "dream.sample", unmask_replay::replay_dream);
}

TEST_CASE("replay: a trace whose recorded output or call count is altered fails", "[tools][replay]") {
  const auto files = traces_with_prefix("llada-");
  REQUIRE_FALSE(files.empty());
  auto t = unmask_replay::load_trace(files.front().string());
  REQUIRE(unmask_replay::replay_llada(t, nullptr).pass);
  auto altered = t;
  auto& last = altered.json.at("expected_output").at(0).back();
  last = (last.get<int>() + 1) % altered.json.at("vocab_size").get<int>();
  CHECK_FALSE(unmask_replay::replay_llada(altered, nullptr).pass);
  altered = t;
  altered.json["expected_model_calls"] = altered.json.at("expected_model_calls").get<long>() + 1;
  const auto r = unmask_replay::replay_llada(altered, nullptr);
  CHECK_FALSE(r.pass);
  CHECK(r.detail.find("model calls") != std::string::npos);
}
