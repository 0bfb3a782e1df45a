// The `sluice` binary's behaviour outside the golden outputs: exit codes, usage errors
// with "did you mean", `validate` and `stages` output, stdin input, write failures (the
// standard streams: cli_streams_test.cc).
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "golden_support.h"
#include "subprocess.h"

namespace sluice::golden {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// The first `lines` lines of the bundled clean events sample, line ends included.
std::string SampleLines(size_t lines) {
  const std::string sample = ReadFile("examples/data/clean_events.jsonl");
  size_t end = 0;
  for (size_t line = 0; line < lines; ++line) end = sample.find('\n', end) + 1;
  return sample.substr(0, end);
}

TEST(CliTest, VersionAndHelp) {
  ProcessResult version = Sluice({"--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_THAT(version.out, StartsWith("sluice "));

  ProcessResult help = Sluice({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.out, AllOf(HasSubstr("sluice run CONFIG"), HasSubstr("Exit codes:"),
                              HasSubstr("3  the error ratio")));
  ProcessResult run_help = Sluice({"run", "--help"});
  EXPECT_EQ(run_help.exit_code, 0);
  EXPECT_THAT(run_help.out, AllOf(HasSubstr("--report FILE.json"), HasSubstr("Exit codes:")));
  EXPECT_EQ(Sluice({"help", "validate"}).exit_code, 0);
}

TEST(CliTest, NoCommandIsAUsageError) {
  ProcessResult r = Sluice({});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("sluice run CONFIG"));
}

TEST(CliTest, MisspeltCommandAndFlagSuggestTheRightOnes) {
  ProcessResult command = Sluice({"rnu", "configs/clickstream.yaml"});
  EXPECT_EQ(command.exit_code, 2);
  EXPECT_THAT(command.err, HasSubstr("unknown command 'rnu' (did you mean 'run'?)"));

  ProcessResult flag = Sluice({"run", "configs/clickstream.yaml", "--ouptut", "x.jsonl"});
  EXPECT_EQ(flag.exit_code, 2);
  EXPECT_THAT(flag.err,
              HasSubstr("unknown flag '--ouptut' for 'sluice run' (did you mean '--output'?)"));

  ProcessResult format = Sluice({"run", "configs/clickstream.yaml", "--format=xml"});
  EXPECT_EQ(format.exit_code, 2);
  EXPECT_THAT(format.err, HasSubstr("unknown --format 'xml'"));

  EXPECT_EQ(Sluice({"run"}).exit_code, 2);
  EXPECT_EQ(Sluice({"run", "a.yaml", "b.yaml"}).exit_code, 2);
  EXPECT_EQ(Sluice({"run", "configs/clickstream.yaml", "--input"}).exit_code, 2);
  EXPECT_EQ(Sluice({"validate", "configs/clickstream.yaml", "--quiet"}).exit_code, 2);
}

TEST(CliTest, ValidateSaysOkWithTheStageChain) {
  ProcessResult r = Sluice({"validate", "configs/clickstream.yaml"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "configs/clickstream.yaml: ok (3 stages: parse x2 -> validate x2 -> aggregate x2)\n");

  ProcessResult with_set =
      Sluice({"validate", "configs/clickstream.yaml", "--set", "stages.parse.workers=4"});
  EXPECT_THAT(with_set.out, HasSubstr("parse x4 -> validate x2"));
}

// A config from a pipe (`sluice validate <(...)`, /dev/stdin) can be read only once.
TEST(CliTest, ValidateReadsItsConfigOnceSoThatAPipeWorks) {
  TempDir dir("cli_validate_pipe");
  int fds[2];
  ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);  // the child must not hold the write end
  const int out = open(dir.File("out.txt").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(out, 0);
  const pid_t pid = SpawnProcess({SLUICE_CLI_PATH, "validate", "/dev/stdin"}, fds[0], out);
  close(fds[0]);
  close(out);
  ASSERT_GT(pid, 0);
  const std::string config = "stages:\n  - type: parse_json\n";
  ASSERT_EQ(write(fds[1], config.data(), config.size()), static_cast<ssize_t>(config.size()));
  close(fds[1]);
  EXPECT_EQ(WaitAtMost(pid, std::chrono::seconds(20)), 0);
  EXPECT_EQ(ReadFile(dir.File("out.txt")), "/dev/stdin: ok (1 stage: parse_json x1)\n");
}

TEST(CliTest, ValidateReportsEveryProblemWithItsPosition) {
  TempDir dir("cli");
  const std::string config = dir.File("bad.yaml");
  WriteFile(config,
            "source: { type: file, path: in.jsonl }\n"
            "stages:\n"
            "  - name: parse\n"
            "    type: parse_jsn\n"
            "  - name: check\n"
            "    type: validate\n"
            "    wrokers: 2\n"
            "    rules: { ts: { type: int } }\n");
  ProcessResult r = Sluice({"validate", config});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr(config + ":4:"));
  EXPECT_THAT(r.err, HasSubstr("parse_json"));  // did you mean the real type
  EXPECT_THAT(r.err, HasSubstr(config + ":7:5: "));
  EXPECT_THAT(r.err, HasSubstr("did you mean 'workers'"));
  EXPECT_EQ(r.out, "");

  ProcessResult run = Sluice({"run", config});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("did you mean 'workers'"));

  ProcessResult bad_set =
      Sluice({"validate", "configs/clickstream.yaml", "--set", "stages.parse.workers=lots"});
  EXPECT_EQ(bad_set.exit_code, 2);
  EXPECT_THAT(bad_set.err, HasSubstr("--set stages.parse.workers=lots"));
}

TEST(CliTest, MissingConfigOrInputFails) {
  ProcessResult config = Sluice({"run", "configs/no_such_config.yaml"});
  EXPECT_EQ(config.exit_code, 2);
  EXPECT_THAT(config.err, HasSubstr("no_such_config.yaml"));

  ProcessResult input = Sluice({"run", "configs/clickstream.yaml", "--quiet", "--input",
                                "examples/data/no_such_input.jsonl"});
  EXPECT_EQ(input.exit_code, 1);
  EXPECT_THAT(input.err, HasSubstr("no_such_input.jsonl"));
}

// `--report -` writes the report to stdout, so that it can be piped on; not when the
// results go there too.
TEST(CliTest, AReportNamedDashGoesToStdoutUnlessTheResultsDo) {
  TempDir dir("cli_report_dash");
  const std::vector<std::string> run = {"run",     "configs/clean_events.yaml",        "--quiet",
                                        "--input", "examples/data/clean_events.jsonl", "--report",
                                        "-"};
  std::vector<std::string> to_file = run;
  to_file.insert(to_file.end(), {"--output", dir.File("out.jsonl")});
  ProcessResult report = Sluice(to_file);
  EXPECT_EQ(report.exit_code, 0) << report.err;
  EXPECT_THAT(report.out, StartsWith("{\n  \"pipeline\": \"clean_events\","));
  EXPECT_TRUE(report.out.ends_with("\n  ]\n}\n")) << report.out;  // no blank line after it
  EXPECT_FALSE(std::filesystem::exists("-"));
  for (const std::string output : {"-", "/dev/stdout"}) {
    std::vector<std::string> both = run;
    both.insert(both.end(), {"--output", output});
    ProcessResult clash = Sluice(both);
    EXPECT_EQ(clash.exit_code, 2) << output;
    EXPECT_THAT(clash.err, HasSubstr("the output and the report (--report) both go to stdout"));
  }
}

// Outputs are replaced as they open: two of them on one file would lose one's contents
// (with the input, before it is read). Symlinks and other spellings are the same file.
TEST(CliTest, OneFileNamedForTwoPurposesIsRefusedBeforeAnythingIsWritten) {
  TempDir dir("cli_same");
  const std::string input = dir.File("in.jsonl");
  const std::string line = R"({"ts":1,"user":"u","event":"view","latency_ms":1,"bytes":1})";
  WriteFile(input, line + "\n");
  ASSERT_EQ(symlink(input.c_str(), dir.File("link.jsonl").c_str()), 0);
  const std::vector<std::string> run = {"run", "configs/clean_events.yaml", "--quiet", "--input",
                                        input};
  auto with = [&](std::vector<std::string> more) {
    std::vector<std::string> args = run;
    args.insert(args.end(), more.begin(), more.end());
    return Sluice(args);
  };
  ProcessResult same = with({"--output", dir.File("out.jsonl"), "--set",
                             "errors.dead_letter=" + dir.File("./out.jsonl")});
  EXPECT_EQ(same.exit_code, 2);
  EXPECT_THAT(same.err, HasSubstr("the output and the dead letters (errors.dead_letter) are the "
                                  "same file"));
  ProcessResult over_input = with({"--output", dir.File("link.jsonl")});
  EXPECT_EQ(over_input.exit_code, 2);
  EXPECT_THAT(over_input.err, HasSubstr("the input and the output are the same file"));
  EXPECT_EQ(ReadFile(input), line + "\n");
  // The shell's redirections name files too: `--input in.jsonl >> in.jsonl` would read its
  // own output for ever, and `--output in.jsonl < in.jsonl` empty its input first.
  const int append = ::open(input.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  ASSERT_GE(append, 0);
  ProcessResult appended =
      Sluice({"run", "configs/clean_events.yaml", "--quiet", "--input", input, "--output", "-"},
             {.stdout_fd = append});
  ::close(append);
  EXPECT_EQ(appended.exit_code, 2);
  EXPECT_THAT(appended.err, HasSubstr("the input and the output are the same file, " + input));
  ProcessResult redirected =
      Sluice({"run", "configs/clean_events.yaml", "--quiet", "--input", "-", "--output", input},
             {.stdin_path = input});
  EXPECT_EQ(redirected.exit_code, 2);
  EXPECT_THAT(redirected.err, HasSubstr("the input and the output are the same file"));
  EXPECT_EQ(ReadFile(input), line + "\n");
  ProcessResult piped =
      Sluice({"run", "configs/clean_events.yaml", "--quiet", "--input", "-", "--output", "-"},
             {.stdin_path = input});
  EXPECT_EQ(piped.exit_code, 0) << piped.err;
  EXPECT_EQ(piped.out, line + "\n");
  ProcessResult report =
      with({"--output", dir.File("out.jsonl"), "--set",
            "errors.dead_letter=" + dir.File("dead.jsonl"), "--report", dir.File("dead.jsonl")});
  EXPECT_EQ(report.exit_code, 2);
  EXPECT_THAT(report.err, HasSubstr("the dead letters (errors.dead_letter) and the report "
                                    "(--report) are the same file"));
  ProcessResult apart =
      with({"--output", dir.File("out.jsonl"), "--set",
            "errors.dead_letter=" + dir.File("dead.jsonl"), "--report", dir.File("report.json")});
  EXPECT_EQ(apart.exit_code, 0) << apart.err;
  EXPECT_EQ(ReadFile(dir.File("out.jsonl")), line + "\n");
  ProcessResult discarded =
      with({"--output", "/dev/null", "--set", "errors.dead_letter=/dev/null"});
  EXPECT_EQ(discarded.exit_code, 0) << discarded.err;
  // Files not made yet, named relative to the working directory and absolutely.
  const std::string relative_path = std::filesystem::relative(dir.File("new.jsonl")).string();
  ProcessResult relative = with({"--output", relative_path, "--report", dir.File("new.jsonl"),
                                 "--set", "errors.dead_letter=/dev/null"});
  EXPECT_EQ(relative.exit_code, 2) << relative_path;
  EXPECT_THAT(relative.err, HasSubstr("the output and the report (--report) are the same file"));
  // A path that cannot be resolved is no collision: it fails as it opens.
  ASSERT_EQ(symlink("loop", dir.File("loop").c_str()), 0);
  ProcessResult unresolvable =
      with({"--output", dir.File("loop/a.jsonl"), "--report", dir.File("loop/b.json"), "--set",
            "errors.dead_letter=/dev/null"});
  EXPECT_EQ(unresolvable.exit_code, 4) << unresolvable.err;
}

// Every output is checked before one is replaced: a dead-letter path that cannot open used
// to leave the output file emptied, with nothing run.
TEST(CliTest, AnOutputThatCannotOpenLeavesTheOthersAsTheyWere) {
  TempDir dir("cli_open_fails");
  const std::string input = dir.File("in.jsonl");
  WriteFile(input, R"({"ts":1,"user":"u","event":"view","latency_ms":1,"bytes":1})"
                   "\n");
  const std::string output = dir.File("out.jsonl");
  const std::string dead_letters = dir.File("dead.jsonl");
  WriteFile(dir.File("a_file"), "");
  std::filesystem::create_directory(dir.File("a_dir"));
  const auto run = [&](const std::string& output_path, const std::string& dead_letter_path) {
    WriteFile(output, "old results\n");
    WriteFile(dead_letters, "old dead letters\n");
    return Sluice({"run", "configs/clean_events.yaml", "--quiet", "--input", input, "--output",
                   output_path, "--set", "errors.dead_letter=" + dead_letter_path});
  };
  for (const std::string& bad : {dir.File("a_file/dead.jsonl"), dir.File("a_dir")}) {
    ProcessResult r = run(output, bad);
    EXPECT_EQ(r.exit_code, 4) << bad;
    EXPECT_THAT(r.err, HasSubstr("sluice: dead letters: cannot ")) << bad;
    EXPECT_EQ(ReadFile(output), "old results\n") << bad;
  }
  // What stat cannot tell: a symlink to a missing directory.
  ASSERT_EQ(symlink(dir.File("missing/dead.jsonl").c_str(), dir.File("dangling").c_str()), 0);
  ProcessResult dangling = run(output, dir.File("dangling"));
  EXPECT_EQ(dangling.exit_code, 4);
  EXPECT_THAT(dangling.err, HasSubstr("sluice: dead letters: cannot open "));
  EXPECT_EQ(ReadFile(output), "old results\n");
  // A symlink to a file not made yet: the check makes it, and removes it when a later
  // check fails.
  ASSERT_EQ(symlink(dir.File("target.jsonl").c_str(), dir.File("link.jsonl").c_str()), 0);
  ProcessResult linked =
      Sluice({"run", "configs/clean_events.yaml", "--quiet", "--input", input, "--output",
              dir.File("link.jsonl"), "--report", dir.File("a_dir")});
  EXPECT_EQ(linked.exit_code, 4);
  EXPECT_FALSE(std::filesystem::exists(dir.File("target.jsonl")));
  // The report, written last, is checked first too: the run does not start.
  WriteFile(output, "old results\n");
  ProcessResult bad_report = Sluice({"run", "configs/clean_events.yaml", "--quiet", "--input",
                                     input, "--output", output, "--report", dir.File("a_dir")});
  EXPECT_EQ(bad_report.exit_code, 4);
  EXPECT_THAT(bad_report.err, HasSubstr("sluice: report: cannot open " + dir.File("a_dir")));
  EXPECT_EQ(ReadFile(output), "old results\n");
  ProcessResult bad_output = run(dir.File("a_dir"), dead_letters);
  EXPECT_EQ(bad_output.exit_code, 4);
  EXPECT_THAT(bad_output.err, HasSubstr("sluice: output: cannot open " + dir.File("a_dir")));
  EXPECT_EQ(ReadFile(dead_letters), "old dead letters\n");
  // Dead letters named "-" go to stdout: not beside results there.
  ProcessResult both = Sluice({"run", "configs/clean_events.yaml", "--quiet", "--input", input,
                               "--output", "-", "--set", "errors.dead_letter=-"});
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_THAT(both.err, HasSubstr("the output and the dead letters (errors.dead_letter) both go "
                                  "to stdout"));
}

TEST(CliTest, ErrorRatioAboveTheLimitExitsThreeButStillWrites) {
  TempDir dir("cli");
  ProcessResult r =
      Sluice({"run", "configs/clickstream.yaml", "--format", "jsonl", "--report",
              dir.File("report.json"), "--set", "errors.dead_letter=" + dir.File("errors.jsonl"),
              "--set", "errors.max_error_ratio=0.001"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_THAT(r.err, HasSubstr("exceeds errors.max_error_ratio 0.001"));
  // The ratio takes the digits that tell it from the limit: 0.0256 against 0.025599, both
  // "0.0256" in 4 digits.
  ProcessResult close = Sluice({"run", "configs/clickstream.yaml", "--quiet", "--output",
                                "/dev/null", "--set", "errors.max_error_ratio=0.025599"});
  EXPECT_EQ(close.exit_code, 3) << close.err;
  EXPECT_THAT(close.err, HasSubstr("error ratio 0.0256 (128 of 5000 records) exceeds "
                                   "errors.max_error_ratio 0.025599\n"));
  const GoldenRun expected = ReadCase("clickstream");
  EXPECT_EQ(DescribeDifference(expected.output, SplitLines(r.out)), "");
  EXPECT_EQ(DescribeDifference(expected.errors,
                               SortDeadLetters(SplitLines(ReadFile(dir.File("errors.jsonl"))))),
            "");
  EXPECT_THAT(ReadFile(dir.File("report.json")), HasSubstr("\"errors_by_stage\""));
}

// docs/cli.md: a stalled stage exits 5, naming it, and nothing more is written. The one
// line fails a pattern that backtracks for hours on it (a back-reference keeps it on the
// backtracking engine): stuck, as far as stall_timeout can tell.
TEST(CliTest, AStalledStageExitsFiveNamingItAndWritesNothingMore) {
  TempDir dir("cli_stall");
  WriteFile(dir.File("in.txt"), std::string(600, ',') + "\n");
  WriteFile(dir.File("stall.yaml"),
            "pipeline: stall\n"
            "source: { type: file, path: " +
                dir.File("in.txt") +
                " }\n"
                "stages:\n"
                "  - name: slow\n"
                "    type: parse_regex\n"
                "    pattern: '(?<a>,)(.*),(.*),(.*),(.*),(.*);\\k<a>'\n"
                "    stall_timeout: 50ms\n");
  const pid_t pid =
      SpawnCapturingStderr({SLUICE_CLI_PATH, "run", dir.File("stall.yaml"), "--quiet", "--output",
                            dir.File("out.jsonl"), "--report", dir.File("report.json")},
                           dir.File("stderr"));
  ASSERT_GT(pid, 0);
  const std::optional<int> status = WaitStatusAtMost(pid, std::chrono::seconds(20));
  ASSERT_TRUE(status.has_value()) << "no stall was reported";
  ASSERT_TRUE(WIFEXITED(*status)) << "killed by signal " << WTERMSIG(*status);
  EXPECT_EQ(WEXITSTATUS(*status), 5);
  EXPECT_THAT(ReadFile(dir.File("stderr")),
              HasSubstr("sluice: stage 'slow' stalled: a worker has spent more than 0.05 s on one "
                        "record (stall_timeout)"));
  EXPECT_FALSE(std::filesystem::exists(dir.File("report.json")));
  EXPECT_EQ(ReadFile(dir.File("out.jsonl")), "");
}

TEST(CliTest, SummaryGoesToStderrAndTableToStdout) {
  ProcessResult r = Sluice({"run", "configs/kv_metrics.yaml", "--set", "errors={}"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, StartsWith("key "));  // the table's header row
  EXPECT_THAT(r.out, HasSubstr("\nusers "));
  EXPECT_THAT(r.err, HasSubstr("read 300 = ok 265 + filtered 0 + errors 35"));
  // Without a dead-letter file the first few errors are shown.
  EXPECT_THAT(r.err, HasSubstr("first 5 of 35 errors"));
  EXPECT_THAT(r.err, HasSubstr("kv_metrics.log:8: parse: invalid_input:"));
}

TEST(CliTest, OutputExtensionPicksTheFormatInAnyCase) {
  TempDir dir("cli");
  for (const char* name : {"totals.csv", "TOTALS.CSV"}) {
    ProcessResult csv = Sluice({"run", "configs/kv_metrics.yaml", "--quiet", "--output",
                                dir.File(name), "--set", "errors={}"});
    EXPECT_EQ(csv.exit_code, 0) << csv.err;
    EXPECT_EQ(ReadFile(dir.File(name)),
              "key,count,total\nerrors,87,4029437\nlatency,79,3621660\nusers,99,4815333\n");
  }
  // The config's own output path too.
  ProcessResult jsonl =
      Sluice({"run", "configs/kv_metrics.yaml", "--quiet", "--set",
              "output={path: " + dir.File("Totals.JSONL") + "}", "--set", "errors={}"});
  EXPECT_EQ(jsonl.exit_code, 0) << jsonl.err;
  EXPECT_THAT(ReadFile(dir.File("Totals.JSONL")),
              StartsWith("{\"key\":\"errors\",\"count\":87,\"total\":4029437}\n"));
}

TEST(CliTest, FullDiskIsAnOutputFailure) {
  ProcessResult r = Sluice({"run", "configs/clean_events.yaml", "--quiet", "--output", "/dev/full",
                            "--set", "errors={}"});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_THAT(r.err, HasSubstr("No space left on device"));

  TempDir dir("cli");
  ProcessResult report = Sluice(
      {"run", "configs/kv_metrics.yaml", "--quiet", "--report", "/dev/full", "--set", "errors={}"});
  EXPECT_EQ(report.exit_code, 4);
  EXPECT_THAT(report.err, HasSubstr("writing report /dev/full"));
}

TEST(CliTest, ClosedPipeIsAnOutputFailureNotASignal) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  close(fds[0]);  // nobody will ever read: every write gets EPIPE (SIGPIPE is ignored)
  ProcessResult r =
      Sluice({"run", "configs/clean_events.yaml", "--quiet", "--output", "-", "--set", "errors={}"},
             {.stdout_fd = fds[1]});
  close(fds[1]);
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_THAT(r.err, HasSubstr("Broken pipe"));
}

// A closed output stops the input, as SIGINT does: `sluice run ... | head` ends once head
// has, also while the input is quiet (and nothing more is written that would fail).
TEST(CliTest, AClosedOutputPipeStopsAQuietInput) {
  for (const size_t lines : {0, 3}) {
    SCOPED_TRACE(std::to_string(lines) + " lines before the input goes quiet");
    int input[2], output[2];
    ASSERT_EQ(pipe2(input, O_CLOEXEC), 0);
    ASSERT_EQ(pipe2(output, O_CLOEXEC), 0);
    close(output[0]);  // the reader has gone, as head has once it has its lines
    const pid_t pid = SpawnProcess({SLUICE_CLI_PATH, "run", "configs/clean_events.yaml", "--quiet",
                                    "--input", "-", "--output", "-", "--set", "errors={}"},
                                   input[0], output[1]);
    close(input[0]);
    close(output[1]);
    ASSERT_GT(pid, 0);
    const std::string head = SampleLines(lines);
    ASSERT_EQ(write(input[1], head.data(), head.size()), static_cast<ssize_t>(head.size()));
    // The input stays open and quiet: only the closed output can end the run.
    EXPECT_EQ(WaitAtMost(pid, std::chrono::seconds(10)), 4);
    close(input[1]);
  }
}

// An input that fails partway (here a socket reset) ends the run as a stop does: what was
// read is written and accounted for, and the report says why the input ended; exit 1.
TEST(CliTest, AnInputThatFailsPartwayIsReportedWithWhatWasRead) {
  TempDir dir("cli_read_failure");
  const std::string head = SampleLines(50);
  int fds[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
  ASSERT_EQ(write(fds[1], head.data(), head.size()), static_cast<ssize_t>(head.size()));
  // Closed with unread data (a byte the child's end sent), a socket resets its peer: the
  // child reads the 50 lines queued, then ECONNRESET.
  ASSERT_EQ(write(fds[0], "x", 1), 1);
  close(fds[1]);
  const pid_t pid =
      SpawnProcess({SLUICE_CLI_PATH, "run", "configs/clean_events.yaml", "--quiet", "--input", "-",
                    "--output", dir.File("out.jsonl"), "--report", dir.File("report.json"), "--set",
                    "errors.dead_letter=" + dir.File("dead.jsonl")},
                   fds[0]);
  close(fds[0]);
  ASSERT_GT(pid, 0);
  EXPECT_EQ(WaitAtMost(pid, std::chrono::seconds(20)), 1);
  const std::string report = ReadFile(dir.File("report.json"));
  EXPECT_THAT(report,
              AllOf(HasSubstr("\"read\": 50,"), HasSubstr("\"balanced\": true"),
                    HasSubstr("\"stopped_early\": true"),
                    HasSubstr("\"read_failure\": \"reading stdin: Connection reset by peer\"")));
  const std::string out = ReadFile(dir.File("out.jsonl")) + ReadFile(dir.File("dead.jsonl"));
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 50) << "every line read is written";
}

// jsonl results and dead letters are streamed: with an input that pauses, what was read
// is in the files before the input ends (it used to wait in a 64 KiB buffer until then).
TEST(CliTest, JsonlOutputAndDeadLettersAreStreamedWhileTheInputPauses) {
  TempDir dir("cli_stream");
  const std::string head = SampleLines(50);
  int fds[2];
  ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);  // the child must not hold the write end
  const pid_t pid = SpawnProcess(
      {SLUICE_CLI_PATH, "run", "configs/clean_events.yaml", "--quiet", "--input", "-", "--output",
       dir.File("out.jsonl"), "--set", "errors.dead_letter=" + dir.File("dead.jsonl")},
      fds[0]);
  close(fds[0]);
  ASSERT_GT(pid, 0);
  ASSERT_EQ(write(fds[1], head.data(), head.size()), static_cast<ssize_t>(head.size()));
  // The input stays open and quiet; the 50 lines should show up in the two files.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  size_t lines = 0;
  while (lines < 50 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const std::string out = ReadFile(dir.File("out.jsonl")) + ReadFile(dir.File("dead.jsonl"));
    lines = std::count(out.begin(), out.end(), '\n');
  }
  EXPECT_EQ(lines, 50u) << "results and dead letters of the lines read, before the input ends";
  EXPECT_THAT(ReadFile(dir.File("dead.jsonl")), HasSubstr("\"line\":"));
  close(fds[1]);
  EXPECT_EQ(WaitAtMost(pid, std::chrono::seconds(20)), 0);
}

// A UTF-8 byte order mark before line 1 (as Windows tools write) is not part of the first
// CSV header name, nor of the first JSON line.
TEST(CliTest, AByteOrderMarkAtTheStartOfTheInputIsSkipped) {
  TempDir dir("cli_bom");
  WriteFile(dir.File("csv.yaml"), "source: { type: stdin }\nstages: [{ type: parse_csv }]\n");
  WriteFile(dir.File("json.yaml"), "source: { type: stdin }\nstages: [{ type: parse_json }]\n");
  WriteFile(dir.File("in.csv"), "\xEF\xBB\xBFuser,n\nada,1\n");
  WriteFile(dir.File("in.jsonl"), "\xEF\xBB\xBF{\"user\":\"ada\"}\n{\"user\":\"bob\"}\n");

  ProcessResult csv = Sluice(
      {"run", dir.File("csv.yaml"), "--quiet", "--input", dir.File("in.csv"), "--format", "csv"});
  EXPECT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_EQ(csv.out, "user,n\nada,1\n");

  ProcessResult json = Sluice({"run", dir.File("json.yaml"), "--input", dir.File("in.jsonl"),
                               "--format", "jsonl", "--set", "ordered=true"});
  EXPECT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(json.out, "{\"user\":\"ada\"}\n{\"user\":\"bob\"}\n");
  EXPECT_THAT(json.err, HasSubstr("read 2 = ok 2 + filtered 0 + errors 0"));
}

// A dead letter holds the whole raw line, however long; only a too_large line, of which the
// source keeps the start, is cut, and says so with the line's length.
TEST(CliTest, DeadLettersHoldTheWholeLineOrSayItIsCut) {
  TempDir dir("cli_raw");
  const std::string bad_json = "{\"user\": \"" + std::string(1000, 'u') + "\", oops}";
  const std::string huge = std::string(3000, 'h');
  WriteFile(dir.File("in.jsonl"), bad_json + "\n" + huge + "\n");
  ProcessResult r = Sluice({"run", "configs/clean_events.yaml", "--quiet", "--input",
                            dir.File("in.jsonl"), "--output", dir.File("out.jsonl"), "--set",
                            "errors={dead_letter: " + dir.File("dead.jsonl") + "}", "--set",
                            "source.max_line_bytes=2000"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> dead = SplitLines(ReadFile(dir.File("dead.jsonl")));
  ASSERT_EQ(dead.size(), 2u);
  EXPECT_THAT(dead[0], HasSubstr("\"raw\":\"{\\\"user\\\": \\\"" + std::string(1000, 'u') +
                                 "\\\", oops}\"}"));
  EXPECT_THAT(dead[1], HasSubstr("\"code\":\"too_large\""));
  EXPECT_THAT(dead[1], HasSubstr("\"raw\":\"" + std::string(256, 'h') +  // the excerpt's 256 bytes
                                 "\",\"raw_truncated\":true,\"raw_bytes\":3000}"));
}

TEST(CliTest, StagesListsTheBuiltins) {
  ProcessResult r = Sluice({"stages"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* type :
       {"parse_json", "parse_csv", "parse_kv", "parse_regex", "validate", "aggregate"}) {
    EXPECT_THAT(r.out, HasSubstr(std::string("\n  ") + type + " ")) << type;
  }
}

}  // namespace
}  // namespace sluice::golden
