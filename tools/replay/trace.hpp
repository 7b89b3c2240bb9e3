// unmask-replay: a recorded reference run (dllm-trace/1): JSON metadata + float32 logits.
// Loading, and the replaying model that answers forward passes from the recording.
#pragma once

#include <unmask/core/error.hpp>
#include <unmask/core/forward_request.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <map>
#include <span>
#include <sstream>
#include <string>
#include <vector>

namespace unmask_replay {

struct trace {
  std::string path, name, algorithm;
  nlohmann::json json;
  std::vector<float> blob;
};

/// Reads NAME.json and NAME.f32 (little-endian float32) next to it.
inline trace load_trace(const std::string& json_path) {
  trace t;
  t.path = json_path;
  std::ifstream in(json_path);
  if (!in) throw unmask::error(unmask::errc::invalid_argument, "trace", "cannot open " + json_path);
  t.json = nlohmann::json::parse(in);
  t.name = t.json.value("name", json_path);
  t.algorithm = t.json.value("algorithm", "");
  std::string blob_path = json_path;
  if (blob_path.size() > 5 && blob_path.ends_with(".json")) blob_path.resize(blob_path.size() - 5);
  blob_path += ".f32";
  std::ifstream b(blob_path, std::ios::binary | std::ios::ate);
  if (b) {
    const auto bytes = static_cast<std::size_t>(b.tellg());
    t.blob.resize(bytes / sizeof(float));
    b.seekg(0);
    b.read(reinterpret_cast<char*>(t.blob.data()), static_cast<std::streamsize>(t.blob.size() * sizeof(float)));
  }
  return t;
}

/// Answers forward passes by looking each input row up by its exact tokens in the
/// trace's `forward_rows`; a row that was never recorded means the sampler diverged,
/// reported against the recorded `states` (call, row, first differing position).
class replay_model {
 public:
  explicit replay_model(const trace& t) : t_(&t), vocab_(t.json.at("vocab_size").get<unmask::index_t>()) {
    for (const auto& r : t.json.at("forward_rows")) {
      auto toks = r.at("tokens").get<std::vector<unmask::token_id>>();
      table_.emplace(std::move(toks), r.at("logits_offset").get<std::size_t>());
    }
  }

  void operator()(const unmask::forward_request& req) {
    if (!req.rows.empty() && !req.rows.front().unconditional) ++evaluations_;
    if (req.vocab != vocab_)
      throw unmask::error(unmask::errc::shape_mismatch, "vocab", "request vocab differs from the trace's");
    for (const auto& row : req.rows) {
      std::vector<unmask::token_id> key(row.tokens.begin(), row.tokens.end());
      auto it = table_.find(key);
      if (it == table_.end()) throw unmask::error(unmask::errc::model_failure, "model", divergence(row));
      const std::size_t off = it->second + static_cast<std::size_t>(row.logits_begin * vocab_);
      const std::size_t n = static_cast<std::size_t>((row.logits_end - row.logits_begin) * vocab_);
      if (off + n > t_->blob.size())
        throw unmask::error(unmask::errc::model_failure, "model", "trace logits blob is truncated");
      std::memcpy(row.logits, t_->blob.data() + off, n * sizeof(float));
    }
  }
  /// Evaluations served so far (a CFG pair split over two calls counts once).
  [[nodiscard]] long evaluations() const noexcept { return evaluations_; }

  std::string divergence(const unmask::forward_row& row) const {
    std::ostringstream os;
    const auto& states = t_->json.at("states");
    const long call = evaluations_ - 1;
    os << "call " << call << ", row " << row.canvas_row << (row.unconditional ? " (unconditional)" : "");
    if (call < static_cast<long>(states.size())) {
      const auto& batch = states.at(static_cast<std::size_t>(call));
      const std::size_t rows = t_->json.at("prompts").size();
      const std::size_t idx = static_cast<std::size_t>(row.canvas_row) + (row.unconditional ? rows : 0);
      if (idx < batch.size()) {
        const auto exp = batch.at(idx).get<std::vector<unmask::token_id>>();
        const std::size_t n = std::max(exp.size(), row.tokens.size());
        for (std::size_t p = 0; p < n; ++p) {
          const long e = p < exp.size() ? exp[p] : -1, g = p < row.tokens.size() ? row.tokens[p] : -1;
          if (e != g) {
            os << ", position " << p << ": expected " << e << " got " << g;
            if (p >= exp.size() || p >= row.tokens.size())
              os << " (length expected " << exp.size() << " got " << row.tokens.size() << ")";
            return os.str();
          }
        }
      }
    } else {
      os << ": the reference made only " << states.size() << " model calls";
      return os.str();
    }
    os << ": row not recorded";
    return os.str();
  }

 private:
  const trace* t_;
  unmask::index_t vocab_;
  std::map<std::vector<unmask::token_id>, std::size_t> table_;
  long evaluations_ = 0;
};

/// First difference between the expected output rows and the produced ones.
inline std::string compare_rows(const nlohmann::json& expected, const std::vector<std::vector<unmask::token_id>>& got) {
  std::ostringstream os;
  if (expected.size() != got.size()) {
    os << "output: expected " << expected.size() << " rows got " << got.size();
    return os.str();
  }
  for (std::size_t r = 0; r < got.size(); ++r) {
    const auto exp = expected.at(r).get<std::vector<unmask::token_id>>();
    const std::size_t n = std::max(exp.size(), got[r].size());
    for (std::size_t p = 0; p < n; ++p) {
      const long e = p < exp.size() ? exp[p] : -1, g = p < got[r].size() ? got[r][p] : -1;
      if (e != g) {
        os << "output row " << r << ", position " << p << ": expected " << e << " got " << g;
        if (exp.size() != got[r].size()) os << " (length expected " << exp.size() << " got " << got[r].size() << ")";
        return os.str();
      }
    }
  }
  return {};
}

}  // namespace unmask_replay
