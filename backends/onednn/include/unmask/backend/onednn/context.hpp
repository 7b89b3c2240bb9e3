// unmask: the oneDNN execution context: one CPU engine and one in-order stream.
// Every primitive of the oneDNN backend is created on this engine and runs on this stream.
#pragma once

#include <unmask/core/config.hpp>
#include <unmask/core/error.hpp>

#include <oneapi/dnnl/dnnl.hpp>

#include <unordered_map>
#include <utility>
#include <vector>

UNMASK_NAMESPACE_BEGIN
namespace onednn {

/// A oneDNN CPU engine and one in-order stream on it. The backend's own kernels (the
/// score pass, RoPE, RMSNorm) read and write the memory of this engine directly, so the
/// engine must be a CPU engine. Not thread-safe: one context per thread that executes.
/// Construction costs a few microseconds; keep one per model or plan, not per step.
class context {
 public:
  /// CPU engine 0 (throws unmask::error if oneDNN has no CPU engine).
  context() : context(make_cpu_engine()) {}
  /// An existing engine; it must be a CPU engine.
  explicit context(dnnl::engine engine) : engine_(std::move(engine)) {
    unmask::detail::require(engine_.get_kind() == dnnl::engine::kind::cpu, "engine", "not a CPU engine",
                            "the oneDNN backend runs its own kernels on host memory: pass a CPU engine");
    stream_ = dnnl::stream(engine_);
  }

  [[nodiscard]] const dnnl::engine& engine() const noexcept { return engine_; }
  [[nodiscard]] dnnl::stream& stream() noexcept { return stream_; }
  /// Blocks until everything submitted to the stream has run.
  void wait() { stream_.wait(); }

 private:
  static dnnl::engine make_cpu_engine() {
    unmask::detail::require(dnnl::engine::get_count(dnnl::engine::kind::cpu) > 0, "engine", 0,
                            "oneDNN reports no CPU engine");
    return dnnl::engine(dnnl::engine::kind::cpu, 0);
  }

  dnnl::engine engine_;
  dnnl::stream stream_;
};

namespace detail {

/// Runs `fn()`; a dnnl::error becomes unmask::error{code, parameter} with oneDNN's message.
template <class Fn>
decltype(auto) guarded(const char* parameter, Fn&& fn, errc code = errc::invalid_argument) {
  try {
    return fn();
  } catch (const dnnl::error& e) {
    throw error(code, parameter, unmask::detail::concat(parameter, ": oneDNN: ", e.what()));
  }
}

/// A primitive's arguments in the C API's form, built once outside the step loop.
/// dnnl::primitive::execute copies its argument map into a new vector on every call;
/// executing through this does not (what oneDNN allocates inside execute is its own).
class bound_args {
 public:
  bound_args() = default;
  explicit bound_args(const std::unordered_map<int, dnnl::memory>& args) {
    keep_.reserve(args.size());
    c_.reserve(args.size());
    for (const auto& [index, mem] : args) {
      keep_.push_back(mem);
      c_.push_back({index, mem.get()});
    }
  }
  /// Submits `p` to `s` with these arguments.
  void execute(const dnnl::primitive& p, dnnl::stream& s) const {
    dnnl::error::wrap_c_api(dnnl_primitive_execute(p.get(), s.get(), static_cast<int>(c_.size()), c_.data()),
                            "could not execute a primitive");
  }

 private:
  std::vector<dnnl::memory> keep_;  // keeps the memory objects alive
  std::vector<dnnl_exec_arg_t> c_;
};

}  // namespace detail
}  // namespace onednn
UNMASK_NAMESPACE_END
