// Tests for the collector: workers hand batches over and one of them emits at a time.
#include "framework/detail/collector.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "framework/field_names.h"

namespace sluice::detail {
namespace {

using namespace std::chrono_literals;

FieldId IndexField() {
  static const FieldId id = FieldNames::Intern("collector_test_index");
  return id;
}

// A batch of `size` records numbered from `first`, stamped with `sequence`.
Batch NumberedBatch(int64_t first, int size, uint64_t sequence) {
  Batch batch;
  batch.sequence = sequence;
  for (int k = 0; k < size; ++k) {
    Record record;
    record.Append(IndexField(), first + k);
    batch.AddRecord(std::move(record));
  }
  return batch;
}

int64_t IndexOf(const Record& record) { return std::get<int64_t>(*record.Find(IndexField())); }

struct CollectorHarness {
  std::atomic<uint64_t> errors_live{0};
  BatchPool pool{16, 64};
};

TEST(CollectorTest, ConcurrentHandOversAreEmittedOnceNeverConcurrentlyAndStayBounded) {
  constexpr int kThreads = 4, kBatchesEach = 200, kBatchSize = 16;
  constexpr size_t kCapacity = 2;
  CollectorHarness h;
  std::atomic<bool> inside{false};
  std::atomic<int64_t> handed_over{0};  // Deliver calls that returned
  int64_t emitted_batches = 0, results = 0;
  int64_t most_waiting = 0;
  std::vector<int> seen(kThreads * kBatchesEach * kBatchSize, 0);
  CollectorCallbacks callbacks;
  callbacks.on_result = [&](const Record& record) {
    EXPECT_FALSE(inside.exchange(true)) << "callbacks ran concurrently";
    ++seen[static_cast<size_t>(IndexOf(record))];
    if (++results % kBatchSize == 0) {
      ++emitted_batches;
      // Handed over but not yet emitted: the waiting queue, plus the one being emitted.
      most_waiting = std::max(most_waiting, handed_over.load() - emitted_batches);
      if (results % (kBatchSize * 50) == 0) std::this_thread::sleep_for(2ms);  // a slow sink
    }
    inside = false;
  };
  Collector collector(/*ordered=*/false, callbacks, kCapacity, nullptr, h.errors_live, h.pool);
  std::vector<std::thread> workers;
  for (int t = 0; t < kThreads; ++t) {
    workers.emplace_back([&, t] {
      for (int b = 0; b < kBatchesEach; ++b) {
        collector.Deliver(NumberedBatch((t * kBatchesEach + b) * kBatchSize, kBatchSize, 0));
        handed_over.fetch_add(1);
      }
    });
  }
  for (std::thread& w : workers) w.join();
  EXPECT_EQ(collector.ok(), seen.size());
  EXPECT_EQ(collector.results(), seen.size());
  EXPECT_TRUE(std::all_of(seen.begin(), seen.end(), [](int n) { return n == 1; }));
  EXPECT_LE(most_waiting, static_cast<int64_t>(kCapacity) + 1);
}

TEST(CollectorTest, OrderedModeEmitsInSequenceWhateverTheHandOverOrder) {
  constexpr int kBatches = 64, kBatchSize = 4;
  CollectorHarness h;
  std::vector<int64_t> order;
  CollectorCallbacks callbacks;
  callbacks.on_result = [&](const Record& record) { order.push_back(IndexOf(record)); };
  Collector collector(/*ordered=*/true, callbacks, 4, nullptr, h.errors_live, h.pool);
  std::vector<std::thread> workers;
  for (int t = 0; t < 2; ++t) {
    workers.emplace_back([&, t] {
      // Thread 0 hands over the odd batches from the last down, thread 1 the even ones.
      for (int b = kBatches - 1 - t; b >= 0; b -= 2) {
        collector.Deliver(NumberedBatch(b * kBatchSize, kBatchSize, static_cast<uint64_t>(b)));
      }
    });
  }
  for (std::thread& w : workers) w.join();
  ASSERT_EQ(order.size(), static_cast<size_t>(kBatches * kBatchSize));
  for (size_t i = 0; i < order.size(); ++i) ASSERT_EQ(order[i], static_cast<int64_t>(i));
}

TEST(CollectorTest, ErrorsAreCountedAndPassedOn) {
  CollectorHarness h;
  std::vector<std::string> messages;
  CollectorCallbacks callbacks;
  callbacks.on_error = [&](const Error& error) { messages.push_back(error.message); };
  Collector collector(/*ordered=*/false, callbacks, 2, nullptr, h.errors_live, h.pool);
  Batch batch = NumberedBatch(0, 5, 0);
  const auto fail = [&](size_t i, const char* stage, ErrorCode code, const char* message) {
    batch.items[i].Fail(code, message);
    batch.items[i].error->stage = stage;
  };
  fail(1, "parse", ErrorCode::kInvalidInput, "bad one");
  fail(2, "validate", ErrorCode::kWrongType, "wrong");
  fail(3, "parse", ErrorCode::kInvalidInput, "bad two");
  fail(4, "parse", ErrorCode::kInvalidEncoding, "bad bytes");
  collector.Deliver(std::move(batch));
  EXPECT_EQ(collector.ok(), 1u);
  EXPECT_EQ(collector.errors(), 4u);
  EXPECT_EQ(h.errors_live.load(), 4u);
  EXPECT_EQ(messages, (std::vector<std::string>{"bad one", "wrong", "bad two", "bad bytes"}));
  const auto count = [&](size_t entry, ErrorCode code) {
    return collector.errors_by_stage()[entry].by_code[static_cast<size_t>(code)];
  };
  ASSERT_EQ(collector.errors_by_stage().size(), 2u);
  EXPECT_EQ(collector.errors_by_stage()[0].stage, "parse");
  EXPECT_EQ(count(0, ErrorCode::kInvalidInput), 2u);
  EXPECT_EQ(count(0, ErrorCode::kInvalidEncoding), 1u);
  EXPECT_EQ(collector.errors_by_stage()[1].stage, "validate");
  EXPECT_EQ(count(1, ErrorCode::kWrongType), 1u);
}

// An emitted Error goes back to the spare batches with its batch, for Item::Fail to reuse
// (detail/error_reuse.h): not freed by the emitting thread.
TEST(CollectorTest, EmittedErrorsStayWithTheirBatch) {
  CollectorHarness h;
  CollectorCallbacks callbacks;
  std::vector<std::string> messages;
  callbacks.on_error = [&](const Error& error) { messages.push_back(error.message); };
  Collector collector(/*ordered=*/false, callbacks, 2, nullptr, h.errors_live, h.pool);
  Batch batch = NumberedBatch(0, 3, 0);
  batch.items[0].Fail(ErrorCode::kInvalidInput, "first");
  batch.items[2].Fail(ErrorCode::kWrongType, "second");
  const Error* first = batch.items[0].error.get();
  collector.Deliver(std::move(batch));
  EXPECT_EQ(messages, (std::vector<std::string>{"first", "second"}));
  const Batch spare = h.pool.Take();
  EXPECT_TRUE(spare.empty());
  ASSERT_EQ(spare.spare_errors.size(), 2u);
  EXPECT_EQ(spare.spare_errors[0].get(), first);
}

// Encoders run on the delivering threads, concurrently; the writers get each batch's
// bytes, one batch at a time and in sequence when ordered.
TEST(CollectorTest, EncodedBatchesAreWrittenInSequenceWithTheirCounts) {
  constexpr int kBatches = 64, kBatchSize = 4;
  CollectorHarness h;
  std::string results, errors;
  uint64_t result_count = 0, error_count = 0;
  std::atomic<int> encoding_threads_seen{0};
  CollectorCallbacks callbacks;
  callbacks.encode_result = [](const Record& record, std::string& out) {
    out += std::to_string(IndexOf(record)) + ",";
  };
  callbacks.write_results = [&](std::string_view bytes, uint64_t n) {
    results += bytes;
    result_count += n;
  };
  callbacks.encode_error = [](const Error& error, std::string& out) { out += error.message + ","; };
  callbacks.write_errors = [&](std::string_view bytes, uint64_t n) {
    errors += bytes;
    error_count += n;
  };
  Collector collector(/*ordered=*/true, callbacks, 4, nullptr, h.errors_live, h.pool);
  std::vector<std::thread> workers;
  for (int t = 0; t < 2; ++t) {
    workers.emplace_back([&, t] {
      for (int b = kBatches - 1 - t; b >= 0; b -= 2) {  // odd from the last down; even
        Batch batch = NumberedBatch(b * kBatchSize, kBatchSize, static_cast<uint64_t>(b));
        batch.items[0].Fail(ErrorCode::kInvalidInput, "e" + std::to_string(b));
        collector.Deliver(std::move(batch));
      }
    });
  }
  for (std::thread& w : workers) w.join();
  std::string want_results, want_errors;
  for (int b = 0; b < kBatches; ++b) {
    want_errors += "e" + std::to_string(b) + ",";
    for (int k = 1; k < kBatchSize; ++k) want_results += std::to_string(b * kBatchSize + k) + ",";
  }
  EXPECT_EQ(results, want_results);
  EXPECT_EQ(errors, want_errors);
  EXPECT_EQ(result_count, static_cast<uint64_t>(kBatches * (kBatchSize - 1)));
  EXPECT_EQ(error_count, static_cast<uint64_t>(kBatches));
  EXPECT_EQ(collector.ok(), result_count);
  EXPECT_EQ(collector.errors(), error_count);
}

// An Error keeps only the first 256 bytes of its line; the dead-letter encoder gets the
// whole line from the batch, which still holds it. A line the source did not keep whole
// (too_large) stays cut, and says so.
TEST(CollectorTest, TheErrorEncoderGetsTheWholeLineWhileTheBatchHoldsIt) {
  CollectorHarness h;
  std::string dead_letters;
  CollectorCallbacks callbacks;
  callbacks.encode_error = [](const Error& error, std::string& out) {
    error.AppendJson(out);
    out += '\n';
  };
  callbacks.write_errors = [&](std::string_view bytes, uint64_t) { dead_letters += bytes; };
  Collector collector(/*ordered=*/false, callbacks, 2, nullptr, h.errors_live, h.pool);
  const std::string long_line(1000, 'x');
  const std::string kept_start(Error::kMaxExcerptBytes, 'y');
  Batch batch;
  batch.AddLine(long_line, 1, 0).Fail(ErrorCode::kInvalidInput, "bad");
  batch.AddLine(kept_start, 2, 1001).Fail(ErrorCode::kTooLarge, "too large");
  batch.Seal();
  for (Item& item : batch.items) {
    item.error->excerpt.assign(item.raw.substr(0, Error::kMaxExcerptBytes));
    item.error->raw_bytes = item.raw.size();
  }
  batch.items[1].error->raw_bytes = 5000;  // the source kept only the start
  collector.Deliver(std::move(batch));
  EXPECT_NE(dead_letters.find("\"raw\":\"" + long_line + "\"}\n"), std::string::npos)
      << dead_letters;
  EXPECT_NE(dead_letters.find("\"raw\":\"" + kept_start +
                              "\",\"raw_truncated\":true,\"raw_bytes\":5000}\n"),
            std::string::npos)
      << dead_letters;
}

TEST(CollectorTest, AThrowingEncoderIsReportedAndTheCountsGoOn) {
  CollectorHarness h;
  uint64_t written = 0;
  CollectorCallbacks callbacks;
  callbacks.encode_result = [](const Record& record, std::string& out) {
    if (IndexOf(record) == 5) throw std::runtime_error("cannot encode 5");
    out += "x";
  };
  callbacks.write_results = [&](std::string_view, uint64_t n) { written += n; };
  Collector collector(/*ordered=*/false, callbacks, 2, nullptr, h.errors_live, h.pool);
  collector.Deliver(NumberedBatch(0, 4, 0));
  collector.Deliver(NumberedBatch(4, 4, 1));  // holds 5
  collector.Deliver(NumberedBatch(8, 4, 2));
  EXPECT_EQ(written, 4u);  // the first batch; nothing is written after the failure
  EXPECT_EQ(collector.ok(), 12u);
  ASSERT_TRUE(collector.failure());
  EXPECT_THROW(std::rethrow_exception(collector.failure()), std::runtime_error);
}

TEST(CollectorTest, RowsDeliveredAtTheEndAreEncodedToo) {
  CollectorHarness h;
  std::string results;
  CollectorCallbacks callbacks;
  callbacks.encode_result = [](const Record& record, std::string& out) {
    out += std::to_string(IndexOf(record)) + ";";
  };
  callbacks.write_results = [&](std::string_view bytes, uint64_t n) {
    EXPECT_EQ(n, 1u);
    results += bytes;
  };
  Collector collector(/*ordered=*/false, callbacks, 2, nullptr, h.errors_live, h.pool);
  Record row;
  row.Append(IndexField(), int64_t{42});
  collector.DeliverResult(row);
  EXPECT_EQ(results, "42;");
  EXPECT_EQ(collector.results(), 1u);
}

TEST(CollectorTest, AbandonReleasesAHandOverBlockedOnAFullQueue) {
  CollectorHarness h;
  std::atomic<bool> release_sink{false};
  std::atomic<bool> sink_entered{false};
  CollectorCallbacks callbacks;
  callbacks.on_result = [&](const Record&) {
    sink_entered = true;
    while (!release_sink) std::this_thread::sleep_for(1ms);  // a stuck sink
  };
  Collector collector(/*ordered=*/false, callbacks, 1, nullptr, h.errors_live, h.pool);
  std::thread emitter([&] { collector.Deliver(NumberedBatch(0, 1, 0)); });
  while (!sink_entered) std::this_thread::sleep_for(1ms);
  collector.Deliver(NumberedBatch(1, 1, 0));  // waits in the queue (capacity 1)
  std::atomic<bool> third_returned{false};
  std::thread blocked([&] {
    collector.Deliver(NumberedBatch(2, 1, 0));  // the queue is full: blocks
    third_returned = true;
  });
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(third_returned.load()) << "a full collector queue must block the hand-over";
  collector.Abandon();
  blocked.join();
  EXPECT_TRUE(third_returned.load());
  release_sink = true;
  emitter.join();
}

}  // namespace
}  // namespace sluice::detail
