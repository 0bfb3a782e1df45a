// PeriodicFlush: calls a function at a fixed period on a thread of its own, until it is
// destroyed. `sluice run` uses it to write out what the jsonl and dead-letter writers
// buffer, so that a paused input's lines reach the files while it waits.
//
//   std::mutex mutex;  // also held by whoever writes to `out`
//   PeriodicFlush flush(std::chrono::milliseconds(50), [&] {
//     std::lock_guard lock(mutex);
//     out.Flush();
//   });
//   ... run ...
//   // the destructor stops the thread (at once, not after a period) and joins it
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace sluice::cli {

class PeriodicFlush {
 public:
  /// Starts the thread; `flush` first runs one `period` from now.
  PeriodicFlush(std::chrono::milliseconds period, std::function<void()> flush);
  ~PeriodicFlush();
  PeriodicFlush(const PeriodicFlush&) = delete;
  PeriodicFlush& operator=(const PeriodicFlush&) = delete;

 private:
  void Loop();

  const std::chrono::milliseconds period_;
  const std::function<void()> flush_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;  // last: it starts once the members above exist
};

}  // namespace sluice::cli
