// Calibration samples measured on parallel threads: each thread takes the
// next sample (texts differ in length), results land at their sample's
// index so that folding them in order gives the same result on any number
// of threads. The first error stops the remaining samples and is rethrown.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ssmsim {

// measure(i) for i in [0, n); progress(done), if set, is called one call at
// a time as samples finish.
template <typename Result, typename Measure>
std::vector<Result> measure_samples(size_t n, const Measure& measure,
                                    const std::function<void(size_t done)>& progress) {
  std::vector<Result> got(n);
  std::atomic<size_t> next{0};
  size_t done = 0;
  std::exception_ptr failed;
  std::mutex m;
  const auto worker = [&] {
    for (size_t i; (i = next++) < n;) {
      try {
        got[i] = measure(i);
        if (progress) {
          const std::lock_guard<std::mutex> lock(m);
          progress(++done);
        }
      } catch (...) {
        const std::lock_guard<std::mutex> lock(m);
        if (!failed) failed = std::current_exception();
        next = n;
      }
    }
  };
  const size_t threads = std::min<size_t>(n, std::max(1u, std::thread::hardware_concurrency()));
  std::vector<std::thread> pool;
  for (size_t i = 0; i < threads; ++i) pool.emplace_back(worker);
  for (auto& th : pool) th.join();
  if (failed) std::rethrow_exception(failed);
  return got;
}

}  // namespace ssmsim
