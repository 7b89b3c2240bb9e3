// unmask tests: a Catch2 matcher for unmask::error (code, parameter, text in what()).
// Used with REQUIRE_THROWS_MATCHES by the bad-input tests.
#pragma once

#include <unmask/core/error.hpp>

#include <catch2/catch.hpp>

#include <string>

namespace unmask_test {

inline const char* errc_name(unmask::errc c) {
  switch (c) {
    case unmask::errc::invalid_argument:
      return "invalid_argument";
    case unmask::errc::invalid_logits:
      return "invalid_logits";
    case unmask::errc::shape_mismatch:
      return "shape_mismatch";
    case unmask::errc::model_failure:
      return "model_failure";
    case unmask::errc::bound_exceeded:
      return "bound_exceeded";
  }
  return "?";
}

/// Matches an unmask::error with the given code and parameter() whose what() contains `text`.
class error_is : public Catch::MatcherBase<unmask::error> {
 public:
  error_is(unmask::errc code, std::string parameter, std::string text)
      : code_(code), parameter_(std::move(parameter)), text_(std::move(text)) {}
  bool match(const unmask::error& e) const override {
    return e.code() == code_ && e.parameter() == parameter_ && std::string(e.what()).find(text_) != std::string::npos;
  }
  std::string describe() const override {
    return std::string("is unmask::error{") + errc_name(code_) + ", parameter \"" + parameter_ +
           "\", what() containing \"" + text_ + "\"}";
  }

 private:
  unmask::errc code_;
  std::string parameter_, text_;
};

}  // namespace unmask_test

namespace Catch {
template <>
struct StringMaker<unmask::error> {
  static std::string convert(const unmask::error& e) {
    return std::string("unmask::error{") + unmask_test::errc_name(e.code()) + ", \"" + e.parameter() + "\", \"" +
           e.what() + "\"}";
  }
};
}  // namespace Catch
