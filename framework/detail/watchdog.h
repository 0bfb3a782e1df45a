// Internal: notices a stage worker stuck on one record for longer than its stall_timeout.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace sluice::detail {

class Watchdog {
 public:
  /// What one worker is doing: the steady-clock time it took its current batch, or 0, and
  /// how many items it has come to. Stamped only where the stage has a stall_timeout (Run
  /// skips the other beats). On cache lines of its own, as its worker writes items_done for
  /// every item (the watchdog's own fields are written a few times a second).
  struct alignas(64) Beat {
    const std::string* stage;
    std::chrono::nanoseconds timeout;
    std::atomic<int64_t> busy_since{0};
    std::atomic<uint64_t> items_done{0};  // see ProcessBatch
    // The watchdog thread's own: items_done as it last saw it, and when it last changed.
    uint64_t seen_done = 0;
    int64_t seen_changed_at = 0;

    void Begin(std::chrono::steady_clock::time_point now) {
      busy_since.store(now.time_since_epoch().count(), std::memory_order_relaxed);
    }
    void End() { busy_since.store(0, std::memory_order_relaxed); }
  };

  ~Watchdog() { Stop(); }

  /// A beat for one worker of `stage`; valid as long as the watchdog. Before Start only.
  Beat& Add(const std::string& stage, std::chrono::milliseconds timeout);

  /// Starts checking (when any beat has a timeout). `on_stall(stage, message)` is called
  /// once, from the watchdog's thread, for the first stuck worker.
  void Start(std::function<void(const std::string&, const std::string&)> on_stall);
  void Stop();

 private:
  void Run();

  std::deque<Beat> beats_;  // a deque: beats never move
  std::function<void(const std::string&, const std::string&)> on_stall_;
  std::chrono::nanoseconds period_{std::chrono::milliseconds(100)};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace sluice::detail
