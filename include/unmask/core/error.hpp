// unmask: the library's exception type.
// Every rejected input throws unmask::error naming the parameter and the value.
#pragma once

#include <unmask/core/config.hpp>

#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

UNMASK_NAMESPACE_BEGIN

/// What kind of failure an `error` reports.
enum class errc {
  invalid_argument,  ///< a parameter or input value is out of its domain
  invalid_logits,    ///< the model wrote NaN / +Inf, or a scored row is all -Inf
  shape_mismatch,    ///< a buffer of the wrong size or rows that must agree do not
  model_failure,     ///< the model did not answer a request (e.g. replay diverged)
  bound_exceeded,    ///< a loop reached its proven bound (a policy bug, never a hang)
};

/// The only exception type the library throws. `parameter()` names the offending
/// parameter; `what()` carries a full sentence with the value.
class error : public std::runtime_error {
 public:
  error(errc code, std::string parameter, const std::string& message)
      : std::runtime_error(message), code_(code), parameter_(std::move(parameter)) {}
  [[nodiscard]] errc code() const noexcept { return code_; }
  [[nodiscard]] const std::string& parameter() const noexcept { return parameter_; }

 private:
  errc code_;
  std::string parameter_;
};

namespace detail {

template <class... Parts>
[[nodiscard]] std::string concat(const Parts&... parts) {
  std::ostringstream os;
  os.precision(17);
  (os << ... << parts);
  return os.str();
}

/// Throws `error{code, parameter, "<parameter> = <value>: <requirement>"}`.
template <class Value>
[[noreturn]] void fail(errc code, const char* parameter, const Value& value, const char* requirement) {
  throw error(code, parameter, concat(parameter, " = ", value, ": ", requirement));
}

/// Checks an argument; on failure throws naming `parameter` and `value`.
template <class Value>
void require(bool ok, const char* parameter, const Value& value, const char* requirement,
             errc code = errc::invalid_argument) {
  if (!ok) fail(code, parameter, value, requirement);
}

}  // namespace detail

UNMASK_NAMESPACE_END
