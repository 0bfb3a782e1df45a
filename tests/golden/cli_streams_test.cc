// The `sluice` binary and the standard streams: a closed stdin, stdout or stderr lends its
// number to no other file, and a stream's names (/dev/stdout, /dev/fd/1, ...) reach the
// stream itself, each only its own way.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "subprocess.h"

namespace sluice::golden {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// With stdin closed (`<&-`, as cron jobs and daemons may start it), the next file opened
// would take its number: the run read its own wake-up eventfd as its input and never
// ended. Reading a closed stdin fails instead, as cat's does.
TEST(CliTest, AClosedStdinFailsToBeReadInsteadOfHanging) {
  TempDir dir("cli_closed_stdin");
  WriteFile(dir.File("p.yaml"), "source: { type: stdin }\nstages: [{ type: parse_json }]\n");
  const int out = open(dir.File("out.txt").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(out, 0);
  const int no_input = open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(no_input, 0);
  const pid_t pid =
      SpawnProcess({"/bin/sh", "-c", "exec \"$0\" run \"$1\" --quiet --output \"$2\" <&- 2>&1",
                    SLUICE_CLI_PATH, dir.File("p.yaml"), dir.File("results.jsonl")},
                   no_input, out);
  close(no_input);
  close(out);
  ASSERT_GT(pid, 0);
  EXPECT_EQ(WaitAtMost(pid, std::chrono::seconds(20)), 1);
  EXPECT_EQ(ReadFile(dir.File("out.txt")), "sluice: cannot read stdin: Bad file descriptor\n");
  // stdin by its name too: it read as an empty input, exit 0.
  for (const std::string& name : {std::string("/dev/stdin"), std::string("/dev/fd/0")}) {
    const int named_out =
        open(dir.File("named.txt").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    ASSERT_GE(named_out, 0);
    const int held_input = open("/dev/null", O_RDONLY | O_CLOEXEC);  // closed by `<&-`
    ASSERT_GE(held_input, 0);
    const pid_t named = SpawnProcess(
        {"/bin/sh", "-c", "exec \"$0\" run \"$1\" --quiet --input \"$2\" --output \"$3\" <&- 2>&1",
         SLUICE_CLI_PATH, dir.File("p.yaml"), name, dir.File("results.jsonl")},
        held_input, named_out);
    close(held_input);
    close(named_out);
    ASSERT_GT(named, 0);
    EXPECT_EQ(WaitAtMost(named, std::chrono::seconds(20)), 1) << name;
    EXPECT_EQ(ReadFile(dir.File("named.txt")),
              "sluice: cannot read " + name + ": Bad file descriptor\n");
  }
}

// With stdout closed, the dead-letter file opened next took its number, and the results
// went into the dead letters. Writing to the closed stdout fails instead (exit 4), as it
// would have.
TEST(CliTest, AClosedStdoutLendsItsNumberToNoOtherFile) {
  TempDir dir("cli_closed_stdout");
  WriteFile(dir.File("p.yaml"),
            "source: { type: stdin }\nstages: [{ type: parse_json }]\n"
            "errors: { dead_letter: " +
                dir.File("dead.jsonl") + " }\n");
  WriteFile(dir.File("in.jsonl"), "{\"a\":1}\n");
  const int out = open(dir.File("out.txt").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(out, 0);
  const int input = open(dir.File("in.jsonl").c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(input, 0);
  const pid_t pid =
      SpawnProcess({"/bin/sh", "-c", "exec \"$0\" run \"$1\" --quiet --format jsonl 2>&1 >&-",
                    SLUICE_CLI_PATH, dir.File("p.yaml")},
                   input, out);
  close(input);
  close(out);
  ASSERT_GT(pid, 0);
  EXPECT_EQ(WaitAtMost(pid, std::chrono::seconds(20)), 4);
  EXPECT_THAT(ReadFile(dir.File("out.txt")), HasSubstr("Bad file descriptor"));
  EXPECT_THAT(ReadFile(dir.File("dead.jsonl")), Not(HasSubstr("{\"a\":1}")));
}

// The standard streams' names write to the streams themselves. Opened anew, `--output
// /dev/stdout >> log` wrote the log from its start, over its earlier lines (the report too),
// and with stdout closed reached the /dev/null held in its place: exit 0, nothing written.
TEST(CliTest, StdoutByItsNameIsTheStreamNotAFileOpenedAnew) {
  TempDir dir("cli_stdout_named");
  const std::string log = dir.File("log.txt");
  const std::vector<std::string> run = {"run", "configs/clean_events.yaml", "--quiet", "--input",
                                        "examples/data/clean_events.jsonl"};
  const auto appending_to_log = [&](std::vector<std::string> more) {
    WriteFile(log, "earlier line\n");
    const int append = ::open(log.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    EXPECT_GE(append, 0);
    std::vector<std::string> args = run;
    args.insert(args.end(), more.begin(), more.end());
    ProcessResult result = Sluice(args, {.stdout_fd = append});
    ::close(append);
    return result;
  };
  for (const std::string name : {"/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"}) {
    SCOPED_TRACE(name);
    ProcessResult results = appending_to_log({"--format", "jsonl", "--output", name});
    EXPECT_EQ(results.exit_code, 0) << results.err;
    EXPECT_THAT(ReadFile(log), StartsWith("earlier line\n{\"ts\":"));
    ProcessResult report = appending_to_log({"--output", dir.File("out.jsonl"), "--report", name});
    EXPECT_EQ(report.exit_code, 0) << report.err;
    EXPECT_THAT(ReadFile(log), StartsWith("earlier line\n{\n  \"pipeline\": \"clean_events\","));
  }
  ProcessResult both = appending_to_log({"--output", "/dev/fd/1", "--report", "-"});
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_THAT(both.err, HasSubstr("the output and the report (--report) both go to stdout"));

  const int out = open(dir.File("out.txt").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(out, 0);
  const int no_input = open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(no_input, 0);
  const std::string closed_stdout =
      "exec \"$0\" run \"$1\" --quiet --input \"$2\" --output /dev/stdout 2>&1 >&-";
  const pid_t pid = SpawnProcess({"/bin/sh", "-c", closed_stdout, SLUICE_CLI_PATH,
                                  "configs/clean_events.yaml", "examples/data/clean_events.jsonl"},
                                 no_input, out);
  close(no_input);
  close(out);
  ASSERT_GT(pid, 0);
  EXPECT_EQ(WaitAtMost(pid, std::chrono::seconds(20)), 4);
  EXPECT_EQ(ReadFile(dir.File("out.txt")), "sluice: writing /dev/stdout: Bad file descriptor\n");
}

// stderr's names write to stderr as stdout's do to stdout (two outputs there would mix
// their lines), a name spelled otherwise is the same name, and no stream is used the wrong
// way: reading stdout's name or writing stdin's reached the /dev/null held in place of a
// closed stream (exit 0, nothing read or written).
TEST(CliTest, EachStandardStreamByAnySpellingOfItsNameAndOnlyItsWay) {
  TempDir dir("cli_stream_names");
  const std::string log = dir.File("log.txt");
  WriteFile(log, "earlier line\n");
  const int no_input = open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(no_input, 0);
  const std::string to_stderr =
      "exec \"$0\" run \"$1\" --quiet --input \"$2\" --format jsonl --output /dev/fd/2 "
      "2>>\"$3\"";
  const pid_t pid =
      SpawnProcess({"/bin/sh", "-c", to_stderr, SLUICE_CLI_PATH, "configs/clean_events.yaml",
                    "examples/data/clean_events.jsonl", log},
                   no_input);
  close(no_input);
  ASSERT_GT(pid, 0);
  EXPECT_EQ(WaitAtMost(pid, std::chrono::seconds(20)), 0);
  EXPECT_THAT(ReadFile(log), StartsWith("earlier line\n{\"ts\":"));

  const std::vector<std::string> run = {"run", "configs/clean_events.yaml", "--quiet"};
  const auto with = [&](const std::vector<std::string>& more, const ProcessOptions& options = {}) {
    std::vector<std::string> args = run;
    args.insert(args.end(), more.begin(), more.end());
    return Sluice(args, options);
  };
  const std::string input = "examples/data/clean_events.jsonl";
  ProcessResult both = with({"--input", input, "--output", "/dev/stderr", "--report", "/dev/fd/2"});
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_THAT(both.err, HasSubstr("the output and the report (--report) both go to stderr"));

  WriteFile(log, "earlier line\n");
  const int append = ::open(log.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  ASSERT_GE(append, 0);
  ProcessResult odd_spelling = with(
      {"--input", input, "--format", "jsonl", "--output", "/dev//./stdout"}, {.stdout_fd = append});
  ::close(append);
  EXPECT_EQ(odd_spelling.exit_code, 0) << odd_spelling.err;
  EXPECT_THAT(ReadFile(log), StartsWith("earlier line\n{\"ts\":"));

  ProcessResult read_stdout = with({"--input", "/dev/stdout", "--output", dir.File("o.jsonl")});
  EXPECT_EQ(read_stdout.exit_code, 1);
  EXPECT_THAT(read_stdout.err, HasSubstr("cannot read /dev/stdout: it names stdout, an output"));
  ProcessResult write_stdin = with({"--input", input, "--output", "/dev/fd/0"});
  EXPECT_EQ(write_stdin.exit_code, 4);
  EXPECT_THAT(write_stdin.err,
              HasSubstr("sluice: output: cannot write /dev/fd/0: it names stdin, an input"));
}

}  // namespace
}  // namespace sluice::golden
