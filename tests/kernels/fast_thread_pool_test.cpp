// thread_pool: parallel_for covers every index once, in static contiguous parts, and
// rethrows a part's exception; the pool is reusable.
#include <unmask/core/error.hpp>
#include <unmask/core/thread_pool.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

using unmask::index_t;

TEST_CASE("thread_pool::parallel_for covers 0..n in static parts", "[core][fast][thread_pool]") {
  for (const index_t threads : {1, 2, 3, 5}) {
    unmask::thread_pool pool(threads);
    CHECK(pool.size() == threads);
    for (const index_t n : {0, 1, 2, 7, 100, 1001}) {
      std::vector<int> hits(static_cast<std::size_t>(n), 0);
      std::vector<std::thread::id> who(static_cast<std::size_t>(n));
      pool.parallel_for(n, [&](index_t i) {
        hits[static_cast<std::size_t>(i)] += 1;
        who[static_cast<std::size_t>(i)] = std::this_thread::get_id();
      });
      CAPTURE(threads, n);
      for (int h : hits) CHECK(h == 1);
      if (n > 1 && threads > 1) {
        // Part t = [n t / T, n (t+1) / T) runs on one thread; distinct parts on distinct threads.
        for (index_t t = 0; t < threads; ++t) {
          const index_t b = n * t / threads, e = n * (t + 1) / threads;
          for (index_t i = b + 1; i < e; ++i)
            CHECK(who[static_cast<std::size_t>(i)] == who[static_cast<std::size_t>(b)]);
          if (t > 0 && b < e && n * (t - 1) / threads < b)
            CHECK(who[static_cast<std::size_t>(b)] != who[static_cast<std::size_t>(n * (t - 1) / threads)]);
        }
        if (n >= threads) CHECK(who[0] == std::this_thread::get_id());  // part 0 (nonempty) runs on the caller
      }
    }
  }
}

TEST_CASE("thread_pool rethrows and stays usable", "[core][fast][thread_pool][errors]") {
  unmask::thread_pool pool(3);
  std::atomic<int> ran{0};
  CHECK_THROWS_AS(pool.parallel_for(30,
                                    [&](index_t i) {
                                      ran += 1;
                                      if (i == 25) throw std::runtime_error("part 2");
                                    }),
                  std::runtime_error);
  CHECK(ran.load() >= 21);  // the other parts ran to the end
  std::atomic<index_t> sum{0};
  pool.parallel_for(100, [&](index_t i) { sum += i; });
  CHECK(sum.load() == 4950);
  CHECK_THROWS_AS(unmask::thread_pool(0), unmask::error);
}
