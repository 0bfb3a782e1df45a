#include "stages/sources.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

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

TEST_F(FileSourceTest, SplitsCrlfLinesAndKeepsALastLineWithoutNewline) {
  auto source = Open("a\r\nbb\r\n\r\nccc");
  const std::vector<Line> lines = ReadAll(*source, 100);
  EXPECT_THAT(Raws(lines), ElementsAre("a", "bb", "", "ccc"));
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0].line, 1u);
  EXPECT_EQ(lines[3].line, 4u);
  EXPECT_EQ(lines[0].offset, 0u);
  EXPECT_EQ(lines[1].offset, 3u);
  EXPECT_EQ(lines[2].offset, 7u);
  EXPECT_EQ(lines[3].offset, 9u);
  for (const Line& line : lines) EXPECT_TRUE(line.ok);
}

TEST_F(FileSourceTest, EmptyLinesAreItemsAndAFinalNewlineAddsNone) {
  auto source = Open("\n\nx\n\n");
  EXPECT_THAT(Raws(ReadAll(*source, 100)), ElementsAre("", "", "x", ""));
}

TEST_F(FileSourceTest, EmptyFileEndsWithNoItems) {
  auto source = Open("");
  Batch batch;
  EXPECT_EQ(source->Read(batch, 10), SourceStatus::kEnd);
  EXPECT_TRUE(batch.empty());
  EXPECT_EQ(source->Read(batch, 10), SourceStatus::kEnd);
}

TEST_F(FileSourceTest, OffsetsLineNumbersAndSmallBatchesAcrossReadBlocks) {
  // ~1.6 MB: crosses the 1 MiB read blocks, so lines straddle buffer refills.
  std::string content;
  std::vector<std::string> expected;
  std::vector<uint64_t> offsets;
  for (int i = 0; i < 10000; ++i) {
    offsets.push_back(content.size());
    expected.push_back(std::to_string(i) + std::string(static_cast<size_t>(i * 37 % 300), 'x'));
    content += expected.back() + (i % 3 == 0 ? "\r\n" : "\n");
  }
  auto source = Open(content);
  std::vector<size_t> batch_sizes;
  const std::vector<Line> lines = ReadAll(*source, 7, &batch_sizes);
  ASSERT_EQ(lines.size(), expected.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    ASSERT_EQ(lines[i].raw, expected[i]) << i;
    ASSERT_EQ(lines[i].line, i + 1);
    ASSERT_EQ(lines[i].offset, offsets[i]);
  }
  EXPECT_GT(batch_sizes.size(), 10000u / 7);
  EXPECT_EQ(source->bytes_read(), content.size());
  EXPECT_EQ(source->total_bytes(), content.size());
}

// Lines are read into the batch's own text; a Read adds to what the batch holds already,
// sealed or not, and the partial line at the end of one Read starts the next.
TEST_F(FileSourceTest, ReadsAddToASealedBatchAndCarryAPartialLineOn) {
  auto source = Open("first\nsecond\nthird\nfourth");
  Batch batch;
  batch.AddLine("pushed", 1, 0);
  batch.Seal();
  EXPECT_EQ(source->Read(batch, 2), SourceStatus::kMore);
  EXPECT_EQ(source->Read(batch, 4), SourceStatus::kMore);
  EXPECT_EQ(source->Read(batch, 5), SourceStatus::kEnd);
  const std::vector<Line> lines = Collect(batch);
  EXPECT_THAT(Raws(lines), ElementsAre("pushed", "first", "second", "third", "fourth"));
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[4].line, 4u);
  EXPECT_EQ(lines[4].offset, 19u);
  EXPECT_EQ(batch.text_bytes(), std::string("pushedfirst\nsecond\nthird\nfourth").size());
}

// What a FileSource must make of `content`: a line per '\n' (and one for text after the last),
// a '\r' before the end dropped, lines over `max_line_bytes` failed with their first
// Error::kMaxExcerptBytes bytes kept.
std::vector<Line> ExpectedLines(const std::string& content, size_t max_line_bytes) {
  std::vector<Line> lines;
  size_t start = 0;
  while (start < content.size()) {
    size_t end = content.find('\n', start);
    if (end == std::string::npos) end = content.size();
    std::string body = content.substr(start, end - start);
    if (!body.empty() && body.back() == '\r') body.pop_back();
    Line& line = lines.emplace_back();
    line.line = lines.size();
    line.offset = start;
    line.raw =
        body.substr(0, body.size() <= max_line_bytes ? body.size() : Error::kMaxExcerptBytes);
    if (body.size() > max_line_bytes) {
      line.ok = false;
      line.code = ErrorCode::kTooLarge;
      line.message = "line is " + std::to_string(body.size()) + " bytes, over max_line_bytes " +
                     std::to_string(max_line_bytes);
    }
    start = end + 1;
  }
  return lines;
}

// Random inputs against ExpectedLines: lines of every length up to a few read blocks, CRLF
// and LF, empty lines, with and without a final newline, read in batches of 1 to 64 lines,
// so that lines and long lines straddle reads and batches at every kind of place.
TEST_F(FileSourceTest, RandomInputsSplitLikeTheReferenceAtAnyBatchSizeAndLimit) {
  std::mt19937 rng(20261205);
  for (int round = 0; round < 40; ++round) {
    std::string content;
    const size_t target_bytes = rng() % 600'000;
    while (content.size() < target_bytes) {
      const uint32_t kind = rng() % 100;
      const size_t length = kind < 2    ? 150'000 + rng() % 200'000
                            : kind < 10 ? rng() % 3000
                                        : rng() % 200;
      for (size_t i = 0; i < length; ++i) content += static_cast<char>('a' + rng() % 26);
      content += rng() % 4 == 0 ? "\r\n" : "\n";
    }
    if (rng() % 2 == 0 && !content.empty()) content.pop_back();  // no final newline
    const size_t max_line_bytes = 1 + rng() % 4000;
    const size_t max_items = 1 + rng() % 64;
    SCOPED_TRACE("round " + std::to_string(round) + ", " + std::to_string(content.size()) +
                 " bytes, max_line_bytes " + std::to_string(max_line_bytes) + ", max_items " +
                 std::to_string(max_items));
    auto source = Open(content, max_line_bytes);
    const std::vector<Line> lines = ReadAll(*source, max_items);
    const std::vector<Line> expected = ExpectedLines(content, max_line_bytes);
    ASSERT_EQ(lines.size(), expected.size());
    for (size_t i = 0; i < lines.size(); ++i) {
      SCOPED_TRACE("line " + std::to_string(i + 1));
      ASSERT_EQ(lines[i].raw, expected[i].raw);
      ASSERT_EQ(lines[i].line, expected[i].line);
      ASSERT_EQ(lines[i].offset, expected[i].offset);
      ASSERT_EQ(lines[i].ok, expected[i].ok);
      ASSERT_EQ(lines[i].message, expected[i].message);
    }
    EXPECT_EQ(source->bytes_read(), content.size());
  }
}

TEST_F(FileSourceTest, AFiveMegabyteLineBecomesATooLargeItemWithoutBreakingLaterLines) {
  const std::string huge(5 << 20, 'x');
  const std::string content = "short\n" + huge + "\nafter\r\nlast";
  auto source = Open(content, 1 << 20);
  const std::vector<Line> lines = ReadAll(*source, 100);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0].raw, "short");
  EXPECT_FALSE(lines[1].ok);
  EXPECT_EQ(lines[1].code, ErrorCode::kTooLarge);
  EXPECT_EQ(lines[1].message, "line is 5242880 bytes, over max_line_bytes 1048576");
  EXPECT_EQ(lines[1].raw, std::string(Error::kMaxExcerptBytes, 'x'));
  EXPECT_EQ(lines[1].line, 2u);
  EXPECT_EQ(lines[1].offset, 6u);
  EXPECT_EQ(lines[2].raw, "after");
  EXPECT_EQ(lines[2].line, 3u);
  EXPECT_EQ(lines[2].offset, 6u + huge.size() + 1);
  EXPECT_TRUE(lines[2].ok);
  EXPECT_EQ(lines[3].raw, "last");
  EXPECT_EQ(lines[3].line, 4u);
  EXPECT_EQ(source->bytes_read(), content.size());
}

// A too-large item keeps only the start of its line; its error says how long the line was,
// so that the dead letter can say that its raw text is cut.
TEST_F(FileSourceTest, TooLargeItemsKnowTheWholeLinesLength) {
  const std::string content =
      std::string(300, 'a') + "\r\n" + std::string(5 << 20, 'b') + "\nok\n" + std::string(150, 'c');
  auto source = Open(content, 100);
  const std::vector<Line> lines = ReadAll(*source, 100);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0].code, ErrorCode::kTooLarge);
  EXPECT_EQ(lines[0].raw, std::string(Error::kMaxExcerptBytes, 'a'));
  EXPECT_EQ(lines[0].raw_bytes, 300u);  // the line end not counted
  EXPECT_EQ(lines[1].code, ErrorCode::kTooLarge);
  EXPECT_EQ(lines[1].raw, std::string(Error::kMaxExcerptBytes, 'b'));
  EXPECT_EQ(lines[1].raw_bytes, 5u << 20);
  EXPECT_TRUE(lines[2].ok);
  EXPECT_EQ(lines[3].raw, std::string(150, 'c'));  // shorter than an excerpt: whole
  EXPECT_EQ(lines[3].raw_bytes, 150u);
}

TEST_F(FileSourceTest, ATooLargeLastLineWithCrlfCountsItsLengthWithoutTheCr) {
  auto source = Open("ok\n" + std::string(3 << 20, 'y') + "\r", 1 << 20);
  const std::vector<Line> lines = ReadAll(*source, 100);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1].code, ErrorCode::kTooLarge);
  EXPECT_EQ(lines[1].message, "line is 3145728 bytes, over max_line_bytes 1048576");
  EXPECT_EQ(lines[1].line, 2u);
}

TEST_F(FileSourceTest, MaxLineBytesIsInclusiveAndExcludesTheLineEnd) {
  auto source = Open("0123456789\n0123456789A\n0123456789\r\nabc\n", 10);
  const std::vector<Line> lines = ReadAll(*source, 100);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_TRUE(lines[0].ok);
  EXPECT_FALSE(lines[1].ok);
  EXPECT_EQ(lines[1].raw, "0123456789A");  // shorter than the excerpt limit: kept whole
  EXPECT_EQ(lines[1].message, "line is 11 bytes, over max_line_bytes 10");
  EXPECT_TRUE(lines[2].ok);
  EXPECT_EQ(lines[2].raw, "0123456789");
  EXPECT_EQ(lines[3].raw, "abc");
  EXPECT_EQ(lines[3].offset, 35u);
}

// A too-long CRLF line that a read cuts in two is skipped across reads: its excerpt, whole
// when the line is short, ends before the '\r' as it does for a line read in one piece.
TEST_F(FileSourceTest, ATooLongCrlfLineCutByAReadKeepsItsExcerptWithoutTheCr) {
  std::string content;
  while (content.size() < (size_t{128} << 10) - 80) content += std::string(39, 'o') + "\n";
  const size_t long_start = content.size();
  content += std::string(100, 'L') + "\r\nlast\n";  // straddles the first 128 KiB read
  auto source = Open(content, 50);
  const std::vector<Line> lines = ReadAll(*source, 100000);
  ASSERT_GE(lines.size(), 2u);
  const Line& long_line = lines[lines.size() - 2];
  EXPECT_EQ(long_line.offset, long_start);
  EXPECT_FALSE(long_line.ok);
  EXPECT_EQ(long_line.raw, std::string(100, 'L'));
  EXPECT_EQ(long_line.message, "line is 100 bytes, over max_line_bytes 50");
  EXPECT_EQ(lines.back().raw, "last");
}

TEST_F(FileSourceTest, ManyLongLinesInARowWithATinyLimit) {
  std::string content;
  for (int i = 0; i < 50; ++i) content += std::string(100000 + i, 'z') + "\n" + "v\n";
  auto source = Open(content, 1000);
  const std::vector<Line> lines = ReadAll(*source, 3);
  ASSERT_EQ(lines.size(), 100u);
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(lines[2 * i].message,
              "line is " + std::to_string(100000 + i) + " bytes, over max_line_bytes 1000");
    EXPECT_EQ(lines[2 * i].raw.size(), Error::kMaxExcerptBytes);
    EXPECT_EQ(lines[2 * i + 1].raw, "v");
    EXPECT_EQ(lines[2 * i + 1].line, 2u * i + 2);
  }
}

TEST_F(FileSourceTest, MissingFileIsAnErrorNamingThePath) {
  const std::string path = (dir_ / "nope.jsonl").string();
  auto source = OpenFileSource({.path = path});
  EXPECT_THAT(source, IsErrorWithMessage(HasSubstr(path)));
  EXPECT_THAT(source, IsErrorWithMessage(HasSubstr("No such file or directory")));
}

TEST_F(FileSourceTest, DirectoryIsAnError) {
  EXPECT_THAT(OpenFileSource({.path = dir_.string()}),
              IsErrorWithMessage(HasSubstr("Is a directory")));
}

// A UTF-8 byte order mark at the start is not part of line 1; offsets still count it.
TEST_F(FileSourceTest, SkipsAByteOrderMarkAtTheStartOnly) {
  const std::vector<Line> lines = ReadAll(*Open("\xEF\xBB\xBF{\"a\":1}\n\xEF\xBB\xBF"
                                                "b\n"),
                                          100);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].raw, "{\"a\":1}");
  EXPECT_EQ(lines[0].line, 1u);
  EXPECT_EQ(lines[0].offset, 3u);
  EXPECT_EQ(lines[1].raw,
            "\xEF\xBB\xBF"
            "b");  // later lines are left as they are
  EXPECT_EQ(lines[1].offset, 11u);

  EXPECT_THAT(Raws(ReadAll(*Open("\xEF\xBB\xBF"), 100)), ElementsAre());
  EXPECT_THAT(Raws(ReadAll(*Open("\xEF\xBB\xBFlast"), 100)), ElementsAre("last"));
  EXPECT_THAT(Raws(ReadAll(*Open("\xEF\xBBx\n"), 100)), ElementsAre("\xEF\xBBx"));
  EXPECT_THAT(Raws(ReadAll(*Open("\xEF\xBB"), 100)), ElementsAre("\xEF\xBB"));
}

}  // namespace
}  // namespace sluice
