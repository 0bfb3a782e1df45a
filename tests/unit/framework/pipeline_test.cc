#include "framework/pipeline.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "unit/slow_stage.h"

namespace sluice {
namespace {

using testing_stages::SlowStage;

// Test stages built in code, as an embedder would: no YAML, no built-ins.

// Parses "N" into {n: N}; "bad" lines fail; "boom" throws.
class ParseNumber : public Stage {
  struct Worker : StageWorker {
    FieldId n = FieldNames::Intern("n");
    Verdict Process(Item& item) override {
      if (item.raw == "boom") throw std::runtime_error("kaboom");
      if (item.raw.empty() || item.raw.find_first_not_of("0123456789") != std::string_view::npos) {
        return item.Fail(ErrorCode::kInvalidInput, "not a number");
      }
      item.record.Set(n, static_cast<int64_t>(std::stoll(std::string(item.raw))));
      return Verdict::kPass;
    }
  };

 public:
  std::unique_ptr<StageWorker> MakeWorker() override { return std::make_unique<Worker>(); }
};

// Drops multiples of `divisor`.
class DropMultiples : public Stage {
 public:
  explicit DropMultiples(int64_t divisor) : divisor_(divisor) {}
  std::unique_ptr<StageWorker> MakeWorker() override {
    struct Worker : StageWorker {
      int64_t divisor;
      FieldId n = FieldNames::Intern("n");
      Verdict Process(Item& item) override {
        return std::get<int64_t>(*item.record.Find(n)) % divisor == 0 ? Verdict::kFilter
                                                                      : Verdict::kPass;
      }
    };
    auto w = std::make_unique<Worker>();
    w->divisor = divisor_;
    return w;
  }
  FieldNeeds Reads() const override { return FieldNeeds::Only({"n"}); }

 private:
  int64_t divisor_;
};

// Absorbs every record into a per-worker sum; Finish combines into one row.
class SumAll : public Stage {
  struct Worker : StageWorker {
    FieldId n = FieldNames::Intern("n");
    int64_t sum = 0;
    int64_t count = 0;
    Verdict Process(Item& item) override {
      sum += std::get<int64_t>(*item.record.Find(n));
      ++count;
      return Verdict::kAbsorb;
    }
  };

 public:
  std::unique_ptr<StageWorker> MakeWorker() override { return std::make_unique<Worker>(); }
  FieldNeeds Reads() const override { return FieldNeeds::Only({"n"}); }
  bool AbsorbsRecords() const override { return true; }
  void Finish(std::span<const std::unique_ptr<StageWorker>> workers, const RowSink& emit) override {
    Record row;
    int64_t sum = 0, count = 0;
    for (const auto& w : workers) {
      sum += static_cast<Worker&>(*w).sum;
      count += static_cast<Worker&>(*w).count;
    }
    row.Set(FieldNames::Intern("sum"), sum);
    row.Set(FieldNames::Intern("count"), count);
    emit(std::move(row));
  }
};

struct Collected {
  std::vector<int64_t> values;
  std::vector<Error> errors;
  std::vector<Record> rows;
};

Pipeline& Collect(Pipeline& p, Collected& out) {
  const FieldId n = FieldNames::Intern("n");
  return p
      .OnResult([&out, n](const Record& r) {
        if (const Value* v = r.Find(n)) {
          out.values.push_back(std::get<int64_t>(*v));
        } else {
          out.rows.push_back(r);
        }
      })
      .OnError([&out](const Error& e) { out.errors.push_back(e); });
}

std::string LineFor(int i) {
  if (i % 97 == 0) return "bad" + std::to_string(i);
  if (i % 211 == 0) return "boom";
  return std::to_string(i);
}

TEST(PipelineTest, EveryRecordEndsOkFilteredOrErrorAndReportBalances) {
  Pipeline p({.name = "t", .queue = {.capacity = 4, .batch = 16}});
  p.Add({.name = "parse", .workers = 2}, std::make_unique<ParseNumber>());
  p.Add({.name = "drop", .workers = 2}, std::make_unique<DropMultiples>(5));
  Collected got;
  Collect(p, got);
  p.Start();
  constexpr int kLines = 5000;
  int expect_ok = 0, expect_filtered = 0, expect_errors = 0;
  for (int i = 1; i <= kLines; ++i) {
    const std::string line = LineFor(i);
    p.Push(line);
    if (i % 97 == 0 || (i % 211 == 0)) {
      ++expect_errors;
    } else if (i % 5 == 0) {
      ++expect_filtered;
    } else {
      ++expect_ok;
    }
  }
  RunReport report = p.Finish();
  EXPECT_EQ(report.totals.read, uint64_t{kLines});
  EXPECT_EQ(report.totals.ok, uint64_t(expect_ok));
  EXPECT_EQ(report.totals.filtered, uint64_t(expect_filtered));
  EXPECT_EQ(report.totals.errors, uint64_t(expect_errors));
  EXPECT_TRUE(report.balanced());
  EXPECT_EQ(got.values.size(), size_t(expect_ok));
  ASSERT_EQ(got.errors.size(), size_t(expect_errors));
  ASSERT_EQ(report.stages.size(), 2u);
  EXPECT_EQ(report.stages[0].in, uint64_t{kLines});
  EXPECT_EQ(report.stages[0].errors, uint64_t(expect_errors));
  EXPECT_EQ(report.stages[1].filtered, uint64_t(expect_filtered));
  EXPECT_LE(report.stages[0].peak_queue_depth, 4u);
  EXPECT_EQ(report.errors_by_stage["parse"]["invalid_input"], uint64_t{kLines / 97});
  EXPECT_EQ(report.errors_by_stage["parse"]["stage_failure"],
            uint64_t(expect_errors - kLines / 97));
}

TEST(PipelineTest, ErrorItemsCarryStagePositionAndExcerpt) {
  Pipeline p({.queue = {.capacity = 2, .batch = 3}});
  p.Add({.name = "parse"}, std::make_unique<ParseNumber>());
  Collected got;
  Collect(p, got);
  p.SetSourceName("numbers.txt");
  p.Start();
  for (std::string_view line : {"1", "x2", "3", "boom"}) p.Push(line);
  p.Finish();
  ASSERT_EQ(got.errors.size(), 2u);
  std::map<uint64_t, Error> by_line;
  for (const Error& e : got.errors) by_line[e.line] = e;
  EXPECT_EQ(by_line[2].code, ErrorCode::kInvalidInput);
  EXPECT_EQ(by_line[2].stage, "parse");
  EXPECT_EQ(by_line[2].source, "numbers.txt");
  EXPECT_EQ(by_line[2].excerpt, "x2");
  EXPECT_EQ(by_line[4].code, ErrorCode::kStageFailure);
  EXPECT_THAT(by_line[4].message, testing::HasSubstr("kaboom"));
}

TEST(PipelineTest, OrderedModeDeliversInInputOrder) {
  for (int workers : {1, 3}) {
    Pipeline p({.queue = {.capacity = 3, .batch = 7}, .ordered = true});
    p.Add({.name = "parse", .workers = workers}, std::make_unique<ParseNumber>());
    p.Add({.name = "drop", .workers = workers}, std::make_unique<DropMultiples>(3));
    Collected got;
    Collect(p, got);
    p.Start();
    for (int i = 1; i <= 3000; ++i) p.Push(std::to_string(i));
    p.Finish();
    std::vector<int64_t> expected;
    for (int i = 1; i <= 3000; ++i) {
      if (i % 3 != 0) expected.push_back(i);
    }
    EXPECT_EQ(got.values, expected) << workers << " workers";
  }
}

TEST(PipelineTest, AbsorbingStageCountsOkAndEmitsRowsAtFinish) {
  for (int workers : {1, 2, 4}) {
    for (int capacity : {1, 7, 1024}) {
      for (int batch : {1, 256}) {
        Pipeline p({.queue = {.capacity = capacity, .batch = batch}});
        p.Add({.name = "parse", .workers = workers}, std::make_unique<ParseNumber>());
        p.Add({.name = "drop", .workers = workers}, std::make_unique<DropMultiples>(10));
        p.Add({.name = "sum", .workers = workers}, std::make_unique<SumAll>());
        Collected got;
        Collect(p, got);
        p.Start();
        for (int i = 1; i <= 2000; ++i) p.Push(LineFor(i));
        RunReport report = p.Finish();
        SCOPED_TRACE(testing::Message() << workers << "w cap " << capacity << " batch " << batch);
        ASSERT_EQ(got.rows.size(), 1u);
        EXPECT_TRUE(got.values.empty());
        int64_t sum = 0, count = 0;
        for (int i = 1; i <= 2000; ++i) {
          if (i % 97 != 0 && i % 211 != 0 && i % 10 != 0) sum += i, ++count;
        }
        EXPECT_EQ(got.rows[0].ToJson(),
                  "{\"sum\":" + std::to_string(sum) + ",\"count\":" + std::to_string(count) + "}");
        EXPECT_EQ(report.totals.ok, uint64_t(count));
        EXPECT_EQ(report.results, 1u);
        EXPECT_TRUE(report.balanced());
      }
    }
  }
}

// Remembers the projection it was given.
class ProjectionProbe : public ParseNumber {
 public:
  explicit ProjectionProbe(FieldNeeds* seen) : seen_(seen) {}
  void Project(const FieldNeeds& needed) override { *seen_ = needed; }

 private:
  FieldNeeds* seen_;
};

TEST(PipelineTest, ParsersAreProjectedToWhatLaterStagesRead) {
  FieldNeeds seen = FieldNeeds::None();
  {
    // Records are the output: every field is needed.
    Pipeline p;
    p.Add({.name = "parse"}, std::make_unique<ProjectionProbe>(&seen));
    p.Add({.name = "drop"}, std::make_unique<DropMultiples>(2));
    p.Start();
    p.Finish();
    EXPECT_TRUE(seen.all);
  }
  {
    // An aggregate at the end absorbs records: only what it and the stages before it read.
    Pipeline p;
    p.Add({.name = "parse"}, std::make_unique<ProjectionProbe>(&seen));
    p.Add({.name = "drop"}, std::make_unique<DropMultiples>(2));
    p.Add({.name = "sum"}, std::make_unique<SumAll>());
    p.Start();
    p.Finish();
    EXPECT_FALSE(seen.all);
    EXPECT_EQ(seen.fields, std::vector<FieldId>{FieldNames::Intern("n")});
  }
}

TEST(PipelineTest, PushedRecordsSkipParsing) {
  Pipeline p;
  p.Add({.name = "drop"}, std::make_unique<DropMultiples>(2));
  Collected got;
  Collect(p, got);
  p.Start();
  for (int64_t i = 1; i <= 10; ++i) {
    Record r;
    r.Set(FieldNames::Intern("n"), i);
    p.Push(std::move(r));
  }
  RunReport report = p.Finish();
  EXPECT_EQ(got.values.size(), 5u);
  EXPECT_EQ(report.totals.filtered, 5u);
}

// Fails records whose n is negative.
class RejectNegative : public Stage {
  struct Worker : StageWorker {
    FieldId n = FieldNames::Intern("n");
    Verdict Process(Item& item) override {
      if (std::get<int64_t>(*item.record.Find(n)) >= 0) return Verdict::kPass;
      return item.Fail(ErrorCode::kOutOfRange, "negative");
    }
  };

 public:
  std::unique_ptr<StageWorker> MakeWorker() override { return std::make_unique<Worker>(); }
};

TEST(PipelineTest, PushedRecordErrorsSayWhichRecordFailed) {
  Pipeline p({.queue = {.capacity = 2, .batch = 2}});
  p.Add({.name = "check", .workers = 2}, std::make_unique<RejectNegative>());
  Collected got;
  Collect(p, got);
  const auto push = [&p](int64_t n) {
    Record r;
    r.Set(FieldNames::Intern("n"), n);
    p.Push(std::move(r));
  };
  p.SetSourceName("orders");
  p.Start();
  for (int64_t n : {5, -1, 7, 8, -2}) push(n);
  p.SetSourceName("refunds");  // a new input counts from 1 again
  push(-3);
  p.Finish();
  std::vector<std::string> errors;
  for (const Error& e : got.errors) errors.push_back(e.ToString() + " " + e.excerpt);
  EXPECT_THAT(errors, testing::UnorderedElementsAre(
                          R"(orders:2: check: out_of_range: negative {"n":-1})",
                          R"(orders:5: check: out_of_range: negative {"n":-2})",
                          R"(refunds:1: check: out_of_range: negative {"n":-3})"));
}

// Lines keep the numbers they would have in a file (a CSV header stays line 1) when
// records are pushed among them: records count apart.
TEST(PipelineTest, PushedRecordsDoNotShiftTheLinesNumbers) {
  Pipeline p({.queue = {.capacity = 2, .batch = 2}});
  p.Add({.name = "parse"}, std::make_unique<ParseNumber>());  // fails records: no raw text
  Collected got;
  Collect(p, got);
  const auto record = [](int64_t n) {
    Record r;
    r.Set(FieldNames::Intern("n"), n);
    return r;
  };
  p.Start();
  p.Push(record(10));
  p.Push("x1");
  p.Push(record(20));
  p.Push("7");
  p.Push("x3");
  p.Finish();
  std::vector<std::string> errors;
  for (const Error& e : got.errors) {
    errors.push_back(e.ToString() + " @" + std::to_string(e.offset) + " " + e.excerpt);
  }
  EXPECT_THAT(errors, testing::UnorderedElementsAre(
                          "push:1: parse: invalid_input: not a number @0 {\"n\":10}",
                          "push:1: parse: invalid_input: not a number @0 x1",
                          "push:2: parse: invalid_input: not a number @0 {\"n\":20}",
                          "push:3: parse: invalid_input: not a number @5 x3"));
}

// A pushed record waits for a full batch unless the pusher flushes: after Flush the
// results arrive while the pipeline is still open.
TEST(PipelineTest, FlushHandsOnAPartialBatchBeforeFinish) {
  Pipeline p;  // default batch: far more records than are pushed
  p.Add({.name = "parse"}, std::make_unique<ParseNumber>());
  std::atomic<int> results{0};
  p.OnResult([&results](const Record&) { ++results; });
  EXPECT_THROW(p.Flush(), std::logic_error);  // before Start
  p.Start();
  for (std::string_view line : {"1", "2", "3"}) p.Push(line);
  p.Flush();
  p.Flush();  // nothing pending: a no-op
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (results.load() < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(results.load(), 3);
  p.Push("4");
  RunReport report = p.Finish();
  EXPECT_EQ(results.load(), 4);
  EXPECT_EQ(report.totals.read, 4u);
  EXPECT_THROW(p.Flush(), std::logic_error);  // after Finish
}

// pipeline.h: a callback that throws stops all callbacks, OnError's too, and Finish
// rethrows its exception once the run has drained (a full queue must not block it).
TEST(PipelineTest, CallbackExceptionSurfacesFromFinishWithoutDeadlock) {
  Pipeline p({.queue = {.capacity = 1, .batch = 1}});
  p.Add({.name = "parse"}, std::make_unique<ParseNumber>());
  int result_calls = 0;
  int error_calls = 0;
  p.OnResult([&](const Record&) {
    ++result_calls;
    throw std::runtime_error("sink broke");
  });
  p.OnError([&](const Error&) { ++error_calls; });
  p.Start();
  // The first line is a number: the first callback is OnResult's, which throws; the bad
  // lines after it would call OnError.
  for (int i = 1; i <= 100; ++i) p.Push(i % 2 == 1 ? std::to_string(i) : "x" + std::to_string(i));
  EXPECT_THAT([&] { p.Finish(); },
              testing::ThrowsMessage<std::runtime_error>(testing::StrEq("sink broke")));
  EXPECT_EQ(result_calls, 1);
  EXPECT_EQ(error_calls, 0);
}

// Encoders format on the workers; the bytes still come out whole, in input order when
// ordered, with every item counted once.
TEST(PipelineTest, EncodedResultsAndErrorsArriveInInputOrder) {
  Pipeline p({.name = "t", .queue = {.capacity = 4, .batch = 16}, .ordered = true});
  p.Add({.name = "parse", .workers = 2}, std::make_unique<ParseNumber>());
  p.Add({.name = "drop", .workers = 2}, std::make_unique<DropMultiples>(5));
  const FieldId n = FieldNames::Intern("n");
  std::string results, errors;
  uint64_t result_count = 0, error_count = 0;
  p.EncodeResults(
      [n](const Record& r, std::string& out) {
        out += std::to_string(std::get<int64_t>(*r.Find(n))) + "\n";
      },
      [&](std::string_view bytes, uint64_t count) {
        results += bytes;
        result_count += count;
      });
  p.EncodeErrors([](const Error& e, std::string& out) { out += e.excerpt + "\n"; },
                 [&](std::string_view bytes, uint64_t count) {
                   errors += bytes;
                   error_count += count;
                 });
  p.Start();
  std::string want_results, want_errors;
  for (int i = 1; i <= 3000; ++i) {
    const std::string line = LineFor(i);
    p.Push(line);
    if (i % 97 == 0 || i % 211 == 0) {
      want_errors += line + "\n";
    } else if (i % 5 != 0) {
      want_results += line + "\n";
    }
  }
  RunReport report = p.Finish();
  EXPECT_EQ(results, want_results);
  EXPECT_EQ(errors, want_errors);
  EXPECT_EQ(result_count, report.totals.ok);
  EXPECT_EQ(error_count, report.totals.errors);
  EXPECT_TRUE(report.balanced());
}

TEST(PipelineTest, AggregateRowsAreEncodedAndCallbacksAndEncodersDoNotMix) {
  Pipeline p;
  p.Add({.name = "parse", .workers = 2}, std::make_unique<ParseNumber>());
  p.Add({.name = "sum", .workers = 2}, std::make_unique<SumAll>());
  std::string rows;
  p.EncodeResults([](const Record& r, std::string& out) { out += r.ToJson(); },
                  [&](std::string_view bytes, uint64_t) { rows += bytes; });
  p.Start();
  for (int i = 1; i <= 100; ++i) p.Push(std::to_string(i));
  p.Finish();
  EXPECT_EQ(rows, R"({"sum":5050,"count":100})");

  Pipeline both;
  both.Add({.name = "parse"}, std::make_unique<ParseNumber>());
  both.OnError([](const Error&) {});
  both.EncodeErrors([](const Error&, std::string&) {}, [](std::string_view, uint64_t) {});
  EXPECT_THROW(both.Start(), std::logic_error);
}

TEST(PipelineTest, ReportJsonHasTheScriptableFields) {
  Pipeline p({.name = "numbers"});
  p.Add({.name = "parse"}, std::make_unique<ParseNumber>());
  p.Start();
  p.Push("1");
  p.Push("x");
  const std::string json = p.Finish().ToJson();
  EXPECT_THAT(json,
              testing::HasSubstr(R"("totals": {"read": 2, "ok": 1, "filtered": 0, "errors": 1})"));
  EXPECT_THAT(json, testing::HasSubstr(R"("errors_by_stage": {)"));
  EXPECT_THAT(json, testing::HasSubstr(R"("parse": {"invalid_input": 1})"));
  EXPECT_THAT(json, testing::HasSubstr(R"({"name": "parse", "workers": 1, "in": 2, "out": 1, )"
                                       R"("filtered": 0, "errors": 1, "busy_seconds": )"));
  EXPECT_THAT(json, testing::HasSubstr(R"("peak_queue_depth": )"));
}

// Records which thread ran it (as a hash of the thread id) in field `field`.
class StampThread : public Stage {
 public:
  explicit StampThread(std::string field) : field_(std::move(field)) {}
  std::unique_ptr<StageWorker> MakeWorker() override {
    struct Worker : StageWorker {
      FieldId id;
      Verdict Process(Item& item) override {
        item.record.Set(
            id, static_cast<int64_t>(std::hash<std::thread::id>{}(std::this_thread::get_id())));
        return Verdict::kPass;
      }
    };
    auto w = std::make_unique<Worker>();
    w->id = FieldNames::Intern(field_);
    return w;
  }

 private:
  std::string field_;
};

// Runs 2,000 lines through three thread-stamping stages; returns how many times b's or
// c's thread differed from a's (up to 2 per record), and the report.
std::pair<int, RunReport> CountThreadChanges(const std::vector<StageOptions>& stages) {
  Pipeline p({.queue = {.capacity = 4, .batch = 8}});
  const char* fields[] = {"a", "b", "c"};
  for (size_t i = 0; i < stages.size(); ++i) {
    p.Add(stages[i], std::make_unique<StampThread>(fields[i]));
  }
  int changes = 0;
  p.OnResult([&](const Record& r) {
    const Value& first = *r.Find(FieldNames::Intern("a"));
    for (const char* field : fields) changes += *r.Find(FieldNames::Intern(field)) != first;
  });
  p.Start();
  for (int i = 0; i < 2000; ++i) p.Push(std::to_string(i));
  RunReport report = p.Finish();
  return {changes, report};
}

// Adjacent stages with the same worker count run a batch on one thread (run to
// completion) when that leaves a thread per core; a stage's own queue options or another
// worker count put a queue, and a hand-off to other threads, before it.
TEST(PipelineTest, StagesWithEqualWorkersRunABatchOnOneThread) {
  const int n = AutoWorkers();  // enough threads to share: one per core
  auto [fused, report] = CountThreadChanges(
      {{.name = "a", .workers = n}, {.name = "b", .workers = n}, {.name = "c", .workers = n}});
  EXPECT_EQ(fused, 0);
  EXPECT_EQ(report.stages[1].peak_queue_depth, 0u);  // no queue before a fused stage
  EXPECT_EQ(report.stages[2].in, 2000u);
  EXPECT_TRUE(report.balanced());

  auto [queued, queued_report] = CountThreadChanges(
      {{.name = "a", .workers = n},
       {.name = "b", .workers = n, .queue = QueueOptions{.capacity = 2, .batch = 8}},
       {.name = "c", .workers = n}});
  EXPECT_EQ(queued, 4000);  // b and c on other threads than a (c fused with b)
  EXPECT_EQ(queued_report.stages[2].in, 2000u);

  auto [regrouped, regrouped_report] = CountThreadChanges(
      {{.name = "a", .workers = n + 1}, {.name = "b", .workers = n}, {.name = "c", .workers = n}});
  EXPECT_EQ(regrouped, 4000);
  EXPECT_TRUE(regrouped_report.balanced());
}

// Sharing would leave cores idle (one stage thread for the whole pipeline on a multi-core
// machine): every stage keeps its own thread, and the stages run in parallel.
TEST(PipelineTest, SingleWorkerStagesKeepTheirThreadsOnAMultiCoreMachine) {
  auto [changes, report] = CountThreadChanges(
      {{.name = "a", .workers = 1}, {.name = "b", .workers = 1}, {.name = "c", .workers = 1}});
  EXPECT_EQ(changes, AutoWorkers() > 1 ? 4000 : 0);
  EXPECT_TRUE(report.balanced());
}

// Stages that share threads are timed one after the other from the same clock reads: each
// stage's busy time is its own, not the ones before it in the group.
TEST(PipelineTest, EachStageOfAGroupCountsItsOwnBusyTime) {
  const int n = AutoWorkers();  // one group of three stages (checked below)
  Pipeline p({.queue = {.capacity = 4, .batch = 4}});
  p.Add({.name = "a", .workers = n}, std::make_unique<SlowStage>(std::chrono::microseconds(0)));
  p.Add({.name = "slow", .workers = n}, std::make_unique<SlowStage>(std::chrono::milliseconds(10)));
  p.Add({.name = "c", .workers = n}, std::make_unique<SlowStage>(std::chrono::microseconds(0)));
  p.Start();
  for (int i = 0; i < 8; ++i) p.Push(std::to_string(i));
  const RunReport report = p.Finish();
  ASSERT_EQ(report.stages.size(), 3u);
  EXPECT_EQ(report.stages[1].peak_queue_depth, 0u);  // no queue: the three share threads
  EXPECT_EQ(report.stages[2].peak_queue_depth, 0u);
  EXPECT_EQ(report.stages[2].in, 8u);
  EXPECT_GE(report.stages[1].busy_seconds, 0.080);  // 8 records of at least 10 ms
  // Far below the slow stage's 80 ms, also on a loaded machine.
  EXPECT_LT(report.stages[0].busy_seconds, 0.040);
  EXPECT_LT(report.stages[2].busy_seconds, 0.040);
}

}  // namespace
}  // namespace sluice
