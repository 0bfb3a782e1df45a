// The golden tests: every configs/*.yaml is run on its sample input, through the library
// and through the real `sluice` binary, with its workers, ordering and batching varied,
// and must reproduce tests/golden/<config-name>/ exactly (see golden_support.h).
//
// Regenerate after an intended change, then REVIEW the diff before committing:
//   SLUICE_UPDATE_GOLDEN=1 build/tests/golden/sluice_golden_tests --gtest_filter='Golden*'
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <ostream>
#include <string>
#include <tuple>
#include <vector>

#include "golden_support.h"
#include "subprocess.h"

namespace sluice::golden {
namespace {

enum class Variant {
  kAsConfigured,  // the baseline: in update mode it (re)writes the golden case
  kWorkers1,
  kWorkers4,
  kOrdered,
  kUnordered,
  kSmallBatches,  // batches of 7 and 2-batch queues: many hand-offs, much back-pressure
  kCli,
  kCliWorkers4Unordered,
  kCliStdin,
};

constexpr Variant kVariants[] = {
    Variant::kAsConfigured, Variant::kWorkers1,
    Variant::kWorkers4,     Variant::kOrdered,
    Variant::kUnordered,    Variant::kSmallBatches,
    Variant::kCli,          Variant::kCliWorkers4Unordered,
    Variant::kCliStdin,
};

std::string VariantName(Variant variant) {
  switch (variant) {
    case Variant::kAsConfigured: return "as_configured";
    case Variant::kWorkers1: return "workers_1";
    case Variant::kWorkers4: return "workers_4";
    case Variant::kOrdered: return "ordered";
    case Variant::kUnordered: return "unordered";
    case Variant::kSmallBatches: return "small_batches";
    case Variant::kCli: return "cli";
    case Variant::kCliWorkers4Unordered: return "cli_workers_4_unordered";
    case Variant::kCliStdin: return "cli_stdin";
  }
  return "?";
}

// For gtest's messages ("GetParam() = (clickstream, workers_4)").
void PrintTo(Variant variant, std::ostream* out) { *out << VariantName(variant); }

bool IsCli(Variant variant) {
  return variant == Variant::kCli || variant == Variant::kCliWorkers4Unordered ||
         variant == Variant::kCliStdin;
}

std::vector<std::string> WorkerSets(const ConfigShape& shape, int workers) {
  std::vector<std::string> sets;
  for (const std::string& stage : shape.stage_names) {
    sets.push_back("stages." + stage + ".workers=" + std::to_string(workers));
  }
  return sets;
}

std::vector<std::string> SetsFor(Variant variant, const ConfigShape& shape) {
  switch (variant) {
    case Variant::kWorkers1: return WorkerSets(shape, 1);
    case Variant::kWorkers4: return WorkerSets(shape, 4);
    case Variant::kOrdered: return {"ordered=true"};
    case Variant::kUnordered: return {"ordered=false"};
    case Variant::kSmallBatches: return {"queue.batch=7", "queue.capacity=2"};
    case Variant::kCliWorkers4Unordered: {
      std::vector<std::string> sets = WorkerSets(shape, 4);
      sets.push_back("ordered=false");
      return sets;
    }
    case Variant::kAsConfigured:
    case Variant::kCli:
    case Variant::kCliStdin: break;
  }
  return {};
}

// Runs `sluice run` on the config with jsonl output, dead letters and a report in a
// temporary directory; checks its exit code against the config's max_error_ratio.
GoldenRun RunCli(const std::string& name, const std::vector<std::string>& sets,
                 const ConfigShape& shape, bool via_stdin) {
  TempDir dir("golden_cli");
  std::vector<std::string> argv = {
      SLUICE_CLI_PATH,  "run",
      ConfigPath(name), "--quiet",
      "--format",       "jsonl",
      "--output",       dir.File("out.jsonl"),
      "--report",       dir.File("report.json"),
      "--set",          "errors.dead_letter=" + dir.File("errors.jsonl")};
  for (const std::string& set : sets) argv.insert(argv.end(), {"--set", set});
  ProcessOptions options;
  if (via_stdin) {
    argv.insert(argv.end(), {"--input", "-"});
    options.stdin_path = shape.source_path;
  }
  const ProcessResult process = RunProcess(argv, options);

  GoldenRun run;
  run.output = SplitLines(ReadFile(dir.File("out.jsonl")));
  run.errors = SortDeadLetters(SplitLines(ReadFile(dir.File("errors.jsonl"))));
  run.report = CanonicalReportFromJson(ReadFile(dir.File("report.json")), run.totals);
  const double ratio =
      run.totals.read == 0 ? 0.0 : static_cast<double>(run.totals.errors) / run.totals.read;
  EXPECT_EQ(process.exit_code, ratio > shape.max_error_ratio ? 3 : 0) << process.err;
  EXPECT_EQ(process.out, "") << "results must go to --output only";
  EXPECT_EQ(process.err, "") << "--quiet run printed to stderr";
  if (via_stdin) {  // the dead letters name their input "stdin": name the file instead
    const std::string from = R"({"source":"stdin")";
    const std::string to = R"({"source":")" + shape.source_path + "\"";
    for (std::string& line : run.errors) {
      if (line.starts_with(from)) line.replace(0, from.size(), to);
    }
  }
  return run;
}

class GoldenTest : public testing::TestWithParam<std::tuple<std::string, Variant>> {};

TEST_P(GoldenTest, MatchesGoldenCase) {
  const auto& [name, variant] = GetParam();
  const bool writes_case = UpdateMode() && variant == Variant::kAsConfigured;
  if (!writes_case && !std::filesystem::exists(CaseDir(name))) {
    FAIL() << ConfigPath(name) << " has no golden case " << CaseDir(name)
           << "/: create it with SLUICE_UPDATE_GOLDEN=1, then review it by hand";
  }
  const ConfigShape base = ShapeOf(ConfigPath(name), {});
  const std::vector<std::string> sets = SetsFor(variant, base);
  const ConfigShape shape = ShapeOf(ConfigPath(name), sets);
  GoldenRun actual = IsCli(variant) ? RunCli(name, sets, shape, variant == Variant::kCliStdin)
                                    : RunWithLibrary(ConfigPath(name), sets);
  EXPECT_EQ(actual.totals.read, actual.totals.ok + actual.totals.filtered + actual.totals.errors)
      << "unbalanced run";
  if (writes_case) WriteCase(name, actual);

  GoldenRun expected = ReadCase(name);
  if (!shape.output_order_fixed) {  // results arrive as workers finish: compare as sets
    std::sort(expected.output.begin(), expected.output.end());
    std::sort(actual.output.begin(), actual.output.end());
  }
  EXPECT_EQ(DescribeDifference(expected.output, actual.output), "")
      << "result rows of " << ConfigPath(name) << " vs " << CaseDir(name) << "/expected_output.txt";
  EXPECT_EQ(DescribeDifference(expected.errors, actual.errors), "")
      << "dead letters vs " << CaseDir(name) << "/expected_errors.jsonl";
  EXPECT_EQ(expected.report, actual.report)
      << "report vs " << CaseDir(name) << "/expected_report.json";
}

std::string ParamName(const testing::TestParamInfo<GoldenTest::ParamType>& info) {
  std::string name = std::get<0>(info.param) + "_" + VariantName(std::get<1>(info.param));
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';  // gtest names: [A-Za-z0-9_]
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Configs, GoldenTest,
                         testing::Combine(testing::ValuesIn(ListConfigNames()),
                                          testing::ValuesIn(kVariants)),
                         ParamName);

// A config without a case fails above only once the test list is rediscovered; these two
// enumerate the directories at run time, so a new config fails `ctest` at once.
TEST(GoldenCases, EveryConfigHasACase) {
  const std::vector<std::string> cases = ListCaseNames();
  for (const std::string& config : ListConfigNames()) {
    EXPECT_TRUE(std::binary_search(cases.begin(), cases.end(), config))
        << ConfigPath(config) << " has no golden case " << CaseDir(config) << "/";
    for (const char* file :
         {"expected_output.txt", "expected_errors.jsonl", "expected_report.json"}) {
      EXPECT_TRUE(std::filesystem::exists(CaseDir(config) + "/" + file))
          << CaseDir(config) << "/" << file << " is missing";
    }
  }
}

TEST(GoldenCases, EveryCaseHasAConfig) {
  const std::vector<std::string> configs = ListConfigNames();
  for (const std::string& name : ListCaseNames()) {
    EXPECT_TRUE(std::binary_search(configs.begin(), configs.end(), name))
        << CaseDir(name) << "/ is a golden case of no config (" << ConfigPath(name) << ")";
  }
}

}  // namespace
}  // namespace sluice::golden

int main(int argc, char** argv) {
  // Configs name their inputs relative to the repository root, as `make run` runs there.
  if (chdir(SLUICE_SOURCE_DIR) != 0) {
    std::perror("chdir " SLUICE_SOURCE_DIR);
    return 1;
  }
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
