#include "stages/sources.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
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
using std::chrono::milliseconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;
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

// Swaps the process's stdin for `fd` for the test's duration.
class StdinSwap {
 public:
  explicit StdinSwap(int fd) : saved_(::dup(STDIN_FILENO)) { ::dup2(fd, STDIN_FILENO); }
  ~StdinSwap() {
    ::dup2(saved_, STDIN_FILENO);
    ::close(saved_);
  }

 private:
  int saved_;
};

// A pipe in place of stdin for the test's duration; the test writes to writer().
class PipedStdin {
 public:
  PipedStdin() : fds_(MakePipe()), swap_(fds_[0]) { ::close(fds_[0]); }
  int writer() const { return fds_[1]; }

 private:
  static std::array<int, 2> MakePipe() {
    std::array<int, 2> fds{-1, -1};
    if (::pipe(fds.data()) != 0) ADD_FAILURE() << "pipe: " << std::strerror(errno);
    return fds;
  }
  std::array<int, 2> fds_;
  StdinSwap swap_;
};

TEST_F(FileSourceTest, ReadsStdinFromAPipeAndHandsOverLinesWithoutWaitingForAFullBatch) {
  PipedStdin piped;
  auto source = OpenFileSource({.path = "-"});
  ASSERT_TRUE(source.ok());
  EXPECT_EQ((*source)->name(), "stdin");
  EXPECT_EQ((*source)->total_bytes(), 0u);

  std::promise<void> first_read_done;
  std::thread writer([&, done = first_read_done.get_future()] {
    EXPECT_EQ(::write(piped.writer(), "a\nb\n", 4), 4);
    // A Read that blocked for more input would make this wait time out (not hang).
    EXPECT_EQ(done.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    EXPECT_EQ(::write(piped.writer(), "c\nd", 3), 3);
    ::close(piped.writer());
  });
  Batch first;
  EXPECT_EQ((*source)->Read(first, 100), SourceStatus::kMore);
  first_read_done.set_value();
  EXPECT_THAT(Raws(Collect(first)), ElementsAre("a", "b"));
  const std::vector<Line> rest = ReadAll(**source, 100);
  writer.join();
  EXPECT_THAT(Raws(rest), ElementsAre("c", "d"));
  EXPECT_EQ(rest[1].line, 4u);
  EXPECT_EQ(rest[1].offset, 6u);
  EXPECT_EQ((*source)->bytes_read(), 7u);
}

// A stop (SIGINT) while a pipe is quiet must not wait for the writer: Interrupt wakes the
// blocked Read, which ends the input (the lines read before still went out).
TEST_F(FileSourceTest, InterruptWakesAReadBlockedOnAQuietFifo) {
  int writer = -1;  // -1 again once the fallback below closed it
  const std::string fifo = MakeFifo(writer);
  ASSERT_GE(writer, 0);
  // The unfinished last line is read now, so that the second Read ends with it whether the
  // interrupt comes before or while it waits.
  ASSERT_EQ(::write(writer, "a\nb\npartial", 11), 11);
  auto source = OpenFileSource({.path = fifo});
  ASSERT_TRUE(source.ok());
  Batch first;
  EXPECT_EQ((*source)->Read(first, 100), SourceStatus::kMore);
  EXPECT_THAT(Raws(Collect(first)), ElementsAre("a", "b"));

  std::promise<void> read_returned;
  std::thread interrupter([&, returned = read_returned.get_future()] {
    std::this_thread::sleep_for(milliseconds(100));
    (*source)->Interrupt();
    // Without the wake-up the Read would block for good: end its input so that the test
    // fails instead of hanging.
    if (returned.wait_for(std::chrono::seconds(5)) != std::future_status::ready) {
      ::close(writer);
      writer = -1;
    }
  });
  const auto begin = std::chrono::steady_clock::now();
  Batch second;
  EXPECT_EQ((*source)->Read(second, 100), SourceStatus::kEnd);
  read_returned.set_value();
  interrupter.join();
  EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::seconds(3));
  EXPECT_THAT(Raws(Collect(second)), ElementsAre("partial"));
  Batch after;
  EXPECT_EQ((*source)->Read(after, 100), SourceStatus::kEnd);
  if (writer >= 0) ::close(writer);
}

// Opening a FIFO waits for no writer (a stop could not reach open(2)); the first Read
// does, interruptibly, and reads what a writer that came later sends.
TEST_F(FileSourceTest, AFifoWithoutAWriterYetOpensAtOnceAndItsReadWaits) {
  const std::string fifo = (dir_ / "quiet").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto opened = std::async(std::launch::async, [&] { return OpenFileSource({.path = fifo}); });
  if (opened.wait_for(std::chrono::seconds(5)) != std::future_status::ready) {
    ::close(::open(fifo.c_str(), O_WRONLY | O_NONBLOCK));  // release it, then fail
    FAIL() << "opening the FIFO waited for a writer";
  }
  auto source = opened.get();
  ASSERT_TRUE(source.ok());
  std::thread writer([&] {
    std::this_thread::sleep_for(milliseconds(50));
    const int fd = ::open(fifo.c_str(), O_WRONLY);
    EXPECT_EQ(::write(fd, "a\nb\n", 4), 4);
    ::close(fd);
  });
  EXPECT_THAT(Raws(ReadAll(**source, 100)), ElementsAre("a", "b"));  // not an end at once
  writer.join();

  const std::string quiet = (dir_ / "never").string();
  ASSERT_EQ(::mkfifo(quiet.c_str(), 0600), 0);
  auto waiting = OpenFileSource({.path = quiet});
  ASSERT_TRUE(waiting.ok());
  std::thread interrupter([&] {
    std::this_thread::sleep_for(milliseconds(50));
    (*waiting)->Interrupt();
  });
  Batch batch;
  EXPECT_EQ((*waiting)->Read(batch, 100), SourceStatus::kEnd);
  EXPECT_TRUE(batch.empty());
  interrupter.join();
}

// On a busy pipe the rest of an unfinished line is usually there already: a stop must not
// cut the line. Once interrupted, Read ends the input: with what is ready, then a line whose
// rest has not arrived as it is.
TEST_F(FileSourceTest, InterruptDoesNotCutALineWhoseRestIsAlreadyThere) {
  int writer = -1;
  const std::string fifo = MakeFifo(writer);
  ASSERT_GE(writer, 0);
  ASSERT_EQ(::write(writer, "a\nb\npar", 7), 7);
  auto source = OpenFileSource({.path = fifo});
  ASSERT_TRUE(source.ok());
  Batch first;
  EXPECT_EQ((*source)->Read(first, 100), SourceStatus::kMore);
  EXPECT_THAT(Raws(Collect(first)), ElementsAre("a", "b"));

  ASSERT_EQ(::write(writer, "tial\nnext", 9), 9);
  (*source)->Interrupt();
  Batch second;
  EXPECT_EQ((*source)->Read(second, 100), SourceStatus::kEnd);
  // The input ends after the line being read; what follows stays in the pipe, for its next
  // reader (the writer's descriptor reads it too).
  EXPECT_THAT(Raws(Collect(second)), ElementsAre("partial"));
  EXPECT_EQ((*source)->bytes_read(), 12u);
  EXPECT_EQ(ReadWhatIsLeft(writer), "next");
  ::close(writer);
}

// A stop that finds the batch full hands over every complete line read so far, beyond the
// batch's size: the pipeline reads no more, and a pipe cannot be read again.
TEST_F(FileSourceTest, InterruptWithAFullBatchKeepsTheLinesAlreadyRead) {
  int writer = -1;
  const std::string fifo = MakeFifo(writer);
  ASSERT_GE(writer, 0);
  auto source = OpenFileSource({.path = fifo});
  ASSERT_TRUE(source.ok());
  ASSERT_EQ(::write(writer, "a\nb\nc\nd\ne\nf\npar", 15), 15);
  Batch first;
  EXPECT_EQ((*source)->Read(first, 2), SourceStatus::kMore);
  EXPECT_THAT(Raws(Collect(first)), ElementsAre("a", "b"));  // c..f and "par" read, held
  ASSERT_EQ(::write(writer, "tial\n", 5), 5);
  (*source)->Interrupt();
  Batch last;
  EXPECT_EQ((*source)->Read(last, 2), SourceStatus::kEnd);
  // "par" was being read when the stop came: it is finished.
  EXPECT_THAT(Raws(Collect(last)), ElementsAre("c", "d", "e", "f", "partial"));
  Batch after;
  EXPECT_EQ((*source)->Read(after, 2), SourceStatus::kEnd);
  EXPECT_TRUE(after.empty());
  ::close(writer);
}

// A busy producer: the rest of the line being read comes after the stop, within the grace.
// It is waited for, and nothing after it is read.
TEST_F(FileSourceTest, InterruptWithAFullBatchWaitsForTheRestOfTheLineBeingRead) {
  int writer = -1;
  const std::string fifo = MakeFifo(writer);
  ASSERT_GE(writer, 0);
  auto source = OpenFileSource({.path = fifo, .stop_grace = std::chrono::seconds(5)});
  ASSERT_TRUE(source.ok());
  ASSERT_EQ(::write(writer, "a\nb\nc\npar", 9), 9);
  Batch first;
  EXPECT_EQ((*source)->Read(first, 2), SourceStatus::kMore);
  EXPECT_THAT(Raws(Collect(first)), ElementsAre("a", "b"));
  (*source)->Interrupt();
  std::thread producer([writer] {
    std::this_thread::sleep_for(milliseconds(20));
    EXPECT_EQ(::write(writer, "tial\nnext\nmore\n", 15), 15);
  });
  Batch last;
  EXPECT_EQ((*source)->Read(last, 2), SourceStatus::kEnd);
  producer.join();
  EXPECT_THAT(Raws(Collect(last)), ElementsAre("c", "partial"));
  EXPECT_EQ((*source)->bytes_read(), 14u);
  EXPECT_EQ(ReadWhatIsLeft(writer), "next\nmore\n");
  ::close(writer);
}

// What a pipe sends after a stop came is not read, also when the stop wakes a Read waiting
// at a line's end.
TEST_F(FileSourceTest, InterruptReadsNothingThatComesAfterIt) {
  int writer = -1;
  const std::string fifo = MakeFifo(writer);
  ASSERT_GE(writer, 0);
  auto source = OpenFileSource({.path = fifo, .stop_grace = std::chrono::seconds(5)});
  ASSERT_TRUE(source.ok());
  ASSERT_EQ(::write(writer, "a\n", 2), 2);
  Batch first;
  EXPECT_EQ((*source)->Read(first, 100), SourceStatus::kMore);
  EXPECT_THAT(Raws(Collect(first)), ElementsAre("a"));
  std::thread stopper([&] {
    std::this_thread::sleep_for(milliseconds(50));  // the Read below waits by then
    (*source)->Interrupt();
    EXPECT_EQ(::write(writer, "after\n", 6), 6);
  });
  Batch second;
  EXPECT_EQ((*source)->Read(second, 100), SourceStatus::kEnd);
  stopper.join();
  EXPECT_TRUE(second.empty());
  EXPECT_EQ(ReadWhatIsLeft(writer), "after\n");
  ::close(writer);
}

// A rest that keeps trickling in holds the stop for stop_limit at most.
TEST_F(FileSourceTest, InterruptTakesALineAsItIsOnceItsRestTakesTooLong) {
  int writer = -1;
  const std::string fifo = MakeFifo(writer);
  ASSERT_GE(writer, 0);
  auto source = OpenFileSource({.path = fifo, .stop_limit = milliseconds(100)});
  ASSERT_TRUE(source.ok());
  ASSERT_EQ(::write(writer, "a\npar", 5), 5);
  Batch first;
  EXPECT_EQ((*source)->Read(first, 100), SourceStatus::kMore);
  EXPECT_THAT(Raws(Collect(first)), ElementsAre("a"));
  std::atomic<bool> done{false};
  std::thread producer([&] {
    while (!done.load()) {
      EXPECT_EQ(::write(writer, "t", 1), 1);
      std::this_thread::sleep_for(milliseconds(5));
    }
  });
  (*source)->Interrupt();
  const auto begin = std::chrono::steady_clock::now();
  Batch last;
  EXPECT_EQ((*source)->Read(last, 100), SourceStatus::kEnd);
  const auto took = std::chrono::steady_clock::now() - begin;
  done.store(true);
  producer.join();
  const std::vector<Line> lines = Collect(last);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0].raw, StartsWith("part"));
  EXPECT_GE(took, milliseconds(100));
  EXPECT_LT(took, std::chrono::seconds(2));
  ::close(writer);
}

TEST_F(FileSourceTest, InterruptWithAFullBatchEndsALongLineAsTooLarge) {
  int writer = -1;
  const std::string fifo = MakeFifo(writer);
  ASSERT_GE(writer, 0);
  auto source = OpenFileSource({.path = fifo, .max_line_bytes = 4});
  ASSERT_TRUE(source.ok());
  ASSERT_EQ(::write(writer, "a\nb\nc\nlonglongline", 18), 18);
  Batch first;
  EXPECT_EQ((*source)->Read(first, 2), SourceStatus::kMore);
  (*source)->Interrupt();
  Batch last;
  EXPECT_EQ((*source)->Read(last, 1), SourceStatus::kEnd);
  const std::vector<Line> lines = Collect(last);
  EXPECT_THAT(Raws(lines), ElementsAre("c", "longlongline"));  // the excerpt: all of it
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1].code, ErrorCode::kTooLarge);
  ::close(writer);
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

// From a pipe, the mark may come in pieces.
TEST_F(FileSourceTest, SkipsAByteOrderMarkThatArrivesInPieces) {
  PipedStdin piped;
  auto source = OpenFileSource({.path = "-"});
  ASSERT_TRUE(source.ok());
  std::thread writer([&] {
    for (const std::string_view piece : {"\xEF", "\xBB",
                                         "\xBF"
                                         "a\nb\n"}) {
      EXPECT_EQ(::write(piped.writer(), piece.data(), piece.size()),
                static_cast<ssize_t>(piece.size()));
      std::this_thread::sleep_for(milliseconds(20));
    }
    ::close(piped.writer());
  });
  const std::vector<Line> lines = ReadAll(**source, 100);
  writer.join();
  EXPECT_THAT(Raws(lines), ElementsAre("a", "b"));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].offset, 3u);
}

TEST_F(FileSourceTest, AReadErrorThrowsWithTheInputName) {
  const int write_only = ::open("/dev/null", O_WRONLY);
  ASSERT_GE(write_only, 0);
  StdinSwap swap(write_only);
  ::close(write_only);
  auto source = OpenFileSource({.path = "-"});
  ASSERT_TRUE(source.ok());
  Batch batch;
  try {
    (*source)->Read(batch, 10);
    ADD_FAILURE() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("reading stdin: Bad file descriptor"));
  }
}

}  // namespace
}  // namespace sluice
