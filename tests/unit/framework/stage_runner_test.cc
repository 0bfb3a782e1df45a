#include "framework/detail/stage_runner.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstddef>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "framework/detail/error_reuse.h"

namespace sluice::detail {
namespace {

// Acts on each line's text: "pass..." (any line starting so), "filter", "absorb", "fail"
// (Item::Fail), "bare-error" (an error verdict without Fail), "no-verdict" (a value that is
// no Verdict), "fail-pass", "fail-filter" and "fail-absorb" (Fail, then that verdict
// returned), "throw", "bad-alloc".
class ScriptedWorker : public StageWorker {
 public:
  Verdict Process(Item& item) override {
    ++calls;
    if (item.raw.starts_with("pass")) return Verdict::kPass;
    if (item.raw == "filter") return Verdict::kFilter;
    if (item.raw == "absorb") return Verdict::kAbsorb;
    if (item.raw == "fail") return item.Fail(ErrorCode::kInvalidInput, "scripted failure");
    if (item.raw == "bare-error") return Verdict::kError;
    if (item.raw == "no-verdict") return static_cast<Verdict>(7);
    for (const auto& [line, verdict] :
         {std::pair{"fail-pass", Verdict::kPass}, std::pair{"fail-filter", Verdict::kFilter},
          std::pair{"fail-absorb", Verdict::kAbsorb}}) {
      if (item.raw == line) {
        item.Fail(ErrorCode::kWrongType, "failed, then returned another verdict");
        return verdict;
      }
    }
    if (item.raw == "throw") throw std::runtime_error("scripted throw");
    if (item.raw == "bad-alloc") throw std::bad_alloc();
    ADD_FAILURE() << "unexpected line " << item.raw;
    return Verdict::kPass;
  }
  void PassOver(const Item& failed) noexcept override { passed_over.push_back(failed.line); }
  int calls = 0;
  std::vector<uint64_t> passed_over;  // the lines of the items that came in failed
};

struct Run {
  std::vector<std::string> kept;   // the raw text of the items left, in order
  std::vector<std::string> codes;  // per kept item: its error code's name, "ok" when none
  StageCounters counters;
  std::atomic<uint64_t> items_done{0};
  int calls = 0;
  std::vector<uint64_t> passed_over;
};

const std::string kStage = "scripted";
const std::string kSource = "input.txt";

// Runs the worker over one batch of `lines` (numbered from 1); line "earlier-error" comes
// in already failed, as an error item of an earlier stage. Counts the items it comes to
// (the loop a stage with a stall_timeout runs) when `count_items`; fetches items ahead as
// for a batch from a queue when `items_from` says another thread made them.
std::unique_ptr<Run> RunBatch(const std::vector<std::string>& lines, bool count_items = true,
                              ItemsFrom items_from = ItemsFrom::kThisThread) {
  Batch batch;
  for (size_t i = 0; i < lines.size(); ++i) {
    Item& item = batch.AddLine(lines[i], i + 1, 10 * i);
    if (lines[i] == "earlier-error") item.Fail(ErrorCode::kMissingField, "from before");
  }
  batch.Seal();
  ScriptedWorker worker;
  auto run = std::make_unique<Run>();
  ProcessBatch(worker, batch, {.stage = &kStage, .source = &kSource}, run->counters,
               count_items ? &run->items_done : nullptr, items_from);
  for (const Item& item : batch.items) {
    run->kept.emplace_back(item.raw);
    run->codes.emplace_back(item.ok() ? "ok" : ErrorCodeName(item.error->code));
  }
  run->calls = worker.calls;
  run->passed_over = worker.passed_over;
  return run;
}

TEST(StageRunnerTest, AllPassKeepsEveryItemInOrder) {
  const std::vector<std::string> lines = {"pass-1", "pass-2", "pass-3", "pass-4", "pass-5"};
  const auto run = RunBatch(lines);
  EXPECT_EQ(run->kept, lines);
  EXPECT_EQ(run->counters.in, 5u);
  EXPECT_EQ(run->counters.out, 5u);
  EXPECT_EQ(run->counters.filtered + run->counters.errors + run->counters.absorbed, 0u);
}

// Each of ProcessBatch's loops: counting items or not, fetching items ahead or not (the
// batch is longer than the distance fetched ahead).
class StageRunnerLoopTest : public testing::TestWithParam<std::tuple<bool, ItemsFrom>> {};

INSTANTIATE_TEST_SUITE_P(EachLoop, StageRunnerLoopTest,
                         testing::Combine(testing::Bool(),
                                          testing::Values(ItemsFrom::kThisThread,
                                                          ItemsFrom::kAnotherThread)));

TEST_P(StageRunnerLoopTest, EachVerdictIsCountedAndKeptOrDropped) {
  const auto [count_items, items_from] = GetParam();
  const auto run = RunBatch(
      {"pass-1", "filter", "fail", "absorb", "earlier-error", "bare-error", "pass-2", "fail-pass",
       "throw", "bad-alloc", "filter", "fail-filter", "fail-absorb", "pass-3"},
      count_items, items_from);
  // Filtered and absorbed items leave the batch; passed and failed ones stay, in order. A
  // Fail() wins over the verdict returned after it.
  EXPECT_EQ(run->kept, (std::vector<std::string>{"pass-1", "fail", "earlier-error", "bare-error",
                                                 "pass-2", "fail-pass", "throw", "bad-alloc",
                                                 "fail-filter", "fail-absorb", "pass-3"}));
  EXPECT_EQ(run->codes,
            (std::vector<std::string>{"ok", "invalid_input", "missing_field", "internal", "ok",
                                      "wrong_type", "stage_failure", "resource_exhausted",
                                      "wrong_type", "wrong_type", "ok"}));
  EXPECT_EQ(run->calls, 13);  // not for the item that came in failed: it is passed over
  EXPECT_EQ(run->passed_over, (std::vector<uint64_t>{5}));
  EXPECT_EQ(run->counters.in, 13u);
  EXPECT_EQ(run->counters.out, 4u);  // 3 passed + 1 absorbed (ok, not passed on)
  EXPECT_EQ(run->counters.filtered, 2u);
  EXPECT_EQ(run->counters.absorbed, 1u);
  EXPECT_EQ(run->counters.errors, 7u);
  EXPECT_EQ(run->items_done, count_items ? 14u : 0u);
}

// The loop runs the stage alone while items pass, and sorts from the first that does not:
// that item, wherever it is (first, last, between), and the passing items before and after
// it, come out as in a batch sorted from the start.
TEST_P(StageRunnerLoopTest, TheFirstItemThatDoesNotPassMayBeAnywhere) {
  const auto [count_items, items_from] = GetParam();
  constexpr size_t kItems = 12;  // longer than the distance fetched ahead
  for (const std::string odd : {"throw", "filter", "absorb", "fail", "earlier-error", "fail-pass",
                                "fail-filter", "fail-absorb", "bare-error"}) {
    for (size_t at = 0; at < kItems; ++at) {
      SCOPED_TRACE(odd + " at " + std::to_string(at));
      std::vector<std::string> lines;
      for (size_t i = 0; i < kItems; ++i) lines.push_back("pass-" + std::to_string(i));
      lines[at] = odd;
      const auto run = RunBatch(lines, count_items, items_from);
      const bool dropped = odd == "filter" || odd == "absorb";
      std::vector<std::string> expected = lines;
      if (dropped) expected.erase(expected.begin() + static_cast<std::ptrdiff_t>(at));
      EXPECT_EQ(run->kept, expected);
      const bool ran = odd != "earlier-error";
      EXPECT_EQ(run->calls, ran ? kItems : kItems - 1);
      EXPECT_EQ(run->counters.in, ran ? kItems : kItems - 1);
      EXPECT_EQ(run->counters.filtered, odd == "filter" ? 1u : 0u);
      EXPECT_EQ(run->counters.absorbed, odd == "absorb" ? 1u : 0u);
      const bool error_here = odd.starts_with("fail") || odd == "throw" || odd == "bare-error";
      EXPECT_EQ(run->counters.errors, error_here ? 1u : 0u);
      if (!dropped) {
        EXPECT_EQ(run->codes[at] != "ok", error_here || !ran);  // it stays failed
      }
      EXPECT_EQ(run->passed_over, ran ? std::vector<uint64_t>{} : std::vector<uint64_t>{at + 1});
      EXPECT_EQ(run->counters.out, odd == "absorb" ? kItems : kItems - 1);  // absorbed: ok
      EXPECT_EQ(run->items_done, count_items ? kItems : 0u);
    }
  }
}

TEST(StageRunnerTest, ErrorsMadeHereAreDecoratedAndEarlierOnesLeftAlone) {
  const std::vector<std::string> made_here = {"fail",      "throw",       "bare-error",
                                              "fail-pass", "fail-filter", "fail-absorb"};
  Batch batch;
  batch.AddLine("earlier-error", 1, 0).Fail(ErrorCode::kMissingField, "from before");
  for (size_t i = 0; i < made_here.size(); ++i) batch.AddLine(made_here[i], i + 2, 10 * i + 7);
  batch.Seal();
  ScriptedWorker worker;
  StageCounters counters;
  std::atomic<uint64_t> items_done{0};
  ProcessBatch(worker, batch, {.stage = &kStage, .source = &kSource}, counters, &items_done);
  ASSERT_EQ(batch.size(), 1 + made_here.size());
  const Error& earlier = *batch.items[0].error;
  EXPECT_EQ(earlier.stage, "");  // decorated by the stage that made it, not again here
  EXPECT_EQ(earlier.excerpt, "");
  for (size_t i = 0; i < made_here.size(); ++i) {
    SCOPED_TRACE(made_here[i]);
    const Error& error = *batch.items[i + 1].error;
    EXPECT_EQ(error.stage, kStage);
    EXPECT_EQ(error.source, kSource);
    EXPECT_EQ(error.line, i + 2);
    EXPECT_EQ(error.offset, 10 * i + 7);
    EXPECT_EQ(error.excerpt, made_here[i]);
  }
  EXPECT_EQ(batch.items[1].error->message, "scripted failure");
  EXPECT_EQ(batch.items[2].error->message, "stage threw: scripted throw");
  EXPECT_EQ(batch.items[3].error->message, "stage returned an error verdict without an error");
  EXPECT_EQ(batch.items[4].error->message, "failed, then returned another verdict");
}

// The excerpt of a long line is cut, and its dead letter says so, with the line's length.
// A value outside the enum (a cast, a stage's bug) fails the item rather than passing it
// on as kPass, so that the counts say so.
TEST(StageRunnerTest, AVerdictThatIsNoVerdictFailsTheItem) {
  const auto run = RunBatch({"pass-1", "no-verdict", "pass-2"});
  EXPECT_EQ(run->kept, (std::vector<std::string>{"pass-1", "no-verdict", "pass-2"}));
  EXPECT_EQ(run->codes, (std::vector<std::string>{"ok", "internal", "ok"}));
  EXPECT_EQ(run->counters.in, 3u);
  EXPECT_EQ(run->counters.out, 2u);
  EXPECT_EQ(run->counters.errors, 1u);
}

TEST(StageRunnerTest, AnErrorOnALongLineSaysItsExcerptIsCut) {
  const std::string long_line = "pass" + std::string(996, 'x');
  Batch batch;
  batch.AddLine(long_line, 1, 0).Fail(ErrorCode::kInvalidInput, "bad");
  batch.AddLine("short", 2, 1001).Fail(ErrorCode::kInvalidInput, "bad");
  batch.Seal();
  for (Item& item : batch.items) DecorateError(item, {.stage = &kStage, .source = &kSource});
  const Error& cut = *batch.items[0].error;
  EXPECT_EQ(cut.excerpt, long_line.substr(0, Error::kMaxExcerptBytes));
  EXPECT_EQ(cut.raw_bytes, 1000u);
  EXPECT_TRUE(cut.excerpt_truncated());
  const std::string json = cut.ToJson();
  EXPECT_NE(json.find("\"raw\":\"pass" + std::string(Error::kMaxExcerptBytes - 4, 'x') +
                      "\",\"raw_truncated\":true,\"raw_bytes\":1000}"),
            std::string::npos)
      << json;
  const Error& whole = *batch.items[1].error;
  EXPECT_FALSE(whole.excerpt_truncated());
  EXPECT_EQ(whole.ToJson().find("raw_truncated"), std::string::npos);
  EXPECT_TRUE(whole.ToJson().ends_with("\"raw\":\"short\"}"));
}

TEST(StageRunnerTest, CountersAddUpOverBatches) {
  StageCounters counters;
  std::atomic<uint64_t> items_done{0};
  ScriptedWorker worker;
  for (int round = 0; round < 3; ++round) {
    Batch batch;
    for (std::string_view line : {"pass-1", "filter", "fail", "absorb"}) batch.AddLine(line, 1, 0);
    batch.Seal();
    ProcessBatch(worker, batch, {.stage = &kStage, .source = &kSource}, counters, &items_done);
  }
  EXPECT_EQ(counters.in, 12u);
  EXPECT_EQ(counters.out, 6u);
  EXPECT_EQ(counters.filtered, 3u);
  EXPECT_EQ(counters.errors, 3u);
  EXPECT_EQ(counters.absorbed, 3u);
  EXPECT_EQ(items_done, 12u);  // every item it came to, the one that came failed too
}

// The collector keeps an emitted Error in its batch (KeepError); when the batch comes round
// again, a failing item gets that Error back with nothing left of its last use.
TEST(StageRunnerTest, AnErrorKeptInTheBatchIsReusedAsIfNew) {
  const std::string other_stage = "earlier";
  const std::string other_source = "before.txt";
  Batch batch;
  batch.AddLine("pass" + std::string(996, 'x'), 7, 70).Fail(ErrorCode::kTooLarge, "too long");
  batch.Seal();
  DecorateError(batch.items[0], {.stage = &other_stage, .source = &other_source});
  const Error* kept = batch.items[0].error.get();
  KeepError(std::move(batch.items[0].error), batch);
  batch.Clear();
  ASSERT_EQ(batch.spare_errors.size(), 1u);

  batch.AddLine("fail", 1, 0);
  batch.Seal();
  ScriptedWorker worker;
  StageCounters counters;
  std::atomic<uint64_t> items_done{0};
  ProcessBatch(worker, batch, {.stage = &kStage, .source = &kSource}, counters, &items_done);
  ASSERT_EQ(batch.items[0].error.get(), kept);
  EXPECT_TRUE(batch.spare_errors.empty());
  const Error& error = *batch.items[0].error;
  EXPECT_EQ(error.code, ErrorCode::kInvalidInput);
  EXPECT_EQ(error.message, "scripted failure");
  EXPECT_EQ(error.stage, kStage);
  EXPECT_EQ(error.source, kSource);
  EXPECT_EQ(error.line, 1u);
  EXPECT_EQ(error.offset, 0u);
  EXPECT_EQ(error.excerpt, "fail");
  EXPECT_EQ(error.raw_bytes, 4u);
  EXPECT_FALSE(error.excerpt_truncated());

  // Outside ProcessBatch, and once the spares run out, Fail allocates.
  Item outside;
  outside.Fail(ErrorCode::kInternal, "x");
  EXPECT_NE(outside.error.get(), kept);
}

// A batch keeps at most as many Errors as it holds items (sources fail lines outside
// ProcessBatch, and their Errors must not pile up), and none holding a long message.
TEST(StageRunnerTest, ABatchKeepsErrorsUpToItsCapacityAndNoLongMessages) {
  Batch batch;
  batch.items.reserve(4);
  KeepError(std::make_unique<Error>(Error{.message = std::string(100'000, 'm')}), batch);
  EXPECT_TRUE(batch.spare_errors.empty());
  for (int k = 0; k < 10; ++k) {
    KeepError(std::make_unique<Error>(Error{.message = std::string(100, 'm')}), batch);
  }
  EXPECT_EQ(batch.spare_errors.size(), batch.items.capacity());
}

}  // namespace
}  // namespace sluice::detail
