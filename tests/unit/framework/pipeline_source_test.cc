// Pipeline::Run: who reads the source, and what a failing source leaves behind.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <numeric>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "framework/pipeline.h"
#include "unit/slow_stage.h"

namespace sluice {
namespace {

using testing::HasSubstr;
using testing_stages::SlowStage;

// Lines "1".."lines"; throws once `fail_at` lines were added (0: never). Notes which threads
// read, and whether two reads ever overlapped.
class CountingSource : public Source {
 public:
  explicit CountingSource(uint64_t lines, uint64_t fail_at = 0)
      : lines_(lines), fail_at_(fail_at) {}
  std::string_view name() const override { return "counting"; }
  SourceStatus Read(Batch& batch, size_t max_items) override {
    if (reading_.exchange(true)) overlapped_ = true;
    Note(std::this_thread::get_id());
    std::this_thread::yield();  // give an overlapping read its chance
    while (batch.size() < max_items && added_ < lines_) {
      if (added_ == fail_at_ && fail_at_ != 0) {
        reading_ = false;
        throw std::runtime_error("disk on fire");
      }
      ++added_;
      batch.AddLine(std::to_string(added_), added_, 0);
    }
    reading_ = false;
    return added_ < lines_ ? SourceStatus::kMore : SourceStatus::kEnd;
  }

  std::set<std::thread::id> readers() const {
    std::lock_guard lock(mutex_);
    return readers_;
  }
  uint64_t added() const { return added_; }
  bool overlapped() const { return overlapped_; }

 private:
  void Note(std::thread::id id) {
    std::lock_guard lock(mutex_);
    readers_.insert(id);
  }
  const uint64_t lines_;
  const uint64_t fail_at_;
  uint64_t added_ = 0;
  std::atomic<bool> reading_{false};
  std::atomic<bool> overlapped_{false};
  mutable std::mutex mutex_;
  std::set<std::thread::id> readers_;
};

// Parses the line into {n}, noting which threads ran it.
class ParseOnThreads : public Stage {
 public:
  /// Each worker waits, on its first record, until `ready` (for up to 20 s).
  void HoldFirstRecordUntil(std::function<bool()> ready) { hold_until_ = std::move(ready); }
  std::unique_ptr<StageWorker> MakeWorker() override {
    struct Worker : StageWorker {
      ParseOnThreads* stage;
      FieldId n = FieldNames::Intern("n");
      bool held = false;
      Verdict Process(Item& item) override {
        if (stage->hold_until_ && !held) {
          held = true;
          const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
          while (!stage->hold_until_() && std::chrono::steady_clock::now() < give_up) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
          }
        }
        item.record.Set(n, static_cast<int64_t>(std::stoll(std::string(item.raw))));
        std::lock_guard lock(stage->mutex_);
        stage->threads_.insert(std::this_thread::get_id());
        return Verdict::kPass;
      }
    };
    auto worker = std::make_unique<Worker>();
    worker->stage = this;
    return worker;
  }
  std::set<std::thread::id> threads() const {
    std::lock_guard lock(mutex_);
    return threads_;
  }

 private:
  std::function<bool()> hold_until_;
  mutable std::mutex mutex_;
  std::set<std::thread::id> threads_;
};

struct Outcome {
  RunReport report;
  std::vector<int64_t> values;  // in delivery order
  std::set<std::thread::id> readers, workers;
  bool overlapped = false;
};

// `hold_until_second_reader`: each worker holds its first record until a second thread has
// read the source (up to 20 s), so that one worker cannot read it all while the others wait
// for a core.
Outcome RunCounting(int workers, uint64_t lines, bool ordered = false,
                    bool hold_until_second_reader = false) {
  Pipeline pipeline({.queue = {.capacity = 2, .batch = 16}, .ordered = ordered});
  CountingSource source(lines);
  auto stage = std::make_unique<ParseOnThreads>();
  ParseOnThreads* parse = stage.get();
  if (hold_until_second_reader) {
    parse->HoldFirstRecordUntil([&source] { return source.readers().size() >= 2; });
  }
  pipeline.Add({.name = "parse", .workers = workers}, std::move(stage));
  Outcome out;
  const FieldId n = FieldNames::Intern("n");
  pipeline.OnResult([&](const Record& r) { out.values.push_back(std::get<int64_t>(*r.Find(n))); });
  out.report = pipeline.Run(source);
  out.readers = source.readers();
  out.workers = parse->threads();
  out.overlapped = source.overlapped();
  return out;
}

std::vector<int64_t> OneTo(int64_t n) {
  std::vector<int64_t> values(static_cast<size_t>(n));
  std::iota(values.begin(), values.end(), 1);
  return values;
}

// A source that holds lines it took from its input, as a pipe's reader does: a stop that
// comes between two reads must still get them (a pipe cannot be read again).
class HoldingSource : public Source {
 public:
  explicit HoldingSource(Pipeline& pipeline) : pipeline_(pipeline) {}
  std::string_view name() const override { return "holding"; }
  SourceStatus Read(Batch& batch, size_t /*max_items*/) override {
    ++reads_;
    if (interrupted_) {
      batch.AddLine("99", 99, 0);  // the line it held
      return SourceStatus::kStopped;
    }
    batch.AddLine(std::to_string(reads_), reads_, 0);
    if (reads_ == 3) pipeline_.RequestStop();  // as a signal between this read and the next
    return SourceStatus::kMore;
  }
  void Interrupt() override { interrupted_ = true; }
  int reads() const { return reads_; }

 private:
  Pipeline& pipeline_;
  int reads_ = 0;
  std::atomic<bool> interrupted_{false};
};

TEST(PipelineSourceTest, AStopReadsTheSourceOnceMoreForWhatItHolds) {
  for (const int workers : {1, 2}) {
    Pipeline pipeline({.queue = {.capacity = 2, .batch = 16}, .ordered = true});
    pipeline.Add({.name = "parse", .workers = workers}, std::make_unique<ParseOnThreads>());
    std::vector<int64_t> values;
    const FieldId n = FieldNames::Intern("n");
    pipeline.OnResult([&](const Record& r) { values.push_back(std::get<int64_t>(*r.Find(n))); });
    HoldingSource source(pipeline);
    const RunReport report = pipeline.Run(source);
    EXPECT_TRUE(report.stopped_early);
    EXPECT_EQ(source.reads(), 4) << workers << " workers";
    EXPECT_EQ(values, (std::vector<int64_t>{1, 2, 3, 99})) << workers << " workers";
    EXPECT_EQ(report.totals.read, 4u);
  }
}

TEST(PipelineSourceTest, AStopBeforeRunInterruptsTheSourceBeforeItsOneRead) {
  for (const int workers : {1, 2}) {
    Pipeline pipeline({.queue = {.capacity = 2, .batch = 16}});
    pipeline.Add({.name = "parse", .workers = workers}, std::make_unique<ParseOnThreads>());
    std::vector<int64_t> values;
    const FieldId n = FieldNames::Intern("n");
    pipeline.OnResult([&](const Record& r) { values.push_back(std::get<int64_t>(*r.Find(n))); });
    HoldingSource source(pipeline);
    pipeline.RequestStop();  // a pipe's reader would otherwise wait for a line
    const RunReport report = pipeline.Run(source);
    EXPECT_TRUE(report.stopped_early);
    EXPECT_EQ(source.reads(), 1) << workers << " workers";
    EXPECT_EQ(values, (std::vector<int64_t>{99})) << workers << " workers";
    EXPECT_EQ(report.totals.read, 1u);
  }
}

// Lines "1".."lines", a batch of one line per Read; it ignores Interrupt, as a regular
// file's reader does. It asks for a stop in the Read that hands over line `stop_at`.
class StopAskingSource : public Source {
 public:
  StopAskingSource(Pipeline& pipeline, int lines, int stop_at)
      : pipeline_(pipeline), lines_(lines), stop_at_(stop_at) {}
  std::string_view name() const override { return "stop-asking"; }
  SourceStatus Read(Batch& batch, size_t /*max_items*/) override {
    ++added_;
    batch.AddLine(std::to_string(added_), added_, 0);
    if (added_ == stop_at_) pipeline_.RequestStop();
    return added_ < lines_ ? SourceStatus::kMore : SourceStatus::kEnd;
  }

 private:
  Pipeline& pipeline_;
  const int lines_;
  const int stop_at_;
  int added_ = 0;
};

// Whether a stop cut the input short is what the source's last Read says: kEnd means the
// input was all read, and the report must not say stopped_early then.
TEST(PipelineSourceTest, StoppedEarlyOnlyWhenTheLastReadLeftInput) {
  struct Case {
    int lines, stop_at;
    bool stopped_early;
    uint64_t read;
  };
  for (const Case c : {Case{5, 2, true, 3}, Case{3, 2, false, 3}, Case{3, 3, false, 3}}) {
    Pipeline pipeline({.queue = {.capacity = 2, .batch = 16}});
    pipeline.Add({.name = "parse", .workers = 1}, std::make_unique<ParseOnThreads>());
    pipeline.OnResult([](const Record&) {});
    StopAskingSource source(pipeline, c.lines, c.stop_at);
    const RunReport report = pipeline.Run(source);
    EXPECT_EQ(report.stopped_early, c.stopped_early) << c.lines << " lines, stop at " << c.stop_at;
    EXPECT_EQ(report.totals.read, c.read) << c.lines << " lines, stop at " << c.stop_at;
    EXPECT_TRUE(report.balanced());
  }
}

// Several first workers read the source themselves, one at a time, as oneTBB's serial input
// filter runs: no thread of the source's own, and every line arrives once.
TEST(PipelineSourceTest, SeveralFirstWorkersReadTheSourceInTurn) {
  Outcome out = RunCounting(/*workers=*/3, /*lines=*/20000, /*ordered=*/false,
                            /*hold_until_second_reader=*/true);
  EXPECT_FALSE(out.overlapped);
  EXPECT_FALSE(out.readers.contains(std::this_thread::get_id()));
  EXPECT_GE(out.readers.size(), 2u);
  for (std::thread::id reader : out.readers) EXPECT_TRUE(out.workers.contains(reader));
  std::sort(out.values.begin(), out.values.end());
  EXPECT_EQ(out.values, OneTo(20000));
  EXPECT_EQ(out.report.totals.read, 20000u);
  EXPECT_TRUE(out.report.balanced());
}

// A single first worker keeps its time for the stage: Run's own thread reads.
TEST(PipelineSourceTest, OneFirstWorkerLeavesReadingToRunsThread) {
  Outcome out = RunCounting(/*workers=*/1, /*lines=*/5000);
  EXPECT_EQ(out.readers, std::set<std::thread::id>{std::this_thread::get_id()});
  EXPECT_FALSE(out.workers.contains(std::this_thread::get_id()));
  EXPECT_EQ(out.values, OneTo(5000));  // one worker: in order anyway
}

// Batches are numbered in the order they were read, whichever worker read them.
TEST(PipelineSourceTest, OrderedRunWithWorkersReadingDeliversInInputOrder) {
  Outcome out = RunCounting(/*workers=*/3, /*lines=*/20000, /*ordered=*/true);
  EXPECT_EQ(out.values, OneTo(20000));
}

// A Read that throws ends the run with a ReadError, after every line read before it (those
// of the failing Read too) went through and reached the callbacks; its report accounts for
// them, and the source's exception is nested in it.
TEST(PipelineSourceTest, AFailingReadThrowsFromRunAfterWhatWasReadWentThrough) {
  for (int workers : {1, 3}) {
    SCOPED_TRACE(std::to_string(workers) + " workers");
    std::vector<int64_t> values;
    CountingSource source(/*lines=*/10000, /*fail_at=*/1000);  // within the 63rd batch of 16
    {
      Pipeline pipeline({.queue = {.capacity = 2, .batch = 16}});
      pipeline.Add({.name = "parse", .workers = workers}, std::make_unique<ParseOnThreads>());
      const FieldId n = FieldNames::Intern("n");
      pipeline.OnResult([&](const Record& r) { values.push_back(std::get<int64_t>(*r.Find(n))); });
      try {
        pipeline.Run(source);
        ADD_FAILURE() << "Run returned";
      } catch (const ReadError& e) {
        EXPECT_THAT(e.what(), HasSubstr("disk on fire"));
        const RunReport& report = e.report();
        EXPECT_EQ(report.totals.read, 1000u);
        EXPECT_EQ(report.totals.ok, 1000u);
        EXPECT_TRUE(report.balanced());
        EXPECT_TRUE(report.stopped_early);
        EXPECT_EQ(report.read_failure, e.what());
        EXPECT_THAT([&] { e.rethrow_nested(); },
                    testing::ThrowsMessage<std::runtime_error>(HasSubstr("disk on fire")));
      }
      EXPECT_EQ(pipeline.progress().read, 1000u);
    }
    std::sort(values.begin(), values.end());
    EXPECT_EQ(values, OneTo(1000));
  }
}

// An empty read_failure says the input was read: a Read that throws an empty message still
// gets one.
TEST(PipelineSourceTest, AReadFailureWithoutAMessageStillSaysSo) {
  class Silent : public Source {
   public:
    std::string_view name() const override { return "silent"; }
    SourceStatus Read(Batch&, size_t) override { throw std::runtime_error(""); }
  };
  Pipeline pipeline;
  pipeline.Add({.name = "parse"}, std::make_unique<ParseOnThreads>());
  pipeline.OnResult([](const Record&) {});
  Silent source;
  try {
    pipeline.Run(source);
    ADD_FAILURE() << "Run returned";
  } catch (const ReadError& e) {
    EXPECT_EQ(e.report().read_failure, "the source threw an empty message");
    EXPECT_TRUE(e.report().stopped_early);
  }
}

// A source that breaks Batch's rule (a line item removed before Seal) fails the run as a
// Read that throws does, also where the workers read: Seal would throw on a worker.
TEST(PipelineSourceTest, ASourceThatRemovesLineItemsFailsTheRun) {
  // Removes a line item, then returns or (`throws`) throws.
  class Skipping : public Source {
   public:
    explicit Skipping(bool throws) : throws_(throws) {}
    std::string_view name() const override { return "skipping"; }
    SourceStatus Read(Batch& batch, size_t /*max_items*/) override {
      batch.AddLine("1", 1, 0);
      batch.AddLine("# comment", 2, 2);
      batch.items.pop_back();
      if (throws_) throw std::runtime_error("read failed");
      return SourceStatus::kEnd;
    }

   private:
    bool throws_;
  };
  for (const int workers : {1, 2}) {
    for (const bool throws : {false, true}) {
      SCOPED_TRACE(std::to_string(workers) + " workers" + (throws ? ", the read throws" : ""));
      Pipeline pipeline;
      pipeline.Add({.name = "parse", .workers = workers}, std::make_unique<ParseOnThreads>());
      pipeline.OnResult([](const Record&) {});
      Skipping source(throws);
      // A Read that throws fails with its own exception (not Seal's), else with the check's.
      const char* const message =
          throws ? "read failed" : "Source::Read removed line items from its batch";
      EXPECT_THAT([&] { pipeline.Run(source); },
                  testing::ThrowsMessage<ReadError>(HasSubstr(message)));
    }
  }
}

// Holds 1,000 lines taken from its input and hands over 10 a read, all it holds once
// interrupted (as source.h asks). Its Interrupt takes a while (a read in progress to wake,
// say): it lasts until three more reads have handed over their lines, and a read after
// those waits for it (the source is not read to its end meanwhile). The second read asks for a stop
// from another thread, and returns once that stop's Interrupt is under way.
class SlowToInterrupt : public Source {
 public:
  explicit SlowToInterrupt(Pipeline& pipeline) : pipeline_(pipeline) {}
  ~SlowToInterrupt() override {
    if (stopper_.joinable()) stopper_.join();
  }
  std::string_view name() const override { return "slow-to-interrupt"; }
  SourceStatus Read(Batch& batch, size_t /*max_items*/) override {
    const int read = ++reads_;
    if (read == 2) {
      stopper_ = std::thread([this] { pipeline_.RequestStop(); });
      WaitUntil([this] { return interrupting_.load(); });
    }
    if (interrupting_.load() && read > interrupt_began_at_.load() + 3) {
      WaitUntil([this] { return interrupted(); });
    }
    std::lock_guard lock(mutex_);
    const uint64_t hand_over =
        interrupted_ ? kHeld - given_ : std::min<uint64_t>(10, kHeld - given_);
    for (uint64_t i = 0; i < hand_over; ++i) {
      ++given_;
      batch.AddLine(std::to_string(given_), given_, 0);
    }
    ++reads_done_;
    if (given_ == kHeld) return SourceStatus::kEnd;
    return interrupted_ ? SourceStatus::kStopped : SourceStatus::kMore;
  }
  void Interrupt() override {
    const int began_at = reads_.load();
    interrupt_began_at_.store(began_at);
    interrupting_.store(true);
    // Reads that come meanwhile must not be taken for the last one.
    WaitUntil([&] { return reads_done_.load() >= began_at + 3; });
    std::lock_guard lock(mutex_);
    interrupted_ = true;
  }
  int reads() const { return reads_.load(); }
  bool interrupted() {
    std::lock_guard lock(mutex_);
    return interrupted_;
  }
  static constexpr uint64_t kHeld = 1000;

 private:
  // Polls `done` for up to 20 s (a read that never comes, on a failure; sanitizers slow).
  template <class Done>
  static void WaitUntil(Done done) {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!done() && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }

  Pipeline& pipeline_;
  std::thread stopper_;
  std::atomic<int> reads_{0};
  std::atomic<int> reads_done_{0};  // reads that have handed over their lines
  std::atomic<int> interrupt_began_at_{0};
  std::atomic<bool> interrupting_{false};
  std::mutex mutex_;
  uint64_t given_ = 0;
  bool interrupted_ = false;
};

// The read after a stop must find the source interrupted: one that came between the stop
// and the Interrupt was taken for the last, and what the source held was lost.
TEST(PipelineSourceTest, TheLastReadComesAfterTheInterrupt) {
  Pipeline pipeline;
  pipeline.Add({.name = "parse"}, std::make_unique<ParseOnThreads>());
  pipeline.OnResult([](const Record&) {});
  SlowToInterrupt source(pipeline);
  const RunReport report = pipeline.Run(source);
  EXPECT_TRUE(source.interrupted());
  // The stop cut reading short: 10 lines in each of the 2 reads before the stop and the 3
  // during its Interrupt, then the 950 left in one read, not 10 a read to the end.
  EXPECT_EQ(source.reads(), 6);
  EXPECT_EQ(report.totals.read, SlowToInterrupt::kHeld);
  EXPECT_TRUE(report.balanced());
}

// The records in each batch that reached the writer.
std::vector<uint64_t> BatchSizes(std::chrono::microseconds batch_time, uint64_t lines) {
  Pipeline pipeline({.queue = {.capacity = 4, .batch = 64, .batch_time = batch_time}});
  pipeline.Add({.name = "slow", .workers = 2},
               std::make_unique<SlowStage>(std::chrono::microseconds(200)));
  std::vector<uint64_t> sizes;
  pipeline.EncodeResults([](const Record&, std::string& out) { out += '.'; },
                         [&](std::string_view, uint64_t items) { sizes.push_back(items); });
  CountingSource source(lines);
  const RunReport report = pipeline.Run(source);
  EXPECT_EQ(report.totals.ok, lines);
  return sizes;
}

// Records of at least 200 us against a batch_time of 1 ms: once a worker has reported a
// batch, batches hold at most 5 records, so that the work spreads over both workers. Each
// worker's first batch is cut before any cost is known (BatchSizer::kFirstItems, 32).
TEST(PipelineSourceTest, SlowRecordsAreCutIntoBatchesOfAboutTheBatchTime) {
  const std::vector<uint64_t> sizes = BatchSizes(std::chrono::milliseconds(1), 200);
  ASSERT_FALSE(sizes.empty());
  EXPECT_LE(*std::max_element(sizes.begin(), sizes.end()), 32u);
  EXPECT_LE(std::count_if(sizes.begin(), sizes.end(), [](uint64_t n) { return n > 5; }), 2);
  EXPECT_GE(sizes.size(), (200u - 64u) / 5u);
}

TEST(PipelineSourceTest, BatchTimeZeroKeepsFullBatches) {
  std::vector<uint64_t> sizes = BatchSizes(std::chrono::microseconds(0), 200);
  std::sort(sizes.begin(), sizes.end());
  EXPECT_EQ(sizes, (std::vector<uint64_t>{8, 64, 64, 64}));
}

// Takes lines as they come; says that rows end only outside quotes when `quote` is set.
class RowStage : public Stage {
 public:
  explicit RowStage(char quote) : quote_(quote) {}
  std::unique_ptr<StageWorker> MakeWorker() override {
    struct Pass : StageWorker {
      Verdict Process(Item&) override { return Verdict::kPass; }
    };
    return std::make_unique<Pass>();
  }
  RecordFraming Framing() const override { return {.quote = quote_, .delimiter = ','}; }

 private:
  const char quote_;
};

// CountingSource that says how it ends its records.
class FramedSource : public CountingSource {
 public:
  explicit FramedSource(RecordFraming framing) : CountingSource(3), framing_(framing) {}
  std::optional<RecordFraming> framing() const override { return framing_; }

 private:
  const RecordFraming framing_;
};

// A source cutting rows at every line break would feed a multiline CSV parser pieces of rows
// that fail one by one: Run refuses the pair before reading anything.
TEST(PipelineSourceTest, RunRefusesASourceThatEndsRecordsOtherwiseThanTheFirstStageReads) {
  Pipeline pipeline(PipelineOptions{});
  pipeline.Add({.name = "parse"}, std::make_unique<RowStage>('"'));
  FramedSource by_lines({});
  EXPECT_THAT([&] { pipeline.Run(by_lines); },
              testing::ThrowsMessage<std::logic_error>(HasSubstr(
                  "source 'counting' ends records at every line break, but the first stage "
                  "'parse' wants them ended at line breaks outside quoted fields (quote \", "
                  "delimiter ,)")));
  EXPECT_EQ(by_lines.added(), 0u);

  Pipeline matching(PipelineOptions{});
  matching.Add({.name = "parse"}, std::make_unique<RowStage>('"'));
  FramedSource by_quotes({.quote = '"', .delimiter = ','});
  EXPECT_EQ(matching.Run(by_quotes).totals.ok, 3u);

  Pipeline unknown(PipelineOptions{});  // a source that does not say is taken as it comes
  unknown.Add({.name = "parse"}, std::make_unique<RowStage>('"'));
  CountingSource silent(3);
  EXPECT_EQ(unknown.Run(silent).totals.ok, 3u);
}

TEST(PipelineSourceTest, OnlyTheFirstStageMayFrameRecords) {
  Pipeline pipeline(PipelineOptions{});
  pipeline.Add({.name = "first"}, std::make_unique<RowStage>('\0'));
  pipeline.Add({.name = "csv"}, std::make_unique<RowStage>('"'));
  EXPECT_THAT([&] { pipeline.Start(); },
              testing::ThrowsMessage<std::logic_error>(HasSubstr(
                  "stage 'csv' reads rows that span lines (parse_csv's multiline), so it must be "
                  "the first stage")));
}

}  // namespace
}  // namespace sluice
