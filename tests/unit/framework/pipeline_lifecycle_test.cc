// The Pipeline's lifecycle as an embedder meets it: calls out of order, a Start that
// fails, destruction mid-run, and renaming the input while records are in flight.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "framework/pipeline.h"
#include "framework/source.h"

namespace sluice {
namespace {

using namespace std::chrono_literals;
using testing::HasSubstr;
using testing::ThrowsMessage;

// Passes every record; lines "bad..." fail. `slow` sleeps per record (for destruction
// while busy); the line "hang" blocks until `release` is set.
class Check : public Stage {
 public:
  explicit Check(std::chrono::microseconds slow = 0us, std::atomic<bool>* release = nullptr)
      : slow_(slow), release_(release) {}
  std::unique_ptr<StageWorker> MakeWorker() override {
    struct Worker : StageWorker {
      std::chrono::microseconds slow;
      std::atomic<bool>* release;
      Verdict Process(Item& item) override {
        while (item.raw == "hang" && release != nullptr && !release->load()) {
          std::this_thread::sleep_for(1ms);
        }
        if (slow > 0us) std::this_thread::sleep_for(slow);
        if (item.raw.starts_with("bad")) return item.Fail(ErrorCode::kInvalidInput, "bad line");
        return Verdict::kPass;
      }
    };
    auto w = std::make_unique<Worker>();
    w->slow = slow_;
    w->release = release_;
    return w;
  }

 private:
  std::chrono::microseconds slow_;
  std::atomic<bool>* release_;
};

// Sets `*exited` when the calling thread ends, after its last use of the pipeline: a stuck
// worker, released, is seen to run on through the kept internals to its end.
void SetWhenThisThreadEnds(std::atomic<bool>* exited) {
  struct OnExit {
    std::atomic<bool>* flag = nullptr;
    ~OnExit() {
      if (flag != nullptr) flag->store(true);
    }
  };
  thread_local OnExit on_exit;
  on_exit.flag = exited;
}

// The line "hang" sets `hanging` and blocks its worker until `release` is set; the worker's
// thread then sets `exited` when it ends.
class HangThenNoteExit : public Stage {
 public:
  HangThenNoteExit(std::atomic<bool>* release, std::atomic<bool>* exited,
                   std::atomic<bool>* hanging = nullptr)
      : release_(release), exited_(exited), hanging_(hanging) {}
  std::unique_ptr<StageWorker> MakeWorker() override {
    struct Worker : StageWorker {
      std::atomic<bool>* release;
      std::atomic<bool>* exited;
      std::atomic<bool>* hanging;
      Verdict Process(Item& item) override {
        if (item.raw == "hang") {
          SetWhenThisThreadEnds(exited);
          if (hanging != nullptr) hanging->store(true);
          while (!release->load()) std::this_thread::sleep_for(1ms);
        }
        return Verdict::kPass;
      }
    };
    auto w = std::make_unique<Worker>();
    w->release = release_;
    w->exited = exited_;
    w->hanging = hanging_;
    return w;
  }

 private:
  std::atomic<bool>* release_;
  std::atomic<bool>* exited_;
  std::atomic<bool>* hanging_;
};

// Polls `flag` for up to 20 s: true once it is set.
bool BecomesTrue(const std::atomic<bool>& flag) {
  const auto give_up = std::chrono::steady_clock::now() + 20s;
  while (!flag.load() && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(1ms);
  }
  return flag.load();
}

// Throws from MakeWorker or Project.
class CannotStart : public Stage {
 public:
  explicit CannotStart(bool in_project) : in_project_(in_project) {}
  std::unique_ptr<StageWorker> MakeWorker() override { throw std::runtime_error("no worker"); }
  void Project(const FieldNeeds&) override {
    if (in_project_) throw std::runtime_error("no projection");
  }

 private:
  bool in_project_;
};

// Absorbs everything; Finish makes one row.
class CountAll : public Stage {
  struct Worker : StageWorker {
    Verdict Process(Item&) override { return Verdict::kAbsorb; }
  };

 public:
  std::unique_ptr<StageWorker> MakeWorker() override { return std::make_unique<Worker>(); }
  bool AbsorbsRecords() const override { return true; }
};

TEST(PipelineLifecycleTest, AStartThatThrowsLeavesAPipelineThatRefusesUseAndDestroysCleanly) {
  for (const bool in_project : {false, true}) {
    SCOPED_TRACE(in_project ? "Project throws" : "MakeWorker throws");
    Pipeline pipeline;
    pipeline.Add({.name = "first", .workers = 2}, std::make_unique<Check>());
    pipeline.Add({.name = "broken", .workers = 2}, std::make_unique<CannotStart>(in_project));
    EXPECT_THROW(pipeline.Start(), std::runtime_error);
    EXPECT_THROW(pipeline.Push("1"), std::logic_error);
    EXPECT_THROW(pipeline.Flush(), std::logic_error);
    EXPECT_THROW(pipeline.Start(), std::logic_error);
    try {
      pipeline.Finish();
      FAIL() << "Finish after a failed Start returned";
    } catch (const std::logic_error& e) {
      EXPECT_THAT(e.what(), HasSubstr("failed Start"));
    }
  }  // each pipeline is destroyed here: it must not crash
}

TEST(PipelineLifecycleTest, PushOutsideStartAndFinishThrowsInsteadOfLosingRecords) {
  Pipeline pipeline;
  pipeline.Add({.name = "check"}, std::make_unique<Check>());
  uint64_t results = 0;
  pipeline.OnResult([&](const Record&) { ++results; });
  try {
    pipeline.Push("early");
    FAIL() << "Push before Start was accepted";
  } catch (const std::logic_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("Pipeline::Push outside Start..Finish"));
  }
  EXPECT_THROW(pipeline.Push(Record{}), std::logic_error);
  pipeline.Start();
  for (int i = 0; i < 10; ++i) pipeline.Push(std::to_string(i));
  const RunReport report = pipeline.Finish();
  EXPECT_EQ(report.totals.read, 10u);
  EXPECT_EQ(results, 10u);
  EXPECT_THROW(pipeline.Push("late"), std::logic_error);
  EXPECT_THROW(pipeline.Push(Record{}), std::logic_error);
  EXPECT_THROW(pipeline.SetSourceName("late.log"), std::logic_error);
  try {
    pipeline.Start();
    FAIL() << "Start after Finish was accepted";
  } catch (const std::logic_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("Pipeline::Start after Finish: a pipeline runs once"));
  }
}

// A few lines in memory, read in one go.
class LinesSource : public Source {
 public:
  explicit LinesSource(std::vector<std::string> lines) : lines_(std::move(lines)) {}
  std::string_view name() const override { return "memory"; }
  uint64_t total_bytes() const override { return 1000; }
  SourceStatus Read(Batch& batch, size_t max_items) override {
    while (batch.size() < max_items && next_ < lines_.size()) {
      batch.AddLine(lines_[next_], next_ + 1, 0);
      ++next_;
    }
    return next_ < lines_.size() ? SourceStatus::kMore : SourceStatus::kEnd;
  }

 private:
  std::vector<std::string> lines_;
  size_t next_ = 0;
};

// A Run that Start's checks refuse changes nothing: the pipeline can be fixed and used,
// and no record of that source shows up later.
TEST(PipelineLifecycleTest, ARefusedRunLeavesThePipelineAsItWas) {
  for (const int workers : {1, 2}) {  // 2: the workers would read the source themselves
    SCOPED_TRACE(workers);
    Pipeline pipeline;
    pipeline.Add({.name = "check", .workers = workers}, std::make_unique<Check>());
    std::vector<std::string> results;
    std::vector<std::string> errors;
    pipeline.OnResult([&](const Record&) { results.push_back("result"); });
    pipeline.OnError([&](const Error& e) { errors.push_back(e.source); });
    pipeline.EncodeResults([](const Record&, std::string&) {}, [](std::string_view, uint64_t) {});
    {
      LinesSource gone({"from the source", "bad from the source"});
      EXPECT_THAT([&] { pipeline.Run(gone); },
                  ThrowsMessage<std::logic_error>(
                      HasSubstr("Pipeline::Run: set OnResult or EncodeResults")));
    }  // the source is gone
    pipeline.EncodeResults(nullptr, nullptr);
    pipeline.Start();
    for (const char* line : {"one", "bad two", "three"}) pipeline.Push(line);
    const RunReport report = pipeline.Finish();
    EXPECT_EQ(report.totals.read, 3u);
    EXPECT_EQ(results.size(), 2u);
    EXPECT_EQ(errors, std::vector<std::string>{"push"});
    EXPECT_EQ(report.source, "push");
    EXPECT_TRUE(report.balanced());
    EXPECT_EQ(pipeline.progress().total_bytes, 0u);
  }
}

// A Run on a pushing pipeline is refused before it renames what was pushed.
TEST(PipelineLifecycleTest, RunAfterStartIsRefusedAndChangesNothing) {
  Pipeline pipeline;
  pipeline.Add({.name = "check"}, std::make_unique<Check>());
  std::vector<std::string> sources;
  pipeline.OnError([&](const Error& e) { sources.push_back(e.source); });
  pipeline.Start();
  pipeline.Push("bad one");
  LinesSource source({"bad x"});
  EXPECT_THAT([&] { pipeline.Run(source); },
              ThrowsMessage<std::logic_error>(HasSubstr("Pipeline::Run after Start")));
  pipeline.Push("bad two");
  const RunReport report = pipeline.Finish();
  EXPECT_EQ(sources, (std::vector<std::string>{"push", "push"}));
  EXPECT_EQ(report.source, "push");
  EXPECT_EQ(report.totals.read, 2u);
}

// While Run reads its source, pushed input from another thread is refused, not mixed in.
TEST(PipelineLifecycleTest, PushOrFinishDuringRunIsRefused) {
  Pipeline pipeline;
  std::atomic<bool> release{false};
  pipeline.Add({.name = "check"}, std::make_unique<Check>(0us, &release));
  LinesSource source({"hang", "a", "b"});
  std::thread other([&] {
    while (pipeline.progress().read == 0) std::this_thread::sleep_for(1ms);
    EXPECT_THROW(pipeline.Push("pushed"), std::logic_error);
    EXPECT_THROW(pipeline.Push(Record{}), std::logic_error);
    EXPECT_THROW(pipeline.Flush(), std::logic_error);
    EXPECT_THAT([&] { pipeline.SetSourceName("other"); },
                ThrowsMessage<std::logic_error>(HasSubstr("Pipeline::SetSourceName with Run")));
    // Finish would close the queues that Run still feeds: Run would wait for good.
    EXPECT_THAT([&] { pipeline.Finish(); },
                ThrowsMessage<std::logic_error>(HasSubstr("Pipeline::Finish with Run")));
    release.store(true);
  });
  const RunReport report = pipeline.Run(source);
  other.join();
  EXPECT_EQ(report.totals.read, 3u);
  EXPECT_EQ(report.source, "memory");
  EXPECT_THAT([&] { pipeline.Finish(); },
              ThrowsMessage<std::logic_error>(HasSubstr("Pipeline::Finish with Run")));
}

// A stage whose MakeWorker returns null is refused at Start, not run into on a worker.
TEST(PipelineLifecycleTest, AStageThatMakesNoWorkerIsRefusedAtStart) {
  class NoWorker : public Stage {
    std::unique_ptr<StageWorker> MakeWorker() override { return nullptr; }
  };
  Pipeline pipeline;
  pipeline.Add({.name = "none"}, std::make_unique<NoWorker>());
  EXPECT_THAT([&] { pipeline.Start(); },
              ThrowsMessage<std::logic_error>(HasSubstr("stage 'none' made no worker")));
  EXPECT_THAT(
      [&] { pipeline.Start(); },
      ThrowsMessage<std::logic_error>(HasSubstr("Pipeline::Start after a Start that failed")));
}

TEST(PipelineLifecycleTest, TheReadersStageNameIsTaken) {
  Pipeline pipeline;
  EXPECT_THROW(pipeline.Add({.name = "source"}, std::make_unique<Check>()), std::invalid_argument);
}

// Stage names reach the summary on a terminal: no escape sequences, bells or line breaks.
TEST(PipelineLifecycleTest, StageNamesWithControlCharactersAreRefused) {
  Pipeline pipeline;
  EXPECT_THAT([&] { pipeline.Add({.name = "p\x1b[31m"}, std::make_unique<Check>()); },
              ThrowsMessage<std::invalid_argument>(
                  HasSubstr("stage name holds a control character (U+001B at byte 2)")));
  // C1's CSI (U+009B), two bytes in UTF-8, is ESC [ in one.
  EXPECT_THAT([&] { pipeline.Add({.name = "ok\u00e9p\u009b31m"}, std::make_unique<Check>()); },
              ThrowsMessage<std::invalid_argument>(
                  HasSubstr("stage name holds a control character (U+009B at byte 6)")));
  EXPECT_NO_THROW(pipeline.Add({.name = "caf\u00e9 \u00a0"}, std::make_unique<Check>()));
}

// Options only code can set are checked as the YAML loader checks them.
TEST(PipelineLifecycleTest, QueueOptionsThatCannotWorkAreRefused) {
  for (const QueueOptions& queue :
       {QueueOptions{.capacity = 0}, QueueOptions{.batch = 0}, QueueOptions{.batch_time = -1ms}}) {
    EXPECT_THROW(Pipeline({.queue = queue}), std::invalid_argument);
    Pipeline pipeline;
    EXPECT_THROW(pipeline.Add({.name = "check", .queue = queue}, std::make_unique<Check>()),
                 std::invalid_argument);
  }
  EXPECT_NO_THROW(Pipeline({.queue = {.capacity = 1, .batch = 1, .batch_time = 0ms}}));
}

// The report keys errors and metrics by stage name: two stages must not share one.
TEST(PipelineLifecycleTest, EmptyOrRepeatedStageNamesAreRefused) {
  Pipeline pipeline;
  EXPECT_THROW(pipeline.Add({.name = ""}, std::make_unique<Check>()), std::invalid_argument);
  pipeline.Add({.name = "check"}, std::make_unique<Check>());
  EXPECT_THROW(pipeline.Add({.name = "check"}, std::make_unique<Check>()), std::invalid_argument);
  EXPECT_NO_THROW(pipeline.Add({.name = "check2"}, std::make_unique<Check>()));
}

TEST(PipelineLifecycleTest, CallbacksSetAfterStartThrowInsteadOfBeingIgnored) {
  Pipeline pipeline;
  pipeline.Add({.name = "check"}, std::make_unique<Check>());
  pipeline.Start();
  EXPECT_THROW(pipeline.OnResult([](const Record&) {}), std::logic_error);
  EXPECT_THROW(pipeline.OnError([](const Error&) {}), std::logic_error);
  EXPECT_THROW(
      pipeline.EncodeResults([](const Record&, std::string&) {}, [](std::string_view, uint64_t) {}),
      std::logic_error);
  EXPECT_THROW(
      pipeline.EncodeErrors([](const Error&, std::string&) {}, [](std::string_view, uint64_t) {}),
      std::logic_error);
  EXPECT_THROW(pipeline.Add({.name = "late"}, std::make_unique<Check>()), std::logic_error);
  pipeline.Finish();
}

TEST(PipelineLifecycleTest, AStageThatAbsorbsItsRecordsMustBeLast) {
  Pipeline pipeline;
  pipeline.Add({.name = "count"}, std::make_unique<CountAll>());
  pipeline.Add({.name = "after"}, std::make_unique<Check>());
  try {
    pipeline.Start();
    FAIL() << "an absorbing stage before another was accepted";
  } catch (const std::logic_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("stage 'count' absorbs its records"));
  }
}

// Destroyed mid-run, the pipeline drops what is in flight and calls nothing afterwards:
// the worker is held on the first record until the destructor has begun, so that every
// record is still in flight then, however slow the machine.
TEST(PipelineLifecycleTest, DestroyingARunningPipelineAbandonsTheRunAndCallsNothingAfter) {
  for (const bool ordered : {false, true}) {
    SCOPED_TRACE(ordered ? "ordered" : "unordered");
    std::atomic<bool> release{false};
    std::atomic<uint64_t> calls{0};
    std::thread releaser;
    {
      Pipeline pipeline(
          {.queue = {.capacity = 16, .batch = 8, .batch_time = 0us}, .ordered = ordered});
      pipeline.Add({.name = "held"}, std::make_unique<Check>(0us, &release));
      pipeline.OnResult([&](const Record&) { ++calls; });
      pipeline.Start();
      pipeline.Push("hang");
      for (int i = 1; i < 100; ++i) pipeline.Push(std::to_string(i));  // fits in the queue
      pipeline.Flush();
      releaser = std::thread([&] {
        std::this_thread::sleep_for(100ms);  // the destructor waits on the held worker
        release.store(true);
      });
    }
    releaser.join();
    const uint64_t after_destructor = calls.load();
    std::this_thread::sleep_for(20ms);
    EXPECT_EQ(calls.load(), after_destructor);
    EXPECT_EQ(after_destructor, 0u);  // drained, all 100 would have been delivered
  }
}

// The stuck worker still uses the pipeline's internals after the destructor returns: they
// must stay alive (ASan reports a use after free otherwise). Before that, the pipeline
// refuses further calls but still answers progress().
TEST(PipelineLifecycleTest, APipelineWithAStalledWorkerStaysSafeToQueryAndDestroy) {
  // Static: the stuck worker outlives the test.
  static std::atomic<bool> release{false};
  static std::atomic<bool> worker_exited{false};
  {
    Pipeline pipeline({.queue = {.capacity = 2, .batch = 1}});
    pipeline.Add({.name = "sticky", .stall_timeout = 50ms},
                 std::make_unique<HangThenNoteExit>(&release, &worker_exited));
    pipeline.Start();
    pipeline.Push("hang");
    pipeline.Flush();
    // Once the watchdog has seen the stall, pushing more fails instead of dropping it.
    uint64_t pushed = 1;  // "hang"
    try {
      for (int i = 0; i < 1000; ++i) {
        pipeline.Push(std::to_string(i));
        ++pushed;
        std::this_thread::sleep_for(1ms);
      }
      FAIL() << "Push went on taking records after the stall";
    } catch (const StallError& e) {
      EXPECT_EQ(e.stage(), "sticky");
    }
    try {
      pipeline.Finish();
      FAIL() << "Finish returned after a stall";
    } catch (const StallError& e) {
      EXPECT_EQ(e.stage(), "sticky");
    }
    EXPECT_THROW(pipeline.Push("1"), std::logic_error);
    EXPECT_THROW(pipeline.Finish(), std::logic_error);
    // Still answered: every record Push took before the stall counts as read; none reached
    // the collector as an error.
    const Progress progress = pipeline.progress();
    EXPECT_EQ(progress.read, pushed);
    EXPECT_EQ(progress.errors, 0u);
    EXPECT_GT(progress.elapsed_seconds, 0.0);
  }
  EXPECT_FALSE(worker_exited.load());
  release.store(true);  // the worker returns into the kept internals and ends
  EXPECT_TRUE(BecomesTrue(worker_exited));
}

// Destroyed without Finish while its worker is stuck: the same.
TEST(PipelineLifecycleTest, DestroyingAPipelineWithAStalledWorkerKeepsItsInternalsAlive) {
  static std::atomic<bool> release{false};
  static std::atomic<bool> worker_exited{false};
  static std::atomic<bool> hanging{false};
  {
    Pipeline pipeline({.queue = {.capacity = 2, .batch = 1}});
    pipeline.Add({.name = "sticky", .stall_timeout = 50ms},
                 std::make_unique<HangThenNoteExit>(&release, &worker_exited, &hanging));
    pipeline.Start();
    pipeline.Push("hang");
    pipeline.Flush();
    // Destroyed sooner, the pipeline would drop "hang" before the worker took it: no stall.
    ASSERT_TRUE(BecomesTrue(hanging));
  }  // the destructor waits for the watchdog to report the stall, not for the worker
  EXPECT_FALSE(worker_exited.load());
  release.store(true);
  // The worker runs on after the destructor, through the internals, to its thread's end.
  EXPECT_TRUE(BecomesTrue(worker_exited));
}

// An input fed again under a name used before is listed once, where it came first.
TEST(PipelineLifecycleTest, TheReportListsEachSourceNameOnce) {
  Pipeline pipeline;
  pipeline.Add({.name = "check"}, std::make_unique<Check>());
  pipeline.Start();
  for (const char* name : {"a.log", "b.log", "a.log"}) {
    pipeline.SetSourceName(name);
    pipeline.Push(Record{});
  }
  EXPECT_EQ(pipeline.Finish().source, "a.log, b.log");
}

TEST(PipelineLifecycleTest, SetSourceNameWhileRunningNamesEachRecordsOwnInput) {
  for (const int workers : {1, 2}) {
    SCOPED_TRACE(workers);
    Pipeline pipeline({.queue = {.capacity = 4, .batch = 64}});
    pipeline.Add({.name = "check", .workers = workers}, std::make_unique<Check>(20us));
    std::map<std::string, std::vector<uint64_t>> lines_by_source;
    pipeline.OnError([&](const Error& e) {
      lines_by_source[e.source].push_back(e.line);
      // As in a file of the lines pushed under this name: 10 bytes a line with its end.
      EXPECT_EQ(e.offset, (e.line - 1) * 10) << e.source << ":" << e.line;
    });
    pipeline.SetSourceName("unused.log");  // nothing pushed under it: not in the report
    pipeline.Start();
    for (const std::string file : {"a.log", "b.log", "c.log"}) {
      pipeline.SetSourceName(file);
      for (int i = 0; i < 300; ++i) pipeline.Push("bad " + file);
    }
    pipeline.SetSourceName("unused.log");
    const RunReport report = pipeline.Finish();
    EXPECT_EQ(report.totals.errors, 900u);
    EXPECT_EQ(report.source, "a.log, b.log, c.log");
    EXPECT_EQ(report.bytes_read, 900u * std::string("bad a.log\n").size());  // as a file's
    ASSERT_EQ(lines_by_source.size(), 3u);
    // Each file's lines count from 1, as its positions must (and a CSV header is line 1).
    for (auto& [source, lines] : lines_by_source) {
      std::sort(lines.begin(), lines.end());
      ASSERT_EQ(lines.size(), 300u) << source;
      EXPECT_EQ(lines.front(), 1u) << source;
      EXPECT_EQ(lines.back(), 300u) << source;
      EXPECT_EQ(std::adjacent_find(lines.begin(), lines.end()), lines.end()) << source;
    }
  }
}

// Passes records; its Finish notes that it ran in `finished` and emits the row {stage: name},
// or throws when `throws`.
class FinishProbe : public Stage {
 public:
  FinishProbe(std::string name, bool throws, std::vector<std::string>* finished)
      : name_(std::move(name)), throws_(throws), finished_(finished) {}
  std::unique_ptr<StageWorker> MakeWorker() override {
    struct Worker : StageWorker {
      Verdict Process(Item&) override { return Verdict::kPass; }
    };
    return std::make_unique<Worker>();
  }
  void Finish(std::span<const std::unique_ptr<StageWorker>>, const RowSink& emit) override {
    finished_->push_back(name_);
    if (throws_) throw std::runtime_error(name_ + "'s Finish failed");
    Record row;
    row.Set(FieldNames::Intern("stage"), name_);
    emit(std::move(row));
  }

 private:
  std::string name_;
  bool throws_;
  std::vector<std::string>* finished_;
};

// pipeline.h: a Stage::Finish that throws ends Finish there; its exception comes out
// instead of a report, and the later stages' Finish does not run.
TEST(PipelineLifecycleTest, AStageFinishThatThrowsEndsFinishThere) {
  std::vector<std::string> finished;
  Pipeline pipeline;
  pipeline.Add({.name = "first"}, std::make_unique<FinishProbe>("first", false, &finished));
  pipeline.Add({.name = "second"}, std::make_unique<FinishProbe>("second", true, &finished));
  pipeline.Add({.name = "third"}, std::make_unique<FinishProbe>("third", false, &finished));
  uint64_t results = 0;
  pipeline.OnResult([&](const Record&) { ++results; });
  pipeline.Start();
  for (int i = 0; i < 10; ++i) pipeline.Push(Record{});
  EXPECT_THAT([&] { pipeline.Finish(); },
              ThrowsMessage<std::runtime_error>(testing::StrEq("second's Finish failed")));
  EXPECT_EQ(finished, (std::vector<std::string>{"first", "second"}));
  EXPECT_EQ(results, 11u);  // the records and the first stage's row
}

// pipeline.h: Flush and SetSourceName, like Push, throw the StallError after a stall.
TEST(PipelineLifecycleTest, FlushAndSetSourceNameThrowTheStallErrorAfterAStall) {
  // Static: the stuck worker outlives the test.
  static std::atomic<bool> release{false};
  static std::atomic<bool> worker_exited{false};
  const std::string message =
      "stage 'sticky' stalled: a worker has spent more than 0.05 s on one record "
      "(stall_timeout)";
  {
    Pipeline pipeline({.queue = {.capacity = 2, .batch = 1}});
    pipeline.Add({.name = "sticky", .stall_timeout = 50ms},
                 std::make_unique<HangThenNoteExit>(&release, &worker_exited));
    pipeline.Start();
    pipeline.Push("hang");
    // Flush (nothing pending) returns until the watchdog has seen the stall.
    bool stalled = false;
    for (const auto give_up = std::chrono::steady_clock::now() + 20s;
         !stalled && std::chrono::steady_clock::now() < give_up;) {
      try {
        pipeline.Flush();
        std::this_thread::sleep_for(1ms);
      } catch (const StallError& e) {
        stalled = true;
        EXPECT_EQ(e.stage(), "sticky");
        EXPECT_EQ(std::string(e.what()), message);
      }
    }
    ASSERT_TRUE(stalled) << "Flush never threw the StallError";
    try {
      pipeline.SetSourceName("next.log");
      FAIL() << "SetSourceName was taken after a stall";
    } catch (const StallError& e) {
      EXPECT_EQ(e.stage(), "sticky");
      EXPECT_EQ(std::string(e.what()), message);
    }
  }
  release.store(true);
  EXPECT_TRUE(BecomesTrue(worker_exited));
}

// pipeline.h: Start refuses an encoder without its writer, and leaves the pipeline as it was.
TEST(PipelineLifecycleTest, StartRefusesAnEncoderWithoutItsWriter) {
  for (const bool results_side : {true, false}) {
    SCOPED_TRACE(results_side ? "EncodeResults" : "EncodeErrors");
    Pipeline pipeline;
    pipeline.Add({.name = "check"}, std::make_unique<Check>());
    if (results_side) {
      pipeline.EncodeResults([](const Record&, std::string& out) { out += "r"; }, nullptr);
    } else {
      pipeline.EncodeErrors([](const Error&, std::string& out) { out += "e"; }, nullptr);
    }
    EXPECT_THAT([&] { pipeline.Start(); },
                ThrowsMessage<std::logic_error>(testing::StrEq(
                    "Pipeline::Start: EncodeResults and EncodeErrors need an encoder and a "
                    "writer")));
    // Unchanged: with the pair completed it starts and runs.
    std::string written;
    const auto write = [&](std::string_view bytes, uint64_t) { written += bytes; };
    if (results_side) {
      pipeline.EncodeResults([](const Record&, std::string& out) { out += "r"; }, write);
    } else {
      pipeline.EncodeErrors([](const Error&, std::string& out) { out += "e"; }, write);
    }
    pipeline.Start();
    pipeline.Push("ok");
    pipeline.Push("bad");
    EXPECT_TRUE(pipeline.Finish().balanced());
    EXPECT_EQ(written, results_side ? "r" : "e");
  }
}

}  // namespace
}  // namespace sluice
