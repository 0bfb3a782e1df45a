// Clock: time for pacing replays, injectable so that tests never wait on wall time.
//
//   sluice::FakeClock clock;               // starts at an arbitrary fixed instant
//   clock.SleepUntil(clock.Now() + 5s);    // returns at once; Now() advanced by 5 s
//   clock.slept();                         // 5 s in total
#pragma once

#include <chrono>
#include <mutex>

namespace sluice {

class Clock {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  using Duration = std::chrono::steady_clock::duration;
  virtual ~Clock() = default;
  virtual TimePoint Now() = 0;
  virtual void SleepUntil(TimePoint deadline) = 0;
};

/// The steady wall clock.
class SystemClock final : public Clock {
 public:
  TimePoint Now() override { return std::chrono::steady_clock::now(); }
  void SleepUntil(TimePoint deadline) override;
  static SystemClock& Instance();
};

/// A clock that only moves when slept on. Thread-safe.
class FakeClock final : public Clock {
 public:
  TimePoint Now() override;
  void SleepUntil(TimePoint deadline) override;
  /// Total time slept so far.
  Duration slept();

 private:
  std::mutex mutex_;
  TimePoint now_{std::chrono::hours(1)};
  Duration slept_{0};
};

}  // namespace sluice
