// unmask-model: the tokenizer of the tiny model's synthetic vocabulary (models/tiny-mdm/vocab.json).
// The task keyword is one token, every other character one token; decode stops at EOS.
#pragma once

#include <unmask/core/config.hpp>
#include <unmask/core/error.hpp>

#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <span>
#include <string>
#include <vector>

namespace unmask_model {

/// Vocabulary from vocab.json: {"tokens": [...], "mask_id", "eos_id", "keywords": [...]}.
/// A prompt is `keyword` or `keyword rest`; each character of `rest` must be a token.
class tokenizer {
 public:
  static tokenizer load(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw unmask::error(unmask::errc::invalid_argument, "vocab", "cannot open " + path);
    const auto j = nlohmann::json::parse(in, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("tokens") || !j["tokens"].is_array())
      throw unmask::error(unmask::errc::invalid_argument, "vocab", path + ": not a vocab.json (needs a \"tokens\" array)");
    tokenizer t;
    for (const auto& s : j["tokens"]) t.tokens_.push_back(s.get<std::string>());
    t.mask_id_ = j.value("mask_id", -1);
    t.eos_id_ = j.value("eos_id", -1);
    const auto v = static_cast<unmask::token_id>(t.tokens_.size());
    unmask::detail::require(t.mask_id_ >= 0 && t.mask_id_ < v, "mask_id", t.mask_id_, "must lie in [0, vocab)");
    unmask::detail::require(t.eos_id_ >= 0 && t.eos_id_ < v, "eos_id", t.eos_id_, "must lie in [0, vocab)");
    for (unmask::token_id i = 0; i < v; ++i) t.index_[t.tokens_[static_cast<std::size_t>(i)]] = i;
    if (j.contains("keywords"))
      for (const auto& k : j["keywords"]) t.keywords_.push_back(k.get<std::string>());
    return t;
  }

  [[nodiscard]] unmask::index_t vocab_size() const noexcept { return static_cast<unmask::index_t>(tokens_.size()); }
  [[nodiscard]] unmask::token_id mask_id() const noexcept { return mask_id_; }
  [[nodiscard]] unmask::token_id eos_id() const noexcept { return eos_id_; }
  [[nodiscard]] const std::vector<std::string>& keywords() const noexcept { return keywords_; }

  /// Prompt text -> ids. Throws naming the offending word or character.
  [[nodiscard]] std::vector<unmask::token_id> encode(const std::string& text) const {
    const auto sp = text.find(' ');
    const std::string head = text.substr(0, sp);
    bool keyword = false;
    for (const auto& k : keywords_) keyword = keyword || k == head;
    if (!keyword) throw unmask::error(unmask::errc::invalid_argument, "prompt", "prompt = \"" + text + "\": must start with a task keyword (" + keyword_list() + ")");
    std::vector<unmask::token_id> ids{index_.at(head)};
    if (sp != std::string::npos)
      for (std::size_t i = sp; i < text.size(); ++i) ids.push_back(char_id(text[i], text));
    return ids;
  }

  /// Answer text (characters only) -> ids.
  [[nodiscard]] std::vector<unmask::token_id> encode_chars(const std::string& text) const {
    std::vector<unmask::token_id> ids;
    for (char c : text) ids.push_back(char_id(c, text));
    return ids;
  }

  /// Ids -> text, stopping at the first EOS; a mask shows as `mask_glyph`.
  [[nodiscard]] std::string decode(std::span<const unmask::token_id> ids, const std::string& mask_glyph = "_") const {
    std::string out;
    for (auto id : ids) {
      if (id == eos_id_) break;
      out += id == mask_id_ ? mask_glyph : piece(id);
    }
    return out;
  }

  /// The text of one token (special tokens as written in vocab.json).
  [[nodiscard]] const std::string& piece(unmask::token_id id) const {
    unmask::detail::require(id >= 0 && id < static_cast<unmask::token_id>(tokens_.size()), "token", id, "must lie in [0, vocab)");
    return tokens_[static_cast<std::size_t>(id)];
  }

 private:
  unmask::token_id char_id(char c, const std::string& text) const {
    auto it = index_.find(std::string(1, c));
    if (it == index_.end())
      throw unmask::error(unmask::errc::invalid_argument, "prompt", "prompt = \"" + text + "\": character '" + std::string(1, c) + "' is not in the vocabulary");
    return it->second;
  }
  std::string keyword_list() const {
    std::string r;
    for (const auto& k : keywords_) r += (r.empty() ? "" : ", ") + k;
    return r;
  }
  std::vector<std::string> tokens_, keywords_;
  std::map<std::string, unmask::token_id> index_;
  unmask::token_id mask_id_ = -1, eos_id_ = -1;
};

}  // namespace unmask_model
