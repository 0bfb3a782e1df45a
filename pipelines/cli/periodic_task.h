// PeriodicTask: calls a function at a fixed period on a thread of its own, until stopped.
// `sluice run` uses one to write out what the jsonl and dead-letter writers buffer, so that
// a paused input's lines reach the files while it waits, and one to redraw its progress
// line.
//
//   std::mutex mutex;  // also held by whoever writes to `out`
//   PeriodicTask flush(std::chrono::milliseconds(50), [&] {
//     std::lock_guard lock(mutex);
//     out.Flush();
//   });
//   ... run ...
//   flush.Stop();  // at once, not after a period; the destructor stops it too
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace sluice::cli {

class PeriodicTask {
 public:
  /// Starts the thread; `task` first runs one `period` from now.
  PeriodicTask(std::chrono::milliseconds period, std::function<void()> task);
  ~PeriodicTask() { Stop(); }
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;

  /// Wakes the thread and joins it: `task` does not run once this returns. Idempotent.
  void Stop();

 private:
  void Loop();

  const std::chrono::milliseconds period_;
  const std::function<void()> task_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;  // last: it starts once the members above exist
};

}  // namespace sluice::cli
