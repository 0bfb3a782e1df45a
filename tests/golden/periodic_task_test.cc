// PeriodicTask, which streams `sluice run`'s jsonl output and dead letters and redraws its
// progress line.
#include "pipelines/cli/periodic_task.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <thread>

namespace sluice::cli {
namespace {

using namespace std::chrono_literals;

TEST(PeriodicTaskTest, CallsTheFunctionEveryPeriodUntilDestroyed) {
  std::atomic<int> calls{0};
  std::optional<PeriodicTask> flush;
  flush.emplace(10ms, [&] { ++calls; });
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (calls.load() < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_GE(calls.load(), 3);
  flush.reset();
  const int after_stop = calls.load();
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(calls.load(), after_stop);
}

// Every `sluice run` that streams ends by destroying one: it must not sleep out its period.
TEST(PeriodicTaskTest, DestructionDoesNotWaitForThePeriod) {
  std::optional<PeriodicTask> flush;
  flush.emplace(1h, [] {});
  std::this_thread::sleep_for(5ms);  // the thread is waiting by now
  const auto begin = std::chrono::steady_clock::now();
  flush.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 1s);
}

TEST(PeriodicTaskTest, StopTwiceAndThenTheDestructorIsFine) {
  int calls = 0;
  PeriodicTask task(1h, [&] { ++calls; });
  task.Stop();
  task.Stop();
  EXPECT_EQ(calls, 0);
}

}  // namespace
}  // namespace sluice::cli
