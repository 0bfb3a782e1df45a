// FileSource with RecordFraming (parse_csv's multiline): rows whose quoted fields hold
// line breaks come whole, numbered by their first line.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "stages/sources.h"
#include "unit/result_matchers.h"
#include "unit/stages/source_test_util.h"

namespace sluice {
namespace {

using source_test::Collect;
using source_test::FileSourceTest;
using source_test::Line;
using source_test::Raws;
using source_test::ReadAll;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing_matchers::IsErrorWithMessage;

constexpr RecordFraming kCsvFraming{.quote = '"', .delimiter = ','};

TEST_F(FileSourceTest, QuotedLineBreaksStayInTheirRecordAndLinesCountOn) {
  const std::string content =
      "a,\"x\ny\",b\n"         // lines 1-2: a quoted line break
      "c,d\n"                  // line 3
      "\"q\"\"\r\n\",e\r\n"    // lines 4-5: a doubled quote, then a quoted CRLF
      "f\"g,h\n"               // line 6: a quote inside an unquoted field is a character
      "i,\"open\nto the end";  // lines 7-8: a quote left open runs to the end of the input
  const std::vector<Line> records = ReadAll(*Open(content, 1 << 20, kCsvFraming), 100);
  EXPECT_THAT(Raws(records), ElementsAre("a,\"x\ny\",b", "c,d", "\"q\"\"\r\n\",e", "f\"g,h",
                                         "i,\"open\nto the end"));
  ASSERT_EQ(records.size(), 5u);
  const uint64_t lines[] = {1, 3, 4, 6, 7};
  const uint64_t offsets[] = {0, 10, 14, 25, 31};
  for (size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ(records[i].line, lines[i]) << i;
    EXPECT_EQ(records[i].offset, offsets[i]) << i;
  }
  // Without the framing, every line break ends a line.
  EXPECT_EQ(ReadAll(*Open(content), 100).size(), 8u);
}

// An open quote takes the rest of the input, the input's last line end excepted; over
// max_line_bytes, as one too_large item whose excerpt is its start and whose length leaves
// that line end out too (and a CR before it).
TEST_F(FileSourceTest, AQuoteLeftOpenRunsToTheEndOfTheInput) {
  for (const std::string end : {"\n", "\r\n"}) {
    const std::string content = "a,\"open\nb,c\nd,e" + end;
    EXPECT_THAT(Raws(ReadAll(*Open(content, 1 << 20, kCsvFraming), 100)),
                ElementsAre("a,\"open\nb,c\nd,e"));
    const std::vector<Line> long_one = ReadAll(*Open(content, 8, kCsvFraming), 100);
    ASSERT_EQ(long_one.size(), 1u);
    EXPECT_FALSE(long_one[0].ok);
    EXPECT_EQ(long_one[0].code, ErrorCode::kTooLarge);
    EXPECT_EQ(long_one[0].raw, "a,\"open\nb,c\nd,e");  // shorter than the excerpt: all of it
    EXPECT_EQ(long_one[0].message, "line is 15 bytes, over max_line_bytes 8");
    EXPECT_EQ(long_one[0].raw_bytes, 15u);
  }
}

// The same when a read ends between the CR and the LF: here the first, of 128 KiB
// (kReadBlockBytes in stages/sources.cc); at the old length, 131073, it failed so.
TEST_F(FileSourceTest, AQuoteLeftOpenToACrlfThatAReadCutsLeavesBothOut) {
  const size_t first_read = size_t{128} << 10;
  const std::string content = "a,\"" + std::string(first_read - 4, 'x') + "\r\n";
  const std::vector<Line> lines = ReadAll(*Open(content, 100, kCsvFraming), 100);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].code, ErrorCode::kTooLarge);
  EXPECT_EQ(lines[0].raw_bytes, first_read - 1);
}

TEST_F(FileSourceTest, AFramingWhoseQuoteOrDelimiterEndsLinesIsRefused) {
  EXPECT_THAT(OpenFileSource({.path = WriteFile("in.csv", "a\n"), .framing = {.quote = '\n'}}),
              IsErrorWithMessage(HasSubstr("cannot be CR or LF")));
  EXPECT_THAT(OpenFileSource({.path = WriteFile("in.csv", "a\n"),
                              .framing = {.quote = '"', .delimiter = '"'}}),
              IsErrorWithMessage(HasSubstr("must differ")));
}

// What a source with kCsvFraming must make of records generated field by field: each record
// whole (its final '\r' dropped), numbered by its first line, over `max_line_bytes` failed
// with its first Error::kMaxExcerptBytes bytes kept. Quoted fields hold line breaks (LF and
// CRLF), delimiters and doubled quotes; unquoted ones hold quotes after their first byte.
struct GeneratedRecords {
  std::string content;
  std::vector<Line> expected;
};

GeneratedRecords GenerateCsvRecords(std::mt19937& rng, size_t target_bytes, size_t max_line_bytes) {
  GeneratedRecords out;
  uint64_t line = 1;
  while (out.content.size() < target_bytes) {
    std::string record;
    const size_t fields = rng() % 6;
    const bool long_record = rng() % 50 == 0;
    for (size_t f = 0; f < fields; ++f) {
      if (f > 0) record += ',';
      const size_t length = long_record ? 2000 + rng() % 6000 : rng() % 12;
      if (rng() % 2 == 0) {  // quoted
        record += '"';
        for (size_t i = 0; i < length; ++i) {
          const uint32_t pick = rng() % 16;
          record += pick == 0   ? "\n"
                    : pick == 1 ? "\r\n"
                    : pick == 2 ? "\"\""
                    : pick == 3 ? ","
                                : "x";
        }
        record += '"';
        // Now and then text after the closing quote (a row parse_csv fails): a quote in it
        // is a character, as in an unquoted field.
        if (rng() % 10 == 0) record += rng() % 2 == 0 ? "j\"k" : "jk";
      } else {
        for (size_t i = 0; i < length; ++i) record += i > 0 && rng() % 8 == 0 ? '"' : 'u';
      }
    }
    Line& expected = out.expected.emplace_back();
    expected.line = line;
    expected.offset = out.content.size();
    expected.raw =
        record.substr(0, record.size() <= max_line_bytes ? record.size() : Error::kMaxExcerptBytes);
    if (record.size() > max_line_bytes) {
      expected.ok = false;
      expected.message = "line is " + std::to_string(record.size()) +
                         " bytes, over max_line_bytes " + std::to_string(max_line_bytes);
    }
    line += 1 + static_cast<uint64_t>(std::count(record.begin(), record.end(), '\n'));
    out.content += record;
    out.content += rng() % 3 == 0 ? "\r\n" : "\n";
  }
  if (rng() % 2 == 0 && out.content.back() == '\n') {  // no final line end
    out.content.pop_back();
    if (out.content.back() == '\r') out.content.pop_back();
  }
  if (rng() % 4 == 0) {  // a last record whose quote stays open: the rest of the input
    const std::string open = "z,\"open\nto the end";
    if (!out.content.empty() && out.content.back() != '\n') out.content += '\n';
    Line& last = out.expected.emplace_back();
    last.line = line;
    last.offset = out.content.size();
    last.raw = open.size() <= max_line_bytes ? open : open.substr(0, Error::kMaxExcerptBytes);
    if (open.size() > max_line_bytes) {
      last.ok = false;
      last.message = "line is " + std::to_string(open.size()) + " bytes, over max_line_bytes " +
                     std::to_string(max_line_bytes);
    }
    out.content += open;
  }
  return out;
}

// As RandomInputsSplitLikeTheReferenceAtAnyBatchSizeAndLimit, for CSV records: records and
// their quoted line breaks straddle reads, batches and long-record skips at every place.
TEST_F(FileSourceTest, RandomCsvRecordsComeWholeAtAnyBatchSizeAndLimit) {
  std::mt19937 rng(20261206);
  for (int round = 0; round < 40; ++round) {
    const size_t max_line_bytes = 1 + rng() % 4000;
    const GeneratedRecords generated = GenerateCsvRecords(rng, rng() % 400'000, max_line_bytes);
    const size_t max_items = 1 + rng() % 64;
    SCOPED_TRACE("round " + std::to_string(round) + ", " +
                 std::to_string(generated.content.size()) + " bytes, max_line_bytes " +
                 std::to_string(max_line_bytes) + ", max_items " + std::to_string(max_items));
    // Now and then a byte order mark first: skipped, and counted in the offsets.
    const bool bom = rng() % 5 == 0;
    auto source =
        Open((bom ? "\xEF\xBB\xBF" : "") + generated.content, max_line_bytes, kCsvFraming);
    const std::vector<Line> records = ReadAll(*source, max_items);
    ASSERT_EQ(records.size(), generated.expected.size());
    for (size_t i = 0; i < records.size(); ++i) {
      SCOPED_TRACE("record " + std::to_string(i + 1));
      ASSERT_EQ(records[i].raw, generated.expected[i].raw);
      ASSERT_EQ(records[i].line, generated.expected[i].line);
      ASSERT_EQ(records[i].offset, generated.expected[i].offset + (bom ? 3 : 0));
      ASSERT_EQ(records[i].ok, generated.expected[i].ok);
      ASSERT_EQ(records[i].message, generated.expected[i].message);
    }
    EXPECT_EQ(source->bytes_read(), generated.content.size() + (bom ? 3 : 0));
  }
}

// A stop ends the input at the end of the record being read, not at a line break inside it.
TEST_F(FileSourceTest, InterruptFinishesTheQuotedRecordBeingRead) {
  int writer = -1;
  const std::string fifo = MakeFifo(writer);
  ASSERT_GE(writer, 0);
  ASSERT_EQ(::write(writer, "a,b\n\"two", 8), 8);
  auto source = OpenFileSource({.path = fifo, .framing = kCsvFraming});
  ASSERT_TRUE(source.ok());
  Batch first;
  EXPECT_EQ((*source)->Read(first, 100), SourceStatus::kMore);
  EXPECT_THAT(Raws(Collect(first)), ElementsAre("a,b"));

  ASSERT_EQ(::write(writer, "\nlines\",c\nnext", 14), 14);
  (*source)->Interrupt();
  Batch second;
  EXPECT_EQ((*source)->Read(second, 100), SourceStatus::kStopped);
  EXPECT_THAT(Raws(Collect(second)), ElementsAre("\"two\nlines\",c"));
  EXPECT_EQ(ReadWhatIsLeft(writer), "next");
  ::close(writer);
}

}  // namespace
}  // namespace sluice
