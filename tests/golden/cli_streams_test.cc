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

// Runs `script` with /bin/sh, `args` being $1, $2, ... and the sluice binary $0, its stdin
// read from `stdin_path` and its stdout written to `stdout_path` (the script redirects or
// closes them); its exit code, -1 when it could not start or open them.
int RunShell(const std::string& script, const std::vector<std::string>& args,
             const std::string& stdin_path, const std::string& stdout_path) {
  const int in = open(stdin_path.c_str(), O_RDONLY | O_CLOEXEC);
  const int out = open(stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  std::vector<std::string> argv = {"/bin/sh", "-c", script, SLUICE_CLI_PATH};
  argv.insert(argv.end(), args.begin(), args.end());
  const pid_t pid = in >= 0 && out >= 0 ? SpawnProcess(argv, in, out) : -1;
  if (in >= 0) close(in);
  if (out >= 0) close(out);
  return pid > 0 ? WaitAtMost(pid, std::chrono::seconds(20)) : -1;
}

// Runs sluice with `args` and its stdout appended to `log`, which holds one earlier line.
ProcessResult SluiceAppendingTo(const std::string& log, const std::vector<std::string>& args) {
  WriteFile(log, "earlier line\n");
  const int append = open(log.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  EXPECT_GE(append, 0);
  ProcessResult result = Sluice(args, {.stdout_fd = append});
  close(append);
  return result;
}

const std::vector<std::string> kRun = {"run", "configs/clean_events.yaml", "--quiet"};
const std::string kInput = "examples/data/clean_events.jsonl";

std::vector<std::string> RunWith(const std::vector<std::string>& more) {
  std::vector<std::string> args = kRun;
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

// With stdin closed (`<&-`, as cron jobs and daemons may start it), the next file opened
// would take its number: the run read its own wake-up eventfd as its input and never
// ended. Reading a closed stdin fails instead, as cat's does.
TEST(CliTest, AClosedStdinFailsToBeReadInsteadOfHanging) {
  TempDir dir("cli_closed_stdin");
  WriteFile(dir.File("p.yaml"), "source: { type: stdin }\nstages: [{ type: parse_json }]\n");
  EXPECT_EQ(
      RunShell("exec \"$0\" run \"$1\" --quiet --output \"$2\" <&- 2>&1",
               {dir.File("p.yaml"), dir.File("results.jsonl")}, "/dev/null", dir.File("out.txt")),
      1);
  EXPECT_EQ(ReadFile(dir.File("out.txt")), "sluice: cannot read stdin: Bad file descriptor\n");
  // stdin by its name too (it read as an empty input, exit 0).
  for (const std::string name : {"/dev/stdin", "/dev/fd/0"}) {
    EXPECT_EQ(RunShell("exec \"$0\" run \"$1\" --quiet --input \"$2\" --output \"$3\" <&- 2>&1",
                       {dir.File("p.yaml"), name, dir.File("results.jsonl")}, "/dev/null",
                       dir.File("named.txt")),
              1)
        << name;
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
  EXPECT_EQ(RunShell("exec \"$0\" run \"$1\" --quiet --format jsonl 2>&1 >&-", {dir.File("p.yaml")},
                     dir.File("in.jsonl"), dir.File("out.txt")),
            4);
  EXPECT_THAT(ReadFile(dir.File("out.txt")), HasSubstr("Bad file descriptor"));
  EXPECT_THAT(ReadFile(dir.File("dead.jsonl")), Not(HasSubstr("{\"a\":1}")));
}

// The standard streams' names write to the streams themselves. Opened anew, `--output
// /dev/stdout >> log` wrote the log from its start, over its earlier lines (the report too),
// and with stdout closed reached the /dev/null held in its place: exit 0, nothing written.
TEST(CliTest, StdoutByItsNameIsTheStreamNotAFileOpenedAnew) {
  TempDir dir("cli_stdout_named");
  const std::string log = dir.File("log.txt");
  for (const std::string name : {"/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"}) {
    SCOPED_TRACE(name);
    ProcessResult results =
        SluiceAppendingTo(log, RunWith({"--input", kInput, "--format", "jsonl", "--output", name}));
    EXPECT_EQ(results.exit_code, 0) << results.err;
    EXPECT_THAT(ReadFile(log), StartsWith("earlier line\n{\"ts\":"));
    ProcessResult report = SluiceAppendingTo(
        log, RunWith({"--input", kInput, "--output", dir.File("out.jsonl"), "--report", name}));
    EXPECT_EQ(report.exit_code, 0) << report.err;
    EXPECT_THAT(ReadFile(log), StartsWith("earlier line\n{\n  \"pipeline\": \"clean_events\","));
  }
  ProcessResult both = SluiceAppendingTo(
      log, RunWith({"--input", kInput, "--output", "/dev/fd/1", "--report", "-"}));
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_THAT(both.err, HasSubstr("the output and the report (--report) both go to stdout"));

  EXPECT_EQ(RunShell("exec \"$0\" run \"$1\" --quiet --input \"$2\" --output /dev/stdout 2>&1 >&-",
                     {"configs/clean_events.yaml", kInput}, "/dev/null", dir.File("out.txt")),
            4);
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
  EXPECT_EQ(RunShell("exec \"$0\" run \"$1\" --quiet --input \"$2\" --format jsonl "
                     "--output /dev/fd/2 2>>\"$3\"",
                     {"configs/clean_events.yaml", kInput, log}, "/dev/null", dir.File("out.txt")),
            0);
  EXPECT_THAT(ReadFile(log), StartsWith("earlier line\n{\"ts\":"));

  ProcessResult both =
      Sluice(RunWith({"--input", kInput, "--output", "/dev/stderr", "--report", "/dev/fd/2"}));
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_THAT(both.err, HasSubstr("the output and the report (--report) both go to stderr"));

  ProcessResult odd_spelling = SluiceAppendingTo(
      log, RunWith({"--input", kInput, "--format", "jsonl", "--output", "/dev//./stdout"}));
  EXPECT_EQ(odd_spelling.exit_code, 0) << odd_spelling.err;
  EXPECT_THAT(ReadFile(log), StartsWith("earlier line\n{\"ts\":"));

  ProcessResult read_stdout =
      Sluice(RunWith({"--input", "/dev/stdout", "--output", dir.File("o.jsonl")}));
  EXPECT_EQ(read_stdout.exit_code, 1);
  EXPECT_THAT(read_stdout.err, HasSubstr("cannot read /dev/stdout: it names stdout, an output"));
  ProcessResult write_stdin = Sluice(RunWith({"--input", kInput, "--output", "/dev/fd/0"}));
  EXPECT_EQ(write_stdin.exit_code, 4);
  EXPECT_THAT(write_stdin.err,
              HasSubstr("sluice: output: cannot write /dev/fd/0: it names stdin, an input"));
}

}  // namespace
}  // namespace sluice::golden
