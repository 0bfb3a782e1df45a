#include "framework/detail/watchdog.h"

#include <algorithm>
#include <cstdio>

namespace sluice::detail {

Watchdog::Beat& Watchdog::Add(const std::string& stage, std::chrono::milliseconds timeout) {
  Beat& beat = beats_.emplace_back();
  beat.stage = &stage;
  beat.timeout = timeout;
  // A quarter of the timeout, reckoned in nanoseconds: in milliseconds, 1-3 ms came to a
  // period of 0, and the watchdog woke as often as the timer let it for the whole run.
  if (timeout.count() > 0) {
    period_ = std::min(period_, std::chrono::nanoseconds(timeout) / 4);
  }
  return beat;
}

void Watchdog::Start(std::function<void(const std::string&, const std::string&)> on_stall) {
  const bool any = std::any_of(beats_.begin(), beats_.end(),
                               [](const Beat& b) { return b.timeout.count() > 0; });
  if (!any) return;
  on_stall_ = std::move(on_stall);
  thread_ = std::thread([this] { Run(); });
}

void Watchdog::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Watchdog::Run() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, period_, [this] { return stopping_; })) {
    const int64_t now = std::chrono::steady_clock::now().time_since_epoch().count();
    for (Beat& beat : beats_) {
      const int64_t since = beat.busy_since.load(std::memory_order_relaxed);
      if (beat.timeout.count() <= 0 || since == 0) continue;
      // Stuck: no item begun since the batch did or since the last look that saw one begin.
      // A batch of many slow records is not (its first batch holds 32 of them, say).
      const uint64_t done = beat.items_done.load(std::memory_order_relaxed);
      if (done != beat.seen_done) {
        beat.seen_done = done;
        beat.seen_changed_at = now;
      }
      if (now - std::max(since, beat.seen_changed_at) <= beat.timeout.count()) continue;
      char seconds[32];
      std::snprintf(seconds, sizeof seconds, "%g",
                    std::chrono::duration<double>(beat.timeout).count());
      on_stall_(*beat.stage, "stage '" + *beat.stage + "' stalled: a worker has spent more than " +
                                 seconds + " s on one record (stall_timeout)");
      return;  // one report is enough: the run is failing
    }
  }
}

}  // namespace sluice::detail
