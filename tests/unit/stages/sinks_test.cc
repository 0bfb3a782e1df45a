#include "stages/sinks.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "unit/result_matchers.h"
#include "unit/stages/sink_test_util.h"

namespace sluice {
namespace {

using sink_test::MakeRecord;
using sink_test::SinksTest;
using ::testing::HasSubstr;
using testing_matchers::IsErrorWithMessage;
using testing_matchers::IsOk;

TEST_F(SinksTest, FormatNames) {
  EXPECT_EQ(OutputFormatFromName("table"), OutputFormat::kTable);
  EXPECT_EQ(OutputFormatFromName("jsonl"), OutputFormat::kJsonl);
  EXPECT_EQ(OutputFormatFromName("csv"), OutputFormat::kCsv);
  EXPECT_EQ(OutputFormatFromName("json"), std::nullopt);
}

// Extensions pick a format whatever their case (Windows tools write OUT.CSV).
TEST_F(SinksTest, FormatFromAPathsExtensionInAnyCase) {
  for (const char* path : {"out.jsonl", "out.JSONL", "a/b.Ndjson", "x.json", "X.JSON"}) {
    EXPECT_EQ(OutputFormatFromPath(path), OutputFormat::kJsonl) << path;
  }
  for (const char* path : {"totals.csv", "TOTALS.CSV", "dir.d/t.Csv"}) {
    EXPECT_EQ(OutputFormatFromPath(path), OutputFormat::kCsv) << path;
  }
  for (const char* path : {"out.txt", "out", "csv", "dir.csv/out", "out.csvx", "", "-"}) {
    EXPECT_EQ(OutputFormatFromPath(path), std::nullopt) << path;
  }
}

TEST_F(SinksTest, JsonlWritesOneObjectPerLineAndCreatesParentDirectories) {
  const std::string text = WriteAll(
      OutputFormat::kJsonl, {MakeRecord({{"user", std::string("ada")}, {"bytes", int64_t{512}}}),
                             MakeRecord({{"user", std::string("b\"o\nb")},
                                         {"ok", true},
                                         {"lat", 1.5},
                                         {"none", std::monostate{}}})});
  EXPECT_EQ(text,
            "{\"user\":\"ada\",\"bytes\":512}\n"
            "{\"user\":\"b\\\"o\\nb\",\"ok\":true,\"lat\":1.5,\"none\":null}\n");
}

TEST_F(SinksTest, StdoutIsTheDefaultPath) {
  const std::string path = Path("stdout.txt");
  std::filesystem::create_directories(dir_);
  std::fflush(stdout);
  const int saved = ::dup(STDOUT_FILENO);
  const int file = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ASSERT_GE(file, 0);
  ::dup2(file, STDOUT_FILENO);
  ::close(file);
  auto writer = OpenOutput({.path = "", .format = OutputFormat::kJsonl});
  ASSERT_THAT(writer, IsOk());
  (*writer)->Write(MakeRecord({{"n", int64_t{1}}}));
  const Status closed = (*writer)->Close();
  ::dup2(saved, STDOUT_FILENO);
  ::close(saved);
  EXPECT_THAT(closed, IsOk());
  EXPECT_EQ(ReadFile(path), "{\"n\":1}\n");
}

TEST_F(SinksTest, AFullDiskFailsCloseAndCountsNothingAsWritten) {
  for (const OutputFormat format :
       {OutputFormat::kJsonl, OutputFormat::kCsv, OutputFormat::kTable}) {
    auto writer = OpenOutput({.path = "/dev/full", .format = format});
    ASSERT_THAT(writer, IsOk());
    // Past the 64 KiB buffer, so that writes fail before Close too.
    for (int i = 0; i < 5000; ++i) {
      (*writer)->Write(MakeRecord({{"payload", std::string(40, 'p')}, {"i", int64_t{i}}}));
    }
    const Status closed = (*writer)->Close();
    EXPECT_THAT(closed, IsErrorWithMessage("writing /dev/full: No space left on device"));
    EXPECT_EQ(closed.error().code, ErrorCode::kResourceExhausted);
    EXPECT_EQ((*writer)->written(), 0u);
    EXPECT_FALSE((*writer)->Close().ok());  // stays failed
  }
}

TEST_F(SinksTest, AClosedPipeFailsCloseWithBrokenPipe) {
  const auto previous = std::signal(SIGPIPE, SIG_IGN);  // as the CLI does
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  auto writer =
      OpenOutput({.path = "/dev/fd/" + std::to_string(fds[1]), .format = OutputFormat::kJsonl});
  ::close(fds[1]);
  ::close(fds[0]);
  ASSERT_THAT(writer, IsOk());
  (*writer)->Write(MakeRecord({{"n", int64_t{1}}}));
  EXPECT_THAT((*writer)->Close(), IsErrorWithMessage(HasSubstr("Broken pipe")));
  EXPECT_EQ((*writer)->written(), 0u);
  std::signal(SIGPIPE, previous);
}

// Flush notices a pipe's reader gone with nothing to write (a quiet input piped into
// `head`), so that the run can stop; Close alone does not: once all is written, a reader
// that stopped early is no failure.
TEST_F(SinksTest, FlushNoticesAPipesReaderGoneAndCloseAloneDoesNot) {
  for (const bool flush : {true, false}) {
    SCOPED_TRACE(flush ? "flushed" : "closed only");
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    auto writer =
        OpenOutput({.path = "/dev/fd/" + std::to_string(fds[1]), .format = OutputFormat::kJsonl});
    auto dead = OpenDeadLetters("/dev/fd/" + std::to_string(fds[1]));
    ::close(fds[1]);
    ASSERT_THAT(writer, IsOk());
    ASSERT_THAT(dead, IsOk());
    EXPECT_FALSE((*writer)->failed());
    ::close(fds[0]);
    if (flush) {
      (*writer)->Flush();
      (*dead)->Flush();
    }
    EXPECT_EQ((*writer)->failed(), flush);
    EXPECT_EQ((*dead)->failed(), flush);
    if (flush) {
      EXPECT_THAT((*writer)->Close(), IsErrorWithMessage(HasSubstr("Broken pipe")));
    } else {
      EXPECT_THAT((*writer)->Close(), IsOk());
    }
  }
}

TEST_F(SinksTest, AnUnwritablePathIsAnOpenError) {
  std::filesystem::create_directories(dir_);
  std::ofstream(Path("plain_file")) << "x";
  EXPECT_THAT(OpenOutput({.path = Path("plain_file/out.csv"), .format = OutputFormat::kCsv}),
              IsErrorWithMessage(HasSubstr("plain_file")));
  EXPECT_THAT(OpenDeadLetters(Path("plain_file/errors.jsonl")),
              IsErrorWithMessage(HasSubstr("Not a directory")));
}

TEST_F(SinksTest, DeadLettersAreErrorJsonLines) {
  const std::string path = Path("dlq/errors.jsonl");
  auto writer = OpenDeadLetters(path);
  ASSERT_THAT(writer, IsOk());
  const Error first{.code = ErrorCode::kMissingField,
                    .message = "missing required field 'ts'",
                    .stage = "check",
                    .source = "events.jsonl",
                    .line = 7,
                    .offset = 512,
                    .excerpt = "{\"user\":\"ada\"}"};
  const Error second{.code = ErrorCode::kInvalidEncoding,
                     .message = "NUL byte at 3",
                     .stage = "parse",
                     .source = "stdin",
                     .line = 9,
                     .offset = 600,
                     .excerpt = std::string("ab\0c", 4)};
  (*writer)->Write(first);
  (*writer)->Write(second);
  EXPECT_THAT((*writer)->Close(), IsOk());
  EXPECT_EQ((*writer)->written(), 2u);
  EXPECT_EQ(ReadFile(path), first.ToJson() + "\n" + second.ToJson() + "\n");
  EXPECT_EQ(first.ToJson(),
            "{\"source\":\"events.jsonl\",\"line\":7,\"offset\":512,\"stage\":\"check\","
            "\"code\":\"missing_field\",\"message\":\"missing required field 'ts'\","
            "\"raw\":\"{\\\"user\\\":\\\"ada\\\"}\"}");
}

TEST_F(SinksTest, AnExistingFileIsReplacedByANewOneWithItsPermissions) {
  const std::string path = Path("errors.jsonl");
  std::filesystem::create_directories(dir_);
  const std::string old_content = "old content that is longer than the new one\n";
  std::ofstream(path) << old_content;
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  const int old_fd = ::open(path.c_str(), O_RDONLY);  // keeps the old file alive
  ASSERT_GE(old_fd, 0);
  auto writer = OpenDeadLetters(path);
  ASSERT_THAT(writer, IsOk());
  EXPECT_THAT((*writer)->Close(), IsOk());
  EXPECT_EQ(ReadFile(path), "");
  struct stat after {};
  ASSERT_EQ(::stat(path.c_str(), &after), 0);
  EXPECT_EQ(after.st_mode & 07777, 0600u);
  std::string kept(old_content.size(), '\0');  // the old file was unlinked, not truncated
  EXPECT_EQ(::pread(old_fd, kept.data(), kept.size(), 0), static_cast<ssize_t>(kept.size()));
  EXPECT_EQ(kept, old_content);
  ::close(old_fd);
}

// Writes go where a symlink or a second hard link leads, as with a plain truncating open.
TEST_F(SinksTest, SymlinkedAndHardLinkedFilesAreTruncatedInPlace) {
  std::filesystem::create_directories(dir_);
  const std::string target = Path("target.jsonl");
  std::ofstream(target) << "old\n";
  std::filesystem::create_symlink(target, Path("link.jsonl"));
  std::filesystem::create_hard_link(target, Path("hard.jsonl"));
  auto writer = OpenOutput({.path = Path("link.jsonl"), .format = OutputFormat::kJsonl});
  ASSERT_THAT(writer, IsOk());
  (*writer)->Write(MakeRecord({{"a", int64_t{1}}}));
  EXPECT_THAT((*writer)->Close(), IsOk());
  EXPECT_TRUE(std::filesystem::is_symlink(Path("link.jsonl")));
  EXPECT_EQ(ReadFile(target), "{\"a\":1}\n");
  EXPECT_EQ(ReadFile(Path("hard.jsonl")), "{\"a\":1}\n");

  auto again = OpenOutput({.path = Path("hard.jsonl"), .format = OutputFormat::kJsonl});
  ASSERT_THAT(again, IsOk());
  (*again)->Write(MakeRecord({{"b", int64_t{2}}}));
  EXPECT_THAT((*again)->Close(), IsOk());
  EXPECT_EQ(ReadFile(target), "{\"b\":2}\n");
}

// What the workers encode (Pipeline::EncodeResults) writes the same bytes as Write.
TEST_F(SinksTest, EncodedJsonlAndDeadLettersMatchWhatWriteWrites) {
  const std::vector<Record> records = {MakeRecord({{"a", int64_t{1}}, {"s", std::string("x\"y")}}),
                                       MakeRecord({{"b", 2.5}})};
  const std::string written = WriteAll(OutputFormat::kJsonl, records);
  const std::string path = Path("encoded.jsonl");
  auto writer = OpenOutput({.path = path, .format = OutputFormat::kJsonl});
  ASSERT_THAT(writer, IsOk());
  ASSERT_NE((*writer)->encoder(), nullptr);
  std::string bytes;
  for (const Record& record : records) (*writer)->encoder()(record, bytes);
  (*writer)->WriteEncoded(bytes, records.size());
  EXPECT_THAT((*writer)->Close(), IsOk());
  EXPECT_EQ((*writer)->written(), records.size());
  EXPECT_EQ(ReadFile(path), written);

  const Error error{.code = ErrorCode::kInvalidInput, .message = "bad", .line = 3};
  auto dead = OpenDeadLetters(Path("dead.jsonl"));
  ASSERT_THAT(dead, IsOk());
  std::string lines;
  DeadLetterWriter::Encode(error, lines);
  DeadLetterWriter::Encode(error, lines);
  (*dead)->WriteEncoded(lines, 2);
  EXPECT_THAT((*dead)->Close(), IsOk());
  EXPECT_EQ((*dead)->written(), 2u);
  EXPECT_EQ(ReadFile(Path("dead.jsonl")), error.ToJson() + "\n" + error.ToJson() + "\n");
}

// Encoded text that would fill the buffer is written from where it lies, after what is
// buffered, and a write that a signal cuts short (a pipe whose reader is slow) goes on
// where it stopped: the reader gets every byte once, in order, and the counts stay right.
TEST_F(SinksTest, EncodedChunksReachAPipeWholeAndInOrderThroughInterruptedWrites) {
  const std::string fifo = Path("pipe");
  std::filesystem::create_directories(Path(""));
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  struct sigaction interrupt {};
  interrupt.sa_handler = [](int) {};  // no SA_RESTART: a blocked write returns what it wrote
  struct sigaction previous {};
  ASSERT_EQ(::sigaction(SIGUSR1, &interrupt, &previous), 0);
  std::string received;
  std::thread reader([&] {
    const int fd = ::open(fifo.c_str(), O_RDONLY);
    char chunk[4096];
    for (ssize_t n; (n = ::read(fd, chunk, sizeof chunk)) != 0;) {
      if (n > 0) received.append(chunk, static_cast<size_t>(n));
      std::this_thread::sleep_for(std::chrono::microseconds(20));  // the pipe fills up
    }
    ::close(fd);
  });
  auto writer = OpenOutput({.path = fifo, .format = OutputFormat::kJsonl});
  ASSERT_THAT(writer, IsOk());
  std::atomic<bool> done{false};
  std::thread interrupter([&, writing = pthread_self()] {
    while (!done) {
      ::pthread_kill(writing, SIGUSR1);
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
  });
  std::string expected;
  uint64_t records = 0;
  for (const size_t lines : {1, 3000, 2, 1, 20'000, 5, 40'000}) {  // lines of 27 bytes
    std::string chunk;
    for (size_t k = 0; k < lines; ++k) {
      char line[32];
      std::snprintf(line, sizeof line, "{\"n\":%020zu}\n", records + k);
      chunk += line;
    }
    (*writer)->WriteEncoded(chunk, lines);
    expected += chunk;
    records += lines;
  }
  EXPECT_THAT((*writer)->Close(), IsOk());
  done = true;
  interrupter.join();
  reader.join();
  ::sigaction(SIGUSR1, &previous, nullptr);
  EXPECT_EQ((*writer)->written(), records);
  EXPECT_EQ(received.size(), expected.size());
  EXPECT_TRUE(received == expected);  // not printed: megabytes
}

// Flush writes out what jsonl results and dead letters buffer, so that `sluice run` can
// stream them while its input pauses (it flushes every 50 ms).
TEST_F(SinksTest, FlushWritesOutWhatJsonlAndDeadLettersBuffer) {
  auto writer = OpenOutput({.path = Path("out.jsonl"), .format = OutputFormat::kJsonl});
  auto dead = OpenDeadLetters(Path("dead.jsonl"));
  ASSERT_THAT(writer, IsOk());
  ASSERT_THAT(dead, IsOk());
  (*writer)->WriteEncoded("{\"a\":1}\n", 1);
  (*dead)->WriteEncoded("{\"line\":2}\n", 1);
  (*writer)->Flush();
  (*dead)->Flush();
  EXPECT_EQ(ReadFile(Path("out.jsonl")), "{\"a\":1}\n");
  EXPECT_EQ(ReadFile(Path("dead.jsonl")), "{\"line\":2}\n");
  EXPECT_EQ((*writer)->written(), 1u);
  (*writer)->WriteEncoded("{\"a\":2}\n", 1);
  (*writer)->Flush();
  EXPECT_EQ(ReadFile(Path("out.jsonl")), "{\"a\":1}\n{\"a\":2}\n");
  EXPECT_THAT((*writer)->Close(), IsOk());
  EXPECT_THAT((*dead)->Close(), IsOk());
  EXPECT_EQ((*writer)->written(), 2u);
}

// csv and table need every record before they write a line: no encoder.
TEST_F(SinksTest, CsvAndTableHaveNoEncoder) {
  for (OutputFormat format : {OutputFormat::kCsv, OutputFormat::kTable}) {
    auto writer = OpenOutput({.path = Path("out.txt"), .format = format});
    ASSERT_THAT(writer, IsOk());
    EXPECT_EQ((*writer)->encoder(), nullptr);
    EXPECT_THROW((*writer)->WriteEncoded("x\n", 1), std::logic_error);
    EXPECT_THAT((*writer)->Close(), IsOk());
  }
}

TEST_F(SinksTest, ManyJsonlRecordsAreAllWritten) {
  const std::string path = Path("many.jsonl");
  auto writer = OpenOutput({.path = path, .format = OutputFormat::kJsonl});
  ASSERT_THAT(writer, IsOk());
  const FieldId i_field = FieldNames::Intern("i");
  Record record;
  for (int64_t i = 0; i < 100000; ++i) {
    record.Set(i_field, i);
    (*writer)->Write(record);
  }
  EXPECT_GT((*writer)->written(), 0u);  // flushed along the way, not only at Close
  EXPECT_THAT((*writer)->Close(), IsOk());
  EXPECT_EQ((*writer)->written(), 100000u);
  const std::string text = ReadFile(path);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 100000);
  EXPECT_TRUE(text.ends_with("{\"i\":99999}\n"));
}

}  // namespace
}  // namespace sluice
