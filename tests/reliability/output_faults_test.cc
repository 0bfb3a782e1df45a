// Issue 4, item 8: output faults. Results, dead letters or the report going to a full disk
// (/dev/full) or a closed pipe give a clear message and exit code 4, and nothing is
// reported written that was not.
//
// tests/golden/cli_test.cc already covers results to /dev/full (jsonl), the report to
// /dev/full and results to a closed pipe. This adds: dead letters to /dev/full and to a
// closed pipe, every results format to /dev/full, both at once, and what the run report
// then says it wrote.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <optional>
#include <string>
#include <vector>

#include "reliability_support.h"

namespace sluice::reliability {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::string kConfig = "configs/clean_events.yaml";  // 500 lines: 476 ok, 24 errors

struct FaultRun {
  Child child;
  std::optional<ReportCounts> report;
};

FaultRun RunFaulty(const TempDir& dir, std::vector<std::string> args,
                   const ChildOptions& options = {}) {
  args.insert(args.begin(), {"run", kConfig, "--quiet", "--report", dir.File("report.json")});
  FaultRun run{.child = RunSluice(args, options), .report = std::nullopt};
  run.report = ParseReport(ReadFile(dir.File("report.json")));
  return run;
}

// A pipe whose read end is closed: every write gets EPIPE (sluice ignores SIGPIPE).
struct ClosedPipe {
  int write_end = -1;
  ClosedPipe() {
    int fds[2];
    if (pipe(fds) == 0) {
      close(fds[0]);
      write_end = fds[1];
    }
  }
  ~ClosedPipe() {
    if (write_end >= 0) close(write_end);
  }
};

TEST(OutputFaults, DeadLettersToAFullDisk) {
  TempDir dir("faults");
  FaultRun run = RunFaulty(
      dir, {"--output", dir.File("clean.jsonl"), "--set", "errors.dead_letter=/dev/full"});
  EXPECT_EQ(run.child.exit_code, 4) << run.child.err;
  EXPECT_THAT(run.child.err,
              HasSubstr("sluice: dead letters: writing /dev/full: No space left on device"));
  // The results themselves were written in full, and the report says so.
  EXPECT_EQ(SplitLines(ReadFile(dir.File("clean.jsonl"))).size(), 476u);
  ASSERT_TRUE(run.report.has_value());
  EXPECT_EQ(run.report->results, 476u);
  EXPECT_TRUE(run.report->balanced);
}

TEST(OutputFaults, DeadLettersToAClosedPipe) {
  TempDir dir("faults");
  ClosedPipe pipe;
  ASSERT_GE(pipe.write_end, 0);
  FaultRun run = RunFaulty(
      dir, {"--output", dir.File("clean.jsonl"), "--set", "errors.dead_letter=/dev/stdout"},
      {.stdout_fd = pipe.write_end});
  EXPECT_EQ(run.child.exit_code, 4) << run.child.err;
  EXPECT_THAT(run.child.err, HasSubstr("dead letters: writing /dev/stdout: Broken pipe"));
}

TEST(OutputFaults, EveryResultsFormatToAFullDisk) {
  for (const char* format : {"table", "jsonl", "csv"}) {
    SCOPED_TRACE(format);
    TempDir dir("faults");
    FaultRun run =
        RunFaulty(dir, {"--output", "/dev/full", "--format", format, "--set", "errors={}"});
    EXPECT_EQ(run.child.exit_code, 4) << run.child.err;
    EXPECT_THAT(run.child.err, HasSubstr("writing /dev/full: No space left on device"));
    EXPECT_THAT(run.child.err, Not(HasSubstr("dead letters")));
  }
}

TEST(OutputFaults, ResultsAndDeadLettersBothFailAndBothAreReported) {
  TempDir dir("faults");
  FaultRun run = RunFaulty(dir, {"--output", "/dev/full", "--set", "errors.dead_letter=/dev/full"});
  EXPECT_EQ(run.child.exit_code, 4);
  EXPECT_THAT(run.child.err, HasSubstr("sluice: writing /dev/full: No space left on device"));
  EXPECT_THAT(run.child.err,
              HasSubstr("sluice: dead letters: writing /dev/full: No space left on device"));
}

TEST(OutputFaults, FaultsOutrankTheErrorRatio) {
  TempDir dir("faults");
  FaultRun run = RunFaulty(dir, {"--output", "/dev/full", "--set", "errors.max_error_ratio=0"});
  EXPECT_EQ(run.child.exit_code, 4);  // not 3: an output failure outranks the ratio
  EXPECT_THAT(run.child.err, HasSubstr("exceeds errors.max_error_ratio"));
}

// "Nothing is reported written that was not": when the results could not be written, the
// report must not count them as results.
TEST(OutputFaults, ReportDoesNotCountResultsThatWereNotWritten) {
  TempDir dir("faults");
  FaultRun full =
      RunFaulty(dir, {"--output", "/dev/full", "--format", "jsonl", "--set", "errors={}"});
  EXPECT_EQ(full.child.exit_code, 4);
  ASSERT_TRUE(full.report.has_value());
  EXPECT_TRUE(full.report->balanced);
  EXPECT_EQ(full.report->totals.read, 500u);
  EXPECT_EQ(full.report->results, 0u) << "the report claims results that never reached /dev/full";

  ClosedPipe pipe;
  ASSERT_GE(pipe.write_end, 0);
  FaultRun closed = RunFaulty(dir, {"--output", "-", "--format", "jsonl", "--set", "errors={}"},
                              {.stdout_fd = pipe.write_end});
  EXPECT_EQ(closed.child.exit_code, 4);
  ASSERT_TRUE(closed.report.has_value());
  EXPECT_EQ(closed.report->results, 0u) << "the report claims results that never left the pipe";
}

}  // namespace
}  // namespace sluice::reliability
