// Faults around a running pipeline: a stuck stage, a stop request, a stalled sink.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <time.h>

#include <atomic>
#include <chrono>
#include <new>
#include <stdexcept>
#include <string>
#include <thread>

#include "framework/pipeline.h"

namespace sluice {
namespace {

using namespace std::chrono_literals;

// Passes records; the record "hang" blocks its worker until `release` is set.
class HangOn : public Stage {
 public:
  explicit HangOn(std::atomic<bool>* release) : release_(release) {}
  std::unique_ptr<StageWorker> MakeWorker() override {
    struct Worker : StageWorker {
      std::atomic<bool>* release;
      Verdict Process(Item& item) override {
        while (item.raw == "hang" && !release->load()) std::this_thread::sleep_for(1ms);
        return Verdict::kPass;
      }
    };
    auto w = std::make_unique<Worker>();
    w->release = release_;
    return w;
  }

 private:
  std::atomic<bool>* release_;
};

// Sleeps `each` per record; with `release`, a record "hang" then waits for it.
class SlowRecords : public Stage {
 public:
  explicit SlowRecords(std::chrono::milliseconds each, std::atomic<bool>* release = nullptr)
      : each_(each), release_(release) {}
  std::unique_ptr<StageWorker> MakeWorker() override {
    struct Worker : StageWorker {
      std::chrono::milliseconds each;
      std::atomic<bool>* release;
      Verdict Process(Item& item) override {
        std::this_thread::sleep_for(each);
        while (release && item.raw == "hang" && !release->load()) std::this_thread::sleep_for(1ms);
        return Verdict::kPass;
      }
    };
    auto w = std::make_unique<Worker>();
    w->each = each_;
    w->release = release_;
    return w;
  }

 private:
  std::chrono::milliseconds each_;
  std::atomic<bool>* release_;
};

// An endless source of numbered lines, for stop requests.
class EndlessSource : public Source {
 public:
  std::string_view name() const override { return "endless"; }
  SourceStatus Read(Batch& batch, size_t max_items) override {
    while (batch.size() < max_items) {
      ++line_;
      batch.AddLine(std::to_string(line_), line_, 0);
    }
    return SourceStatus::kMore;
  }
  uint64_t line_ = 0;
};

// `count` numbered lines, all in the first Read.
class VectorLines : public Source {
 public:
  explicit VectorLines(int count) : count_(count) {}
  std::string_view name() const override { return "lines"; }
  SourceStatus Read(Batch& batch, size_t /*max_items*/) override {
    for (int i = 1; i <= count_; ++i) batch.AddLine(std::to_string(i), i, 0);
    return SourceStatus::kEnd;
  }

 private:
  int count_;
};

// Throws std::runtime_error on every 100th record and std::bad_alloc on every 100th + 50.
class Faulty : public Stage {
 public:
  std::unique_ptr<StageWorker> MakeWorker() override {
    struct Worker : StageWorker {
      Verdict Process(Item& item) override {
        if (item.line % 100 == 0) throw std::runtime_error("flaky dependency");
        if (item.line % 100 == 50) throw std::bad_alloc();
        return Verdict::kPass;
      }
    };
    return std::make_unique<Worker>();
  }
};

TEST(PipelineFaultsTest, ThrowingStageTurnsRecordsIntoErrorsAndTheRunCompletes) {
  Pipeline pipeline({.queue = {.capacity = 4, .batch = 64}});
  pipeline.Add({.name = "faulty", .workers = 2}, std::make_unique<Faulty>());
  std::vector<Error> errors;
  pipeline.OnError([&](const Error& e) { errors.push_back(e); });
  pipeline.Start();
  for (int i = 1; i <= 10000; ++i) pipeline.Push(std::to_string(i));
  RunReport report = pipeline.Finish();
  EXPECT_EQ(report.totals.read, 10000u);
  EXPECT_EQ(report.totals.errors, 200u);
  EXPECT_EQ(report.totals.ok, 9800u);
  EXPECT_TRUE(report.balanced());
  EXPECT_EQ(report.errors_by_stage["faulty"]["stage_failure"], 100u);
  EXPECT_EQ(report.errors_by_stage["faulty"]["resource_exhausted"], 100u);
  ASSERT_EQ(errors.size(), 200u);  // the loop below must check every error
  for (const Error& e : errors) {
    SCOPED_TRACE(testing::Message() << "line " << e.line);
    EXPECT_EQ(e.stage, "faulty");
    EXPECT_EQ(e.excerpt, std::to_string(e.line));
    if (e.line % 100 == 0) {
      EXPECT_EQ(e.code, ErrorCode::kStageFailure);
      EXPECT_EQ(e.message, "stage threw: flaky dependency");
    } else {
      EXPECT_EQ(e.line % 100, 50u);
      EXPECT_EQ(e.code, ErrorCode::kResourceExhausted);
    }
  }
}

TEST(PipelineFaultsTest, StuckStageFailsTheRunNamingItInsteadOfHanging) {
  // Static: the stuck worker outlives the test (see StallError).
  static std::atomic<bool> release_flag{false};
  static Pipeline stalling({.queue = {.capacity = 2, .batch = 4}});
  std::atomic<bool>* release = &release_flag;
  Pipeline* pipeline = &stalling;
  pipeline->Add({.name = "sticky", .workers = 1, .stall_timeout = 200ms},
                std::make_unique<HangOn>(release));
  pipeline->Start();
  const auto begin = std::chrono::steady_clock::now();
  try {
    // Push throws once the watchdog has seen the stall (blocked on a full queue), or Finish.
    for (int i = 0; i < 100; ++i) pipeline->Push(i == 10 ? "hang" : std::to_string(i));
    pipeline->Finish();
    FAIL() << "Finish returned despite a stuck stage";
  } catch (const StallError& e) {
    EXPECT_EQ(e.stage(), "sticky");
    EXPECT_THAT(e.what(), testing::HasSubstr(
                              "stage 'sticky' stalled: a worker has spent more than 0.2 s on one "
                              "record (stall_timeout)"));
  }
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 5s);
  release->store(true);  // let the detached worker finish
}

// A stall leaves the workers running, but none of them in the caller's source once Run has
// thrown: the caller may destroy it. Here a worker is in a Read (slow, as a disk or NFS read
// is) when a later stage stalls.
TEST(PipelineFaultsTest, AfterAStallRunReturnsWithNoWorkerInTheSource) {
  class SlowSecondRead : public Source {
   public:
    std::string_view name() const override { return "slow"; }
    SourceStatus Read(Batch& batch, size_t) override {
      if (reads_++ == 0) {
        batch.AddLine("hang", 1, 0);
        return SourceStatus::kMore;
      }
      in_read.store(true);
      entered_slow_read.store(true);
      std::this_thread::sleep_for(400ms);  // ignores Interrupt
      in_read.store(false);
      return SourceStatus::kEnd;
    }
    std::atomic<bool> in_read{false};
    std::atomic<bool> entered_slow_read{false};

   private:
    int reads_ = 0;  // under the read turn
  };
  // Holds the batch that carries "hang" until the other worker is in the slow Read, so that
  // the stall (timed from when "hang" reaches the sticky stage) comes while it is there.
  class WaitForTheSlowRead : public Stage {
   public:
    explicit WaitForTheSlowRead(const std::atomic<bool>* entered) : entered_(entered) {}
    std::unique_ptr<StageWorker> MakeWorker() override {
      struct Worker : StageWorker {
        const std::atomic<bool>* entered;
        Verdict Process(Item&) override {
          const auto give_up = std::chrono::steady_clock::now() + 20s;
          while (!entered->load() && std::chrono::steady_clock::now() < give_up) {
            std::this_thread::sleep_for(1ms);
          }
          return Verdict::kPass;
        }
      };
      auto w = std::make_unique<Worker>();
      w->entered = entered_;
      return w;
    }

   private:
    const std::atomic<bool>* entered_;
  };
  static std::atomic<bool> release_flag{false};  // static: the stuck worker outlives the test
  static Pipeline stalling({.queue = {.capacity = 2, .batch = 1}});
  SlowSecondRead source;
  // Two workers in the first stage: they read the source themselves, in turn. The gate has
  // no stall_timeout; the sticky stage after it, with a worker of its own, stalls.
  stalling.Add({.name = "gate", .workers = 2},
               std::make_unique<WaitForTheSlowRead>(&source.entered_slow_read));
  stalling.Add({.name = "sticky", .workers = 1, .stall_timeout = 100ms},
               std::make_unique<HangOn>(&release_flag));
  EXPECT_THROW(stalling.Run(source), StallError);
  ASSERT_TRUE(source.entered_slow_read.load()) << "no worker was in the source at the stall";
  EXPECT_FALSE(source.in_read.load());
  release_flag.store(true);
}

// stall_timeout bounds one record, not a batch: 16 records of 40 ms in one batch (640 ms)
// are progress, not a stall of 200 ms.
TEST(PipelineFaultsTest, ABatchOfSlowRecordsIsNoStall) {
  Pipeline pipeline({.queue = {.capacity = 2, .batch = 16, .batch_time = 0ms}});
  pipeline.Add({.name = "slow", .workers = 1, .stall_timeout = 200ms},
               std::make_unique<SlowRecords>(40ms));
  uint64_t results = 0;
  pipeline.OnResult([&](const Record&) { ++results; });
  pipeline.Start();
  for (int i = 0; i < 16; ++i) pipeline.Push(std::to_string(i));
  const RunReport report = pipeline.Finish();
  EXPECT_EQ(results, 16u);
  EXPECT_TRUE(report.balanced());
}

// The watchdog waits a quarter of the shortest timeout between looks: for 1-3 ms that once
// came to 0 (reckoned in whole milliseconds), and its thread woke as often as the kernel's
// timer slack let it (every ~50 us: 20% of a core here) for the whole run.
TEST(PipelineFaultsTest, TheWatchdogOfAShortTimeoutSleepsBetweenLooks) {
  const auto process_cpu = [] {
    timespec now{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
    return std::chrono::seconds(now.tv_sec) + std::chrono::nanoseconds(now.tv_nsec);
  };
  Pipeline pipeline;
  pipeline.Add({.name = "quick", .workers = 1, .stall_timeout = 3ms},
               std::make_unique<SlowRecords>(0ms));
  pipeline.Start();
  // Nothing pushed: every thread but the watchdog waits, and no worker can stall.
  const auto cpu_before = process_cpu();
  std::this_thread::sleep_for(600ms);
  const auto cpu_spent = process_cpu() - cpu_before;
  EXPECT_TRUE(pipeline.Finish().balanced());
  // 800 looks (every 750 us) took about 9 ms of CPU on the 2-core guest; with no wait, 112.
  EXPECT_LT(cpu_spent, 50ms);
}

// ... and a record that hangs after the watchdog saw the batch progress is still a stall.
TEST(PipelineFaultsTest, ARecordThatHangsAfterSlowOnesIsAStall) {
  // Static: the stuck worker outlives the test (see StallError).
  static std::atomic<bool> release_flag{false};
  static Pipeline stalling({.queue = {.capacity = 2, .batch = 16, .batch_time = 0ms}});
  stalling.Add({.name = "slow", .workers = 1, .stall_timeout = 200ms},
               std::make_unique<SlowRecords>(60ms, &release_flag));
  stalling.Start();
  for (int i = 0; i < 5; ++i) stalling.Push(std::to_string(i));
  stalling.Push("hang");
  const auto begin = std::chrono::steady_clock::now();
  EXPECT_THROW(stalling.Finish(), StallError);
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 5s);
  release_flag.store(true);  // let the detached worker finish
}

TEST(PipelineFaultsTest, RequestStopDrainsWhatWasReadAndStillBalances) {
  Pipeline pipeline({.queue = {.capacity = 4, .batch = 64}});
  std::atomic<bool> release{true};
  pipeline.Add({.name = "pass", .workers = 2}, std::make_unique<HangOn>(&release));
  uint64_t results = 0;
  pipeline.OnResult([&](const Record&) { ++results; });
  EndlessSource source;
  std::thread stopper([&] {
    while (pipeline.progress().read < 10000) std::this_thread::sleep_for(1ms);
    pipeline.RequestStop();
  });
  RunReport report = pipeline.Run(source);
  stopper.join();
  EXPECT_TRUE(report.stopped_early);
  EXPECT_GE(report.totals.read, 10000u);
  EXPECT_EQ(report.totals.read, source.line_);  // every line read entered the pipeline
  EXPECT_EQ(report.totals.ok, report.totals.read);
  EXPECT_EQ(results, report.totals.read);
  EXPECT_TRUE(report.balanced());
}

// A stop that comes once the input has ended, while the run drains, cut nothing short.
TEST(PipelineFaultsTest, AStopAfterTheInputEndedIsNotAnEarlyStop) {
  Pipeline pipeline({.queue = {.capacity = 4, .batch = 64}});
  std::atomic<bool> release{true};
  pipeline.Add({.name = "pass", .workers = 1}, std::make_unique<HangOn>(&release));
  pipeline.OnResult([&](const Record&) { pipeline.RequestStop(); });
  VectorLines source(100);  // read whole in the first Read
  RunReport report = pipeline.Run(source);
  EXPECT_FALSE(report.stopped_early);
  EXPECT_EQ(report.totals.read, 100u);
}

// A sink that blocks holds the whole pipeline back: the source stops within what the
// queues and workers can hold, nothing is dropped, and the flow resumes afterwards.
TEST(PipelineFaultsTest, StalledSinkStopsTheSourceWithinTheQueuesAndLosesNothing) {
  constexpr int kCapacity = 4, kBatch = 32, kWorkers = 2, kStages = 2;
  Pipeline pipeline({.queue = {.capacity = kCapacity, .batch = kBatch}});
  std::atomic<bool> release{true};
  for (int s = 0; s < kStages; ++s) {
    pipeline.Add({.name = "pass" + std::to_string(s), .workers = kWorkers},
                 std::make_unique<HangOn>(&release));
  }
  std::atomic<bool> sink_blocked{true};
  std::atomic<uint64_t> delivered{0};
  pipeline.OnResult([&](const Record&) {
    while (sink_blocked.load()) std::this_thread::sleep_for(1ms);
    ++delivered;
  });
  constexpr uint64_t kLines = 200000;
  std::thread feeder([&] {
    pipeline.Start();
    for (uint64_t i = 0; i < kLines; ++i) pipeline.Push(std::to_string(i));
  });
  std::this_thread::sleep_for(300ms);
  const uint64_t read_while_blocked = pipeline.progress().read;
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(pipeline.progress().read, read_while_blocked) << "the source kept reading";
  // Edges: input + between stages + to the collector; plus a batch in each worker and in
  // the collector, and the one being pushed.
  const uint64_t bound = uint64_t{kBatch} * ((kStages + 1) * kCapacity + kStages * kWorkers + 2);
  EXPECT_LE(read_while_blocked, bound);
  sink_blocked = false;
  feeder.join();
  RunReport report = pipeline.Finish();
  EXPECT_EQ(delivered.load(), kLines);
  EXPECT_EQ(report.totals.ok, kLines);
  EXPECT_TRUE(report.balanced());
}

}  // namespace
}  // namespace sluice
