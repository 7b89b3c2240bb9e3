// unmask tests: loading the rdlm-*.json + .f32 golden traces for the continuous tests.
// The data directory is UNMASK_TEST_DATA_DIR (tests/golden), else the shared copy.
#pragma once

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

namespace rdlm_test {

struct golden {
  std::string name;
  nlohmann::json json;
  std::vector<float> blob;
};

/// The first of UNMASK_TEST_DATA_DIR (or /work/main/tests/golden) and /work/shared/golden
/// that holds an rdlm-*.json trace.
inline std::filesystem::path golden_dir() {
#ifdef UNMASK_TEST_DATA_DIR
  const std::filesystem::path primary = UNMASK_TEST_DATA_DIR;
#else
  const std::filesystem::path primary = "/work/main/tests/golden";
#endif
  for (const auto& dir : {primary, std::filesystem::path("/work/shared/golden")}) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) continue;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
      const auto f = e.path().filename().string();
      if (f.rfind("rdlm-", 0) == 0 && e.path().extension() == ".json") return dir;
    }
  }
  return primary;
}

/// Every rdlm-*.json with its .f32 blob (little-endian float32), sorted by name.
inline std::vector<golden> load_rdlm_traces() {
  std::vector<golden> out;
  const auto dir = golden_dir();
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    const auto f = e.path().filename().string();
    if (f.rfind("rdlm-", 0) == 0 && e.path().extension() == ".json") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& p : files) {
    golden g;
    g.name = p.stem().string();
    std::ifstream js(p);
    g.json = nlohmann::json::parse(js);
    auto blob_path = p;
    blob_path.replace_extension(".f32");
    std::ifstream bs(blob_path, std::ios::binary);
    const std::vector<char> bytes((std::istreambuf_iterator<char>(bs)), std::istreambuf_iterator<char>());
    if (bytes.size() % 4 != 0) throw std::runtime_error(blob_path.string() + ": size is not a multiple of 4");
    g.blob.resize(bytes.size() / 4);
    std::memcpy(g.blob.data(), bytes.data(), bytes.size());  // x86/ARM hosts are little-endian
    out.push_back(std::move(g));
  }
  return out;
}

}  // namespace rdlm_test
