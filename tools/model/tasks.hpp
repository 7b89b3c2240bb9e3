// unmask-model: exact checkers of the synthetic tasks the tiny model was trained on.
// The C++ twin of tools/train/tasks.py::solve: the one correct answer of a prompt.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace unmask_model {

namespace detail {
inline std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}
// A non-negative decimal of at most 9 digits (no sign, no spaces), as Python's int() on our inputs.
inline std::optional<std::int64_t> number(const std::string& s) {
  if (s.empty() || s.size() > 9) return std::nullopt;
  std::int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}
}  // namespace detail

/// The correct answer of `prompt` (countdown HI LO, reverse S, sort DIGITS, repeat WORD N,
/// add A+B+...), or nullopt when the prompt is not a valid problem. Answers are bounded
/// by the input sizes (countdown and repeat refuse counts above 10 000).
inline std::optional<std::string> solve(const std::string& prompt) {
  const auto parts = detail::split(prompt, ' ');
  const std::string& task = parts[0];
  if (task == "countdown" && parts.size() == 3) {
    const auto hi = detail::number(parts[1]), lo = detail::number(parts[2]);
    if (!hi || !lo || *lo > *hi || *hi > 10000) return std::nullopt;
    std::ostringstream out;
    for (auto i = *hi; i >= *lo; --i) out << (i == *hi ? "" : " ") << i;
    return out.str();
  }
  if (task == "reverse" && parts.size() == 2) return std::string(parts[1].rbegin(), parts[1].rend());
  if (task == "sort" && parts.size() == 2) {
    std::string s = parts[1];
    std::sort(s.begin(), s.end());
    return s;
  }
  if (task == "repeat" && parts.size() == 3) {
    const auto n = detail::number(parts[2]);
    if (!n || *n > 10000) return std::nullopt;
    std::string out;
    for (std::int64_t i = 0; i < *n; ++i) out += (i ? " " : "") + parts[1];
    return out;
  }
  if (task == "add" && parts.size() == 2) {
    const auto terms = detail::split(parts[1], '+');
    if (terms.size() < 2) return std::nullopt;
    std::vector<std::int64_t> v;
    for (const auto& t : terms) {
      const auto x = detail::number(t);
      if (!x) return std::nullopt;
      v.push_back(*x);
    }
    std::ostringstream out;  // (string += trips GCC 12's -Wrestrict false positive at -O3)
    std::int64_t acc = v[0];
    for (std::size_t i = 1; i < v.size(); ++i) {
      if (i > 1) out << ',';
      out << acc << '+' << v[i] << '=' << acc + v[i];
      acc += v[i];
    }
    return out.str();
  }
  return std::nullopt;
}

/// Exact check: `answer` (decoded up to the first EOS) equals the solution.
inline bool check(const std::string& prompt, const std::string& answer) {
  const auto want = solve(prompt);
  return want && *want == answer;
}

}  // namespace unmask_model
