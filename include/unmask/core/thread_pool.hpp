// unmask: a small fixed thread pool owned by the caller, with a static parallel_for.
// Static partitioning: which thread runs an index never changes what is computed.
#pragma once

#include <unmask/core/config.hpp>
#include <unmask/core/error.hpp>

#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

UNMASK_NAMESPACE_BEGIN

/// `size()` threads (the caller counts as one) that run `parallel_for(n, fn)`: [0, n)
/// is cut into `size()` contiguous parts, part t = [n t / size, n (t+1) / size), and
/// `fn(i)` runs for every i of a part on one thread, in increasing i. Kernels write
/// only their own index's output, so results are identical for any thread count.
/// `parallel_for` allocates nothing (the callable is passed by address), blocks until
/// every part is done and rethrows the first exception a part threw (by part order).
/// Not reentrant: one parallel_for at a time per pool. Threads start in the
/// constructor and join in the destructor.
class thread_pool {
 public:
  /// `threads` >= 1 in total; 1 runs everything on the calling thread.
  explicit thread_pool(index_t threads) {
    detail::require(threads >= 1 && threads <= 1024, "threads", threads, "must lie in [1, 1024]");
    size_ = threads;
    errors_.resize(static_cast<std::size_t>(threads));
    workers_.reserve(static_cast<std::size_t>(threads - 1));
    for (index_t t = 1; t < threads; ++t) workers_.emplace_back([this, t] { work(t); });
  }
  thread_pool(const thread_pool&) = delete;
  thread_pool& operator=(const thread_pool&) = delete;
  ~thread_pool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    start_.notify_all();
    for (auto& w : workers_) w.join();
  }

  [[nodiscard]] index_t size() const noexcept { return size_; }

  /// Runs fn(i) for i in [0, n) across the pool (see the class comment).
  template <class Fn>
  void parallel_for(index_t n, Fn&& fn) {
    if (n <= 0) return;
    using F = std::remove_reference_t<Fn>;
    if (size_ == 1 || n == 1) {
      for (index_t i = 0; i < n; ++i) fn(i);
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      n_ = n;
      ctx_ = const_cast<void*>(static_cast<const void*>(&fn));
      call_ = [](void* c, index_t b, index_t e) {
        F& f = *static_cast<F*>(c);
        for (index_t i = b; i < e; ++i) f(i);
      };
      pending_ = size_ - 1;
      generation_ += 1;
    }
    start_.notify_all();
    run_part(0);
    {
      std::unique_lock<std::mutex> lock(mutex_);
      done_.wait(lock, [this] { return pending_ == 0; });
    }
    for (auto& e : errors_)
      if (e) {
        std::exception_ptr first = std::exchange(e, nullptr);
        for (auto& rest : errors_) rest = nullptr;
        std::rethrow_exception(first);
      }
  }

 private:
  void run_part(index_t t) noexcept {
    const index_t b = n_ * t / size_, e = n_ * (t + 1) / size_;
    try {
      if (b < e) call_(ctx_, b, e);
    } catch (...) {
      errors_[static_cast<std::size_t>(t)] = std::current_exception();
    }
  }
  void work(index_t t) {
    std::uint64_t seen = 0;
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mutex_);
        start_.wait(lock, [&] { return stop_ || generation_ != seen; });
        if (stop_) return;
        seen = generation_;
      }
      run_part(t);
      bool last = false;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        last = --pending_ == 0;
      }
      if (last) done_.notify_one();
    }
  }

  index_t size_ = 1;
  std::vector<std::thread> workers_;
  std::vector<std::exception_ptr> errors_;
  std::mutex mutex_;
  std::condition_variable start_, done_;
  std::uint64_t generation_ = 0;
  index_t pending_ = 0;
  bool stop_ = false;
  index_t n_ = 0;
  void* ctx_ = nullptr;
  void (*call_)(void*, index_t, index_t) = nullptr;
};

/// fn(i) for i in [0, n): across `pool` when given (parallel_for), else in order on the
/// calling thread. What every batch kernel does with its optional pool.
template <class Fn>
void for_each_index(thread_pool* pool, index_t n, Fn&& fn) {
  if (pool != nullptr) {
    pool->parallel_for(n, fn);
  } else {
    for (index_t i = 0; i < n; ++i) fn(i);
  }
}

UNMASK_NAMESPACE_END
