#include "framework/clock.h"

#include <thread>

namespace sluice {

void SystemClock::SleepUntil(TimePoint deadline) { std::this_thread::sleep_until(deadline); }

SystemClock& SystemClock::Instance() {
  static SystemClock clock;
  return clock;
}

FakeClock::TimePoint FakeClock::Now() {
  std::lock_guard lock(mutex_);
  return now_;
}

void FakeClock::SleepUntil(TimePoint deadline) {
  std::lock_guard lock(mutex_);
  if (deadline > now_) {
    slept_ += deadline - now_;
    now_ = deadline;
  }
}

FakeClock::Duration FakeClock::slept() {
  std::lock_guard lock(mutex_);
  return slept_;
}

}  // namespace sluice
