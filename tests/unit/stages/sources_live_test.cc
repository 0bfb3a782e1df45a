// FileSource on live inputs: stdin from a pipe, FIFOs, and Interrupt (a stop) while a
// read waits or a line is half read.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <future>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

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

// A closed stdin is an error at open, and so is one open for writing only (the CLI holds
// a closed one so): before, its number went to the source's own eventfd, read as input.
TEST_F(FileSourceTest, AStdinThatCannotBeReadIsRefusedAtOpen) {
  {
    const int write_only = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    ASSERT_GE(write_only, 0);
    const StdinSwap swap(write_only);
    ::close(write_only);
    auto source = OpenFileSource({.path = "-"});
    ASSERT_FALSE(source.ok());
    EXPECT_EQ(source.error().message, "cannot read stdin: Bad file descriptor");
  }
  const int saved = ::dup(STDIN_FILENO);
  ::close(STDIN_FILENO);
  auto source = OpenFileSource({.path = "-"});
  ::dup2(saved, STDIN_FILENO);
  ::close(saved);
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.error().message, "cannot read stdin: Bad file descriptor");
}

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
  EXPECT_EQ((*source)->Read(second, 100), SourceStatus::kStopped);
  read_returned.set_value();
  interrupter.join();
  EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::seconds(3));
  EXPECT_THAT(Raws(Collect(second)), ElementsAre("partial"));
  Batch after;
  EXPECT_EQ((*source)->Read(after, 100), SourceStatus::kStopped);
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
  EXPECT_EQ((*waiting)->Read(batch, 100), SourceStatus::kStopped);
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
  EXPECT_EQ((*source)->Read(second, 100), SourceStatus::kStopped);
  // The input ends after the line being read; what follows stays in the pipe, for its next
  // reader (the writer's descriptor reads it too).
  EXPECT_THAT(Raws(Collect(second)), ElementsAre("partial"));
  EXPECT_EQ((*source)->bytes_read(), 12u);
  EXPECT_EQ(ReadWhatIsLeft(writer), "next");
  ::close(writer);
}

// A stop that finds the input's end (the writer gone) ends no earlier than the input did:
// kEnd, not kStopped, so that the run's report does not say it stopped early.
TEST_F(FileSourceTest, InterruptThatFindsTheInputsEndSaysEnd) {
  int writer = -1;
  const std::string fifo = MakeFifo(writer);
  ASSERT_GE(writer, 0);
  auto source = OpenFileSource({.path = fifo});
  ASSERT_TRUE(source.ok());
  ASSERT_EQ(::write(writer, "a\nb\nlast", 8), 8);
  Batch first;
  EXPECT_EQ((*source)->Read(first, 1), SourceStatus::kMore);
  ::close(writer);
  (*source)->Interrupt();
  Batch last;
  EXPECT_EQ((*source)->Read(last, 1), SourceStatus::kEnd);
  EXPECT_THAT(Raws(Collect(last)), ElementsAre("b", "last"));
}

// Also when the end is all that is left and no read has met it yet (a paced replay reads
// its input late): the writer is gone and the pipe empty.
TEST_F(FileSourceTest, InterruptThatFindsOnlyTheEndLeftSaysEnd) {
  int writer = -1;
  const std::string fifo = MakeFifo(writer);
  ASSERT_GE(writer, 0);
  auto source = OpenFileSource({.path = fifo});
  ASSERT_TRUE(source.ok());
  ASSERT_EQ(::write(writer, "a\nb\n", 4), 4);
  ::close(writer);
  Batch first;
  EXPECT_EQ((*source)->Read(first, 1), SourceStatus::kMore);  // "b" read, the end not yet
  (*source)->Interrupt();
  Batch last;
  EXPECT_EQ((*source)->Read(last, 1), SourceStatus::kEnd);
  EXPECT_THAT(Raws(Collect(last)), ElementsAre("b"));
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
  EXPECT_EQ((*source)->Read(last, 2), SourceStatus::kStopped);
  // "par" was being read when the stop came: it is finished.
  EXPECT_THAT(Raws(Collect(last)), ElementsAre("c", "d", "e", "f", "partial"));
  Batch after;
  EXPECT_EQ((*source)->Read(after, 2), SourceStatus::kStopped);
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
  EXPECT_EQ((*source)->Read(last, 2), SourceStatus::kStopped);
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
  EXPECT_EQ((*source)->Read(second, 100), SourceStatus::kStopped);
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
  EXPECT_EQ((*source)->Read(last, 100), SourceStatus::kStopped);
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
  EXPECT_EQ((*source)->Read(last, 1), SourceStatus::kStopped);
  const std::vector<Line> lines = Collect(last);
  EXPECT_THAT(Raws(lines), ElementsAre("c", "longlongline"));  // the excerpt: all of it
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1].code, ErrorCode::kTooLarge);
  ::close(writer);
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
  // An O_PATH descriptor passes the open's checks (fstat works on it), and read(2) fails.
  const int path_only = ::open(WriteFile("input.txt", "a\n").c_str(), O_PATH);
  ASSERT_GE(path_only, 0);
  StdinSwap swap(path_only);
  ::close(path_only);
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
