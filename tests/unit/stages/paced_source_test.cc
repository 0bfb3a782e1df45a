// PacedSource: a replay at the recorded pace, over a memory source and a file.
#include "stages/paced_source.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "framework/clock.h"
#include "stages/sources.h"
#include "unit/stages/source_test_util.h"

namespace sluice {
namespace {

using source_test::Collect;
using source_test::FileSourceTest;
using source_test::Line;
using source_test::Raws;
using source_test::ReadAll;
using std::chrono::milliseconds;
using ::testing::ElementsAre;

// Lines from memory; fails the lines listed in `failed` with kTooLarge.
class MemorySource final : public Source {
 public:
  explicit MemorySource(std::vector<std::string> lines, std::vector<size_t> failed = {})
      : lines_(std::move(lines)), failed_(std::move(failed)) {}
  std::string_view name() const override { return "memory"; }
  SourceStatus Read(Batch& batch, size_t max_items) override {
    while (batch.size() < max_items && next_ < lines_.size()) {
      Item& item = batch.AddLine(lines_[next_], next_ + 1, next_ * 10);
      if (std::find(failed_.begin(), failed_.end(), next_) != failed_.end()) {
        item.Fail(ErrorCode::kTooLarge, "too big");
      }
      ++next_;
    }
    return next_ < lines_.size() ? SourceStatus::kMore : SourceStatus::kEnd;
  }
  uint64_t bytes_read() const override { return 123; }

 private:
  std::vector<std::string> lines_;
  std::vector<size_t> failed_;
  size_t next_ = 0;
};

// Event time: the line up to its first space, as milliseconds; none when it is not a number.
std::optional<int64_t> LeadingMillis(const Item& item) {
  const std::string_view raw = item.raw.substr(0, item.raw.find(' '));
  if (raw.empty() || raw.find_first_not_of("0123456789") != std::string_view::npos) {
    return std::nullopt;
  }
  return std::stoll(std::string(raw));
}

struct Release {
  std::vector<std::string> lines;
  milliseconds at;  // since the replay started
  SourceStatus status;
  bool operator==(const Release&) const = default;
};
void PrintTo(const Release& r, std::ostream* os) {
  *os << "{" << ::testing::PrintToString(r.lines) << " at " << r.at.count() << "ms"
      << (r.status == SourceStatus::kEnd ? " end}" : "}");
}

std::vector<Release> Replay(std::vector<std::string> lines, ReplayOptions options, FakeClock& clock,
                            size_t max_items = 100) {
  auto paced = MakePacedSource(std::make_unique<MemorySource>(std::move(lines)), options,
                               LeadingMillis, clock);
  const auto start = clock.Now();
  std::vector<Release> releases;
  for (int reads = 0; reads < 1000; ++reads) {
    Batch batch;
    const SourceStatus status = paced->Read(batch, max_items);
    releases.push_back({Raws(Collect(batch)),
                        std::chrono::duration_cast<milliseconds>(clock.Now() - start), status});
    if (status != SourceStatus::kMore) break;
  }
  return releases;
}

TEST(PacedSourceTest, ReleasesAtRecordedPaceAtSpeedOne) {
  FakeClock clock;
  const auto releases = Replay({"1000", "1000 same", "1500", "3000"}, {.speed = 1.0}, clock);
  EXPECT_THAT(releases,
              ElementsAre(Release{{"1000", "1000 same"}, milliseconds(0), SourceStatus::kMore},
                          Release{{"1500"}, milliseconds(500), SourceStatus::kMore},
                          Release{{"3000"}, milliseconds(2000), SourceStatus::kEnd}));
  EXPECT_EQ(clock.slept(), milliseconds(2000));
}

TEST(PacedSourceTest, SpeedSixtyCompressesAMinuteIntoASecond) {
  FakeClock clock;
  const auto releases = Replay({"0", "60000", "90000", "120000"}, {.speed = 60.0}, clock);
  EXPECT_THAT(releases, ElementsAre(Release{{"0"}, milliseconds(0), SourceStatus::kMore},
                                    Release{{"60000"}, milliseconds(1000), SourceStatus::kMore},
                                    Release{{"90000"}, milliseconds(1500), SourceStatus::kMore},
                                    Release{{"120000"}, milliseconds(2000), SourceStatus::kEnd}));
  EXPECT_EQ(clock.slept(), milliseconds(2000));
}

TEST(PacedSourceTest, MaxGapCutsAJumpForwardToIt) {
  // A line a day ahead (a quiet night, or a clock that ran ahead) waits 5 s, not a day.
  FakeClock clock;
  const auto releases = Replay({"1000", "2000", "86402000", "86403000"},
                               {.speed = 1.0, .max_gap = milliseconds(5000)}, clock);
  EXPECT_THAT(releases, ElementsAre(Release{{"1000"}, milliseconds(0), SourceStatus::kMore},
                                    Release{{"2000"}, milliseconds(1000), SourceStatus::kMore},
                                    Release{{"86402000"}, milliseconds(6000), SourceStatus::kMore},
                                    Release{{"86403000"}, milliseconds(7000), SourceStatus::kEnd}));
  EXPECT_EQ(clock.slept(), milliseconds(7000));
}

TEST(PacedSourceTest, MaxGapWaitsOnceForALineWhoseClockRanAheadAndPacesTheRest) {
  FakeClock clock;
  const auto releases = Replay({"1000", "2000", "999999999999", "3000", "4000"},
                               {.speed = 1.0, .max_gap = milliseconds(5000)}, clock);
  EXPECT_THAT(releases,
              ElementsAre(Release{{"1000"}, milliseconds(0), SourceStatus::kMore},
                          Release{{"2000"}, milliseconds(1000), SourceStatus::kMore},
                          Release{{"999999999999"}, milliseconds(6000), SourceStatus::kMore},
                          Release{{"3000"}, milliseconds(7000), SourceStatus::kMore},
                          Release{{"4000"}, milliseconds(8000), SourceStatus::kEnd}));
}

TEST(PacedSourceTest, LateItemsPassAtOnceAndPacingNeverGoesBack) {
  FakeClock clock;
  const auto releases = Replay({"1000", "3000", "2000", "500", "4000"}, {.speed = 1.0}, clock);
  EXPECT_THAT(releases,
              ElementsAre(Release{{"1000"}, milliseconds(0), SourceStatus::kMore},
                          Release{{"3000", "2000", "500"}, milliseconds(2000), SourceStatus::kMore},
                          Release{{"4000"}, milliseconds(3000), SourceStatus::kEnd}));
  EXPECT_EQ(clock.slept(), milliseconds(3000));
}

TEST(PacedSourceTest, UntimedItemsPassAtOnceAndTheFirstTimedItemAnchors) {
  FakeClock clock;
  const auto releases = Replay({"x", "5000", "y", "5100", "z"}, {.speed = 2.0}, clock);
  EXPECT_THAT(releases,
              ElementsAre(Release{{"x", "5000", "y"}, milliseconds(0), SourceStatus::kMore},
                          Release{{"5100", "z"}, milliseconds(50), SourceStatus::kEnd}));
  EXPECT_EQ(clock.slept(), milliseconds(50));
}

TEST(PacedSourceTest, MaxItemsCutsBatchesOfDueItems) {
  FakeClock clock;
  const auto releases = Replay({"1", "1", "1", "1", "1"}, {.speed = 1.0}, clock, 2);
  ASSERT_EQ(releases.size(), 3u);
  EXPECT_EQ(releases[0].lines.size(), 2u);
  EXPECT_EQ(releases[1].lines.size(), 2u);
  EXPECT_EQ(releases[2].lines.size(), 1u);
  EXPECT_EQ(releases[2].status, SourceStatus::kEnd);
  EXPECT_EQ(clock.slept(), milliseconds(0));
}

// A stop ends the pacing: the items read and not due yet are handed over at once, all of
// them, not lost (the pipeline reads only once more).
TEST(PacedSourceTest, InterruptedItHandsOverWhatItHoldsAtOnce) {
  FakeClock clock;
  auto paced = MakePacedSource(
      std::make_unique<MemorySource>(std::vector<std::string>{"0 a", "1000 b", "2000 c", "3000 d"}),
      {.speed = 1}, LeadingMillis, clock);
  const auto start = clock.Now();
  Batch first;
  EXPECT_EQ(paced->Read(first, 100), SourceStatus::kMore);
  EXPECT_THAT(Raws(Collect(first)), ElementsAre("0 a"));  // "1000 b" is due in a second
  paced->Interrupt();
  Batch rest;
  EXPECT_EQ(paced->Read(rest, /*max_items=*/2), SourceStatus::kEnd);
  EXPECT_THAT(Raws(Collect(rest)), ElementsAre("1000 b", "2000 c", "3000 d"));
  EXPECT_EQ(clock.Now(), start);  // without waiting for them
}

// An inner source that a stop cut short says kStopped: the paced source says so too once
// it has handed over what it holds, and does not read the inner source again.
TEST(PacedSourceTest, AnInnerSourceStoppedEarlyEndsItsReadsAsStopped) {
  class StoppingSource final : public Source {
   public:
    std::string_view name() const override { return "stopping"; }
    SourceStatus Read(Batch& batch, size_t /*max_items*/) override {
      ++reads;
      batch.AddLine(std::to_string(reads * 1000), reads, 0);
      return interrupted ? SourceStatus::kStopped : SourceStatus::kMore;
    }
    void Interrupt() override { interrupted = true; }
    int reads = 0;
    bool interrupted = false;
  };
  FakeClock clock;
  auto inner = std::make_unique<StoppingSource>();
  const StoppingSource& stopping = *inner;
  auto paced = MakePacedSource(std::move(inner), {.speed = 1}, LeadingMillis, clock);
  Batch first;
  EXPECT_EQ(paced->Read(first, 100), SourceStatus::kMore);
  paced->Interrupt();
  Batch last;
  EXPECT_EQ(paced->Read(last, 100), SourceStatus::kStopped);
  EXPECT_THAT(Raws(Collect(last)), ElementsAre("2000"));
  Batch after;
  EXPECT_EQ(paced->Read(after, 100), SourceStatus::kStopped);
  EXPECT_TRUE(after.empty());
  EXPECT_EQ(stopping.reads, 2);
}

// A stop while items are held (not due yet) and the inner source holds more it took from
// its input (a pipe's reader): the last read hands over both, however many.
TEST(PacedSourceTest, AStopHandsOverWhatItHoldsAndWhatTheInnerSourceHolds) {
  class PipeLike final : public Source {
   public:
    std::string_view name() const override { return "pipe"; }
    SourceStatus Read(Batch& batch, size_t /*max_items*/) override {
      if (interrupted) {
        batch.AddLine("3000 held", 4, 0);  // taken from the pipe, not handed over yet
        return SourceStatus::kStopped;
      }
      for (const char* line : {"0 a", "1000 b", "2000 c"}) batch.AddLine(line, ++lines, 0);
      return SourceStatus::kMore;
    }
    void Interrupt() override { interrupted = true; }
    bool interrupted = false;
    uint64_t lines = 0;
  };
  FakeClock clock;
  auto paced = MakePacedSource(std::make_unique<PipeLike>(), {.speed = 1}, LeadingMillis, clock);
  Batch first;
  EXPECT_EQ(paced->Read(first, 100), SourceStatus::kMore);
  EXPECT_THAT(Raws(Collect(first)), ElementsAre("0 a"));  // "1000 b" is due in a second
  paced->Interrupt();
  Batch last;
  EXPECT_EQ(paced->Read(last, /*max_items=*/1), SourceStatus::kStopped);
  EXPECT_THAT(Raws(Collect(last)), ElementsAre("1000 b", "2000 c", "3000 held"));
}

TEST(PacedSourceTest, FailedItemsPassAtOnceWithTheirErrorAndPosition) {
  FakeClock clock;
  auto paced =
      MakePacedSource(std::make_unique<MemorySource>(
                          std::vector<std::string>{"0", "9000 big", "100"}, std::vector<size_t>{1}),
                      {.speed = 1.0}, LeadingMillis, clock);
  EXPECT_EQ(paced->name(), "memory");
  EXPECT_EQ(paced->bytes_read(), 123u);
  Batch batch;
  EXPECT_EQ(paced->Read(batch, 10), SourceStatus::kMore);
  batch.Seal();
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_EQ(batch.items[1].raw, "9000 big");
  EXPECT_EQ(batch.items[1].line, 2u);
  EXPECT_EQ(batch.items[1].offset, 10u);
  ASSERT_FALSE(batch.items[1].ok());
  EXPECT_EQ(batch.items[1].error->code, ErrorCode::kTooLarge);
  EXPECT_EQ(batch.items[1].error->message, "too big");
  Batch last;
  EXPECT_EQ(paced->Read(last, 10), SourceStatus::kEnd);
  EXPECT_EQ(Raws(Collect(last)), std::vector<std::string>{"100"});
  EXPECT_EQ(clock.slept(), milliseconds(100));
}

TEST_F(FileSourceTest, PacedFileReplayKeepsLineTextAndPositions) {
  FakeClock clock;
  auto paced = MakePacedSource(Open("10 a\n20 b\r\n\n40 d"), {.speed = 10.0}, LeadingMillis, clock);
  const std::vector<Line> lines = ReadAll(*paced, 100);
  EXPECT_THAT(Raws(lines), ElementsAre("10 a", "20 b", "", "40 d"));
  EXPECT_EQ(lines[3].line, 4u);
  EXPECT_EQ(lines[3].offset, 12u);
  EXPECT_EQ(clock.slept(), milliseconds(3));
}

// Records made by a source (no raw text) come out as records, with their numbers.
TEST(PacedSourceTest, RecordItemsStayRecordsWithTheirNumbers) {
  class RecordSource final : public Source {
   public:
    std::string_view name() const override { return "records"; }
    SourceStatus Read(Batch& batch, size_t) override {
      for (int64_t at : {0, 500}) {
        Record record;
        record.Set(FieldNames::Intern("at"), at);
        batch.AddRecord(std::move(record), static_cast<uint64_t>(at) + 1);
      }
      return SourceStatus::kEnd;
    }
  };
  const auto at_ms = [](const Item& item) -> std::optional<int64_t> {
    return std::get<int64_t>(*item.record.Find(FieldNames::Intern("at")));
  };
  FakeClock clock;
  auto paced = MakePacedSource(std::make_unique<RecordSource>(), {.speed = 1.0}, at_ms, clock);
  std::vector<std::string> got;
  for (int reads = 0; reads < 10; ++reads) {
    Batch batch;
    const SourceStatus status = paced->Read(batch, 100);
    batch.Seal();  // as the pipeline does: a line item's view would point into the text now
    for (const Item& item : batch.items) {
      EXPECT_EQ(item.raw.data(), nullptr);
      got.push_back(std::to_string(item.line) + " " + item.record.ToJson());
    }
    if (status != SourceStatus::kMore) break;
  }
  EXPECT_THAT(got, ElementsAre(R"(1 {"at":0})", R"(501 {"at":500})"));
  EXPECT_EQ(clock.slept(), milliseconds(500));
}

TEST(PacedSourceTest, RejectsANonPositiveSpeed) {
  FakeClock clock;
  EXPECT_THROW(MakePacedSource(std::make_unique<MemorySource>(std::vector<std::string>{}),
                               {.speed = 0}, LeadingMillis, clock),
               std::invalid_argument);
}

}  // namespace
}  // namespace sluice
