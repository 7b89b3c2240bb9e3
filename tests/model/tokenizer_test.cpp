// Tests of the tiny model's tokenizer and task checkers against the Python-generated held-out set.
#include "model/tasks.hpp"
#include "model/tokenizer.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <string>

namespace {
const std::string model_dir = std::string(UNMASK_SOURCE_DIR) + "/models/tiny-mdm";
}

TEST_CASE("tokenizer: keyword + characters, decode stops at EOS") {
  const auto tok = unmask_model::tokenizer::load(model_dir + "/vocab.json");
  CHECK(tok.vocab_size() == 47);
  const auto ids = tok.encode("repeat cat 3");
  REQUIRE(ids.size() == 1 + 1 + 3 + 1 + 1);
  CHECK(tok.piece(ids[0]) == "repeat");
  CHECK(tok.decode(ids) == "repeat cat 3");
  auto with_tail = tok.encode_chars("12+5=17");
  with_tail.push_back(tok.eos_id());
  with_tail.push_back(tok.encode_chars("9")[0]);
  CHECK(tok.decode(with_tail) == "12+5=17");
  const std::vector<unmask::token_id> masked{tok.encode_chars("a")[0], tok.mask_id(), tok.encode_chars("b")[0]};
  CHECK(tok.decode(masked) == "a_b");
  CHECK_THROWS_AS(tok.encode("multiply 3"), unmask::error);
  CHECK_THROWS_AS(tok.encode("reverse ABC"), unmask::error);
  CHECK_THROWS_AS(tok.piece(47), unmask::error);
}

TEST_CASE("tasks: the C++ checker agrees with the Python generator on every held-out problem") {
  const auto tok = unmask_model::tokenizer::load(model_dir + "/vocab.json");
  std::ifstream in(model_dir + "/heldout.json");
  REQUIRE(in);
  const auto j = nlohmann::json::parse(in);
  const auto& probs = j.at("problems");
  REQUIRE(probs.size() >= 100);
  for (const auto& p : probs) {
    const auto prompt = p.at("prompt").get<std::string>();
    const auto answer = p.at("answer").get<std::string>();
    INFO(prompt);
    CHECK(unmask_model::solve(prompt) == answer);
    CHECK(unmask_model::check(prompt, answer));
    CHECK_FALSE(unmask_model::check(prompt, answer + " "));
    CHECK(tok.decode(tok.encode(prompt)) == prompt);
    CHECK(tok.decode(tok.encode_chars(answer)) == answer);
  }
  CHECK_FALSE(unmask_model::solve("countdown 3 5").has_value());
  CHECK_FALSE(unmask_model::solve("add 7").has_value());
  CHECK(unmask_model::solve("add 2+5+7") == "2+5=7,7+7=14");
  CHECK(unmask_model::solve("countdown 3 1") == "3 2 1");
}
