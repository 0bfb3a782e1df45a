// In-process tests of the CLI's argument parsing and progress text (pipelines/cli/), which
// live in the `sluice` executable only and are compiled into this binary for testing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string_view>
#include <vector>

#include "pipelines/cli/args.h"
#include "pipelines/cli/help.h"
#include "pipelines/cli/progress.h"

namespace sluice::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

Result<CliArgs> Parse(std::vector<std::string_view> words) { return ParseArgs(words); }

TEST(CliArgsTest, RunTakesEveryFlagInBothSpellings) {
  Result<CliArgs> args =
      Parse({"run", "pipe.yaml", "--input", "-", "--output=out.csv", "--format", "csv",
             "--report=r.json", "--set", "a.b=1", "--set=stages.parse.workers=-1", "-q"});
  ASSERT_TRUE(args.ok()) << args.error().message;
  EXPECT_EQ(args->command, Command::kRun);
  EXPECT_EQ(args->config, "pipe.yaml");
  EXPECT_EQ(args->input, "-");
  EXPECT_EQ(args->output, "out.csv");
  EXPECT_EQ(args->format, OutputFormat::kCsv);
  EXPECT_EQ(args->report, "r.json");
  EXPECT_THAT(args->sets, ElementsAre("a.b=1", "stages.parse.workers=-1"));
  EXPECT_TRUE(args->quiet);
}

TEST(CliArgsTest, FlagsMayComeBeforeTheConfig) {
  Result<CliArgs> args = Parse({"validate", "--set", "ordered=true", "pipe.yaml"});
  ASSERT_TRUE(args.ok()) << args.error().message;
  EXPECT_EQ(args->config, "pipe.yaml");
  EXPECT_THAT(args->sets, ElementsAre("ordered=true"));
}

TEST(CliArgsTest, HelpAndVersion) {
  EXPECT_EQ(Parse({"--version"})->command, Command::kVersion);
  EXPECT_EQ(Parse({"version"})->command, Command::kVersion);
  Result<CliArgs> run_help = Parse({"run", "--help"});
  ASSERT_TRUE(run_help.ok());
  EXPECT_EQ(run_help->command, Command::kHelp);
  EXPECT_EQ(run_help->help_for, Command::kRun);
  EXPECT_EQ(Parse({"help", "stages"})->help_for, Command::kStages);
  EXPECT_EQ(Parse({"-h"})->help_for, std::nullopt);
  EXPECT_EQ(Parse({"--help", "run"})->help_for, Command::kRun);  // as `help run`
  EXPECT_THAT(ParseArgs(std::vector<std::string_view>{"--version", "extra"}).error().message,
              HasSubstr("'sluice --version' takes no arguments"));
  EXPECT_THAT(ParseArgs(std::vector<std::string_view>{"version", "extra"}).error().message,
              HasSubstr("'sluice version' takes no arguments"));
  EXPECT_THAT(ParseArgs(std::vector<std::string_view>{"-h", "run", "extra"}).error().message,
              HasSubstr("'sluice -h' takes at most one COMMAND"));
  EXPECT_THAT(HelpText(std::nullopt), HasSubstr("4  output failure"));
  EXPECT_THAT(HelpText(Command::kValidate), HasSubstr("sluice validate CONFIG"));
  EXPECT_THAT(VersionText(), HasSubstr("sluice "));
}

TEST(CliArgsTest, UsageErrorsSayWhat) {
  auto message = [](std::vector<std::string_view> words) {
    Result<CliArgs> args = ParseArgs(words);
    return args.ok() ? std::string("(ok)") : args.error().message;
  };
  EXPECT_EQ(message({"valdate", "x.yaml"}), "unknown command 'valdate' (did you mean 'validate'?)");
  EXPECT_EQ(message({"run", "x.yaml", "--reprot", "r.json"}),
            "unknown flag '--reprot' for 'sluice run' (did you mean '--report'?)");
  EXPECT_EQ(message({"run", "x.yaml", "--input"}), "--input needs a value");
  EXPECT_EQ(message({"run", "x.yaml", "--input="}), "--input needs a value");
  EXPECT_EQ(message({"run", "x.yaml", "--quiet=yes"}), "--quiet takes no value");
  EXPECT_EQ(message({"run", "x.yaml", "--output", "a", "--output", "b"}), "--output given twice");
  EXPECT_EQ(message({"run"}), "'sluice run' needs a CONFIG file");
  EXPECT_EQ(message({"run", "a.yaml", "b.yaml"}), "unexpected argument 'b.yaml' for 'sluice run'");
  EXPECT_EQ(message({"stages", "x"}), "unexpected argument 'x' for 'sluice stages'");
  EXPECT_EQ(message({"validate", "x.yaml", "--input", "-"}),
            "unknown flag '--input' for 'sluice validate'");
  EXPECT_THAT(message({"--verison"}), HasSubstr("did you mean '--version'?"));
}

TEST(ProgressTest, FormatsRateShareAndErrors) {
  Progress progress{.read = 1'250'000,
                    .bytes_read = 37,
                    .total_bytes = 100,
                    .errors = 12,
                    .elapsed_seconds = 3.14};
  EXPECT_EQ(FormatProgress(progress, 412'345),
            "  1.25M records  412.3k rec/s  37% read  12 errors  3.1s");
  progress.total_bytes = 0;  // unknown size (stdin): no share
  progress.errors = 1;
  EXPECT_EQ(FormatProgress(progress, 950), "  1.25M records  950 rec/s  1 error  3.1s");
}

}  // namespace
}  // namespace sluice::cli
