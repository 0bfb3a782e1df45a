#include "pipelines/builder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "../result_matchers.h"
#include "fake_stages.h"
#include "stages/builtin.h"

namespace sluice {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing_matchers::IsErrorWithCode;
using testing_matchers::IsOk;

constexpr std::string_view kPipelineYaml = R"(pipeline: counted
source: { type: file, path: unused.log }
stages:
  - name: parse
    type: parse_json
    workers: 2
    queue: { capacity: 4, batch: 2 }
  - name: check
    type: require
    field: user
    min: 0
    workers: 2
  - name: count
    type: aggregate
queue: { capacity: 8, batch: 4 }
)";

StageRegistry FakeRegistry() {
  StageRegistry registry;
  test::RegisterFakeStages(registry);
  return registry;
}

// A file under the temp directory, removed when the test ends.
class TempFile {
 public:
  TempFile(std::string_view name, std::string_view text)
      : path_(std::filesystem::temp_directory_path() /
              ("sluice_builder_" + std::to_string(::getpid()) + "_" + std::string(name))) {
    std::ofstream(path_, std::ios::binary) << text;
  }
  ~TempFile() { std::filesystem::remove(path_); }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

struct Collected {
  std::vector<std::string> results;
  std::vector<std::string> errors;
};

void Collect(Pipeline& pipeline, Collected& out) {
  pipeline.OnResult([&out](const Record& r) { out.results.push_back(r.ToJson()); });
  pipeline.OnError([&out](const Error& e) { out.errors.push_back(e.stage + ": " + e.message); });
}

TEST(BuilderTest, BuildsAndRunsAPipelineFromYaml) {
  const StageRegistry registry = FakeRegistry();
  ConfigErrors errors;
  std::optional<PipelineSpec> spec =
      LoadPipelineSpecString(kPipelineYaml, "b.yaml", registry, {}, errors);
  ASSERT_TRUE(spec) << errors.ToString();
  std::unique_ptr<Pipeline> pipeline = BuildPipeline(*spec, registry, errors);
  ASSERT_NE(pipeline, nullptr) << errors.ToString();
  Collected out;
  Collect(*pipeline, out);
  pipeline->Start();
  pipeline->Push("user=ada n=1");
  pipeline->Push("n=2");  // no user: fails in 'check'
  pipeline->Push("user=bob");
  pipeline->Push("garbage");  // fails in 'parse'
  pipeline->Push("user=cy n=3");
  RunReport report = pipeline->Finish();
  EXPECT_THAT(out.results, ElementsAre(R"({"count":3})"));
  std::sort(out.errors.begin(), out.errors.end());
  EXPECT_THAT(out.errors, ElementsAre("check: missing 'user'", "parse: expected k=v in 'garbage'"));
  EXPECT_EQ(report.pipeline, "counted");
  EXPECT_EQ(report.totals.read, 5u);
  EXPECT_EQ(report.totals.errors, 2u);
  ASSERT_EQ(report.stages.size(), 3u);
  EXPECT_EQ(report.stages[0].name, "parse");
  EXPECT_EQ(report.stages[0].workers, 2);
  EXPECT_TRUE(report.balanced());
}

TEST(BuilderTest, RunsFromTheSpecSourceAndInputOverride) {
  const StageRegistry registry = FakeRegistry();
  TempFile input("in.log", "user=a\nuser=b\nbad\n");
  ConfigErrors errors;
  std::optional<PipelineSpec> spec =
      LoadPipelineSpecString(kPipelineYaml, "b.yaml", registry,
                             std::vector<std::string>{"source.path=" + input.path()}, errors);
  ASSERT_TRUE(spec) << errors.ToString();
  for (const std::optional<std::string>& override_path :
       {std::optional<std::string>(), std::optional<std::string>(input.path())}) {
    PipelineSpec run_spec = *spec;
    if (override_path) run_spec.source.path = "/nonexistent/ignored.log";
    std::unique_ptr<Pipeline> pipeline = BuildPipeline(run_spec, registry, errors);
    ASSERT_NE(pipeline, nullptr) << errors.ToString();
    Result<std::unique_ptr<Source>> source =
        OpenSpecSource(run_spec, registry, override_path, SystemClock::Instance());
    ASSERT_THAT(source, IsOk());
    Collected out;
    Collect(*pipeline, out);
    RunReport report = pipeline->Run(**source);
    EXPECT_THAT(out.results, ElementsAre(R"({"count":2})"));
    EXPECT_EQ(report.totals.read, 3u);
    EXPECT_EQ(report.totals.errors, 1u);
  }
}

TEST(BuilderTest, OpenSpecSourceReportsAMissingFile) {
  const StageRegistry registry = FakeRegistry();
  ConfigErrors errors;
  std::optional<PipelineSpec> spec =
      LoadPipelineSpecString(kPipelineYaml, "b.yaml", registry, {}, errors);
  ASSERT_TRUE(spec);
  EXPECT_THAT(OpenSpecSource(*spec, registry, "/nonexistent/in.log", SystemClock::Instance()),
              IsErrorWithCode(ErrorCode::kInvalidInput));
}

TEST(BuilderTest, ReplayPacesByEventTimeReadThroughTheFirstStage) {
  const StageRegistry registry = FakeRegistry();
  // Event times in epoch seconds over 100 s; one line has none and one fails to parse.
  TempFile input("replay.log",
                 "ts=1700000000 user=a\nts=1700000040 user=b\nuser=c\nbad\nts=1700000100 user=d\n");
  ConfigErrors errors;
  const std::vector<std::string> sets = {"source.path=" + input.path(),
                                         "source.replay={time_field: ts, speed: 10}"};
  std::optional<PipelineSpec> spec =
      LoadPipelineSpecString(kPipelineYaml, "b.yaml", registry, sets, errors);
  ASSERT_TRUE(spec) << errors.ToString();
  const int projections_before = test::fake_parse_projections;
  const int builds_before = test::fake_parse_builds;
  FakeClock clock;
  Result<std::unique_ptr<Source>> source = OpenSpecSource(*spec, registry, std::nullopt, clock);
  ASSERT_THAT(source, IsOk());
  EXPECT_EQ(test::fake_parse_projections, projections_before + 1);
  // One copy of the first stage says where lines end and reads the event times.
  EXPECT_EQ(test::fake_parse_builds, builds_before + 1);
  std::unique_ptr<Pipeline> pipeline = BuildPipeline(*spec, registry, errors);
  ASSERT_NE(pipeline, nullptr);
  Collected out;
  Collect(*pipeline, out);
  RunReport report = pipeline->Run(**source);
  EXPECT_EQ(report.totals.read, 5u);
  EXPECT_THAT(out.results, ElementsAre(R"({"count":4})"));
  // 100 s of event time at 10x: 10 s of (fake) wall time.
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(clock.slept()).count(), 10'000);
}

TEST(BuilderTest, ReplayWithTheBuiltinJsonParser) {
  StageRegistry registry;
  RegisterBuiltinStages(registry);
  TempFile input("replay.jsonl",
                 "{\"ts\": \"2024-01-01T00:00:00Z\", \"user\": \"a\"}\n"
                 "{\"user\": \"b\", \"ts\": 1704067230000}\n"
                 "{\"ts\": \"2024-01-01T00:01:00.500Z\"}\n");
  const std::string yaml = "source: { path: " + input.path() +
                           ", replay: { time_field: ts, speed: 2 } }\n"
                           "stages: [ { name: parse, type: parse_json } ]\n";
  ConfigErrors errors;
  std::optional<PipelineSpec> spec = LoadPipelineSpecString(yaml, "r.yaml", registry, {}, errors);
  ASSERT_TRUE(spec) << errors.ToString();
  FakeClock clock;
  Result<std::unique_ptr<Source>> source = OpenSpecSource(*spec, registry, std::nullopt, clock);
  ASSERT_THAT(source, IsOk());
  std::unique_ptr<Pipeline> pipeline = BuildPipeline(*spec, registry, errors);
  ASSERT_NE(pipeline, nullptr) << errors.ToString();
  Collected out;
  Collect(*pipeline, out);
  pipeline->Run(**source);
  EXPECT_EQ(out.results.size(), 3u);
  // 60.5 s of event time at 2x.
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(clock.slept()).count(), 30'250);
}

// The source ends rows where the first stage reads them: parse_csv's multiline rows whole,
// also when replayed (the pacer reads each row's time through the same framing).
TEST(BuilderTest, OpenSpecSourceEndsRowsWhereTheFirstStageReadsThem) {
  StageRegistry registry;
  RegisterBuiltinStages(registry);
  TempFile input("rows.csv", "ts,note\n1704067200000,\"two\nlines\"\n1704067201000,one\n");
  for (const std::string replay : {"", ", replay: { time_field: ts, speed: 1000 }"}) {
    const std::string yaml = "source: { path: " + input.path() + replay +
                             " }\n"
                             "stages: [ { name: parse, type: parse_csv, multiline: true } ]\n";
    ConfigErrors errors;
    std::optional<PipelineSpec> spec = LoadPipelineSpecString(yaml, "c.yaml", registry, {}, errors);
    ASSERT_TRUE(spec) << errors.ToString();
    FakeClock clock;
    Result<std::unique_ptr<Source>> source = OpenSpecSource(*spec, registry, std::nullopt, clock);
    ASSERT_THAT(source, IsOk());
    ASSERT_TRUE((*source)->framing().has_value());
    EXPECT_EQ((*source)->framing()->quote, '"');
    std::unique_ptr<Pipeline> pipeline = BuildPipeline(*spec, registry, errors);
    ASSERT_NE(pipeline, nullptr) << errors.ToString();
    Collected out;
    Collect(*pipeline, out);
    const RunReport report = pipeline->Run(**source);
    EXPECT_THAT(out.results, ElementsAre(R"({"ts":1704067200000,"note":"two\nlines"})",
                                         R"({"ts":1704067201000,"note":"one"})"))
        << replay;
    EXPECT_EQ(report.totals.errors, 0u);
  }
}

TEST(BuilderTest, BuildReportsStageTypesMissingFromTheRegistry) {
  ConfigErrors errors;
  std::optional<PipelineSpec> spec =
      LoadPipelineSpecString(kPipelineYaml, "b.yaml", FakeRegistry(), {}, errors);
  ASSERT_TRUE(spec);
  StageRegistry other;
  EXPECT_EQ(BuildPipeline(*spec, other, errors), nullptr);
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors.all()[0].ToString(), "b.yaml:4:5: unknown stage type 'parse_json'");
}

TEST(BuilderTest, LoadPipelineAndValidateConfigFile) {
  const StageRegistry registry = FakeRegistry();
  TempFile good("good.yaml", kPipelineYaml);
  Result<std::unique_ptr<Pipeline>> pipeline = LoadPipeline(good.path(), registry);
  ASSERT_THAT(pipeline, IsOk());
  EXPECT_NE(pipeline->get(), nullptr);
  EXPECT_TRUE(ValidateConfigFile(good.path(), registry).empty());

  TempFile bad("bad.yaml",
               "source: {type: stdin}\nstages:\n  - type: parse_json\n    workers: 0\n"
               "  - type: requir\n");
  Result<std::unique_ptr<Pipeline>> failed = LoadPipeline(bad.path(), registry);
  ASSERT_THAT(failed, IsErrorWithCode(ErrorCode::kInvalidInput));
  EXPECT_EQ(failed.error().message,
            bad.path() + ":4:14: workers must be from 1 to 1024 (or 'auto'), got 0\n" + bad.path() +
                ":5:11: unknown stage type 'requir' (did you mean 'require'?)");
  const std::vector<std::string> fix = {"stages.parse_json.workers=1", "stages.1.type=require",
                                        "stages.1.field=user"};
  EXPECT_TRUE(ValidateConfigFile(bad.path(), registry, fix).empty())
      << ValidateConfigFile(bad.path(), registry, fix).ToString();
  EXPECT_EQ(ValidateConfigFile(bad.path(), registry).size(), 2u);
}

TEST(BuilderTest, LoadPipelineStringNeedsNoFileAndNoSource) {
  const StageRegistry registry = FakeRegistry();
  Result<std::unique_ptr<Pipeline>> pipeline =
      LoadPipelineString("stages: [ { type: parse_json } ]\n", "inline.yaml", registry);
  ASSERT_THAT(pipeline, IsOk());
  EXPECT_NE(pipeline->get(), nullptr);

  Result<std::unique_ptr<Pipeline>> failed = LoadPipelineString(
      "stages:\n  - type: parse_json\n    wrokers: 2\n", "inline.yaml", registry);
  ASSERT_THAT(failed, IsErrorWithCode(ErrorCode::kInvalidInput));
  EXPECT_EQ(failed.error().message,
            "inline.yaml:3:5: unknown key 'wrokers' (did you mean 'workers'?)");
}

// A problem the YAML loader reads past (a duplicate key, a key that is no string) does not
// hide the others, and all come in file order.
TEST(BuilderTest, ADuplicateKeyIsReportedWithEveryOtherProblem) {
  const std::string yaml =
      "source: {type: stdin}\nsource: {type: stdin}\nordered: maybe\nstages:\n"
      "  - type: parse_json\n    workrs: 3\n    ? [a, b]\n    : 1\n    null: 2\n"
      "queue: {capacity: 0}\n";
  ConfigErrors errors;
  EXPECT_FALSE(LoadPipelineSpecString(yaml, "d.yaml", FakeRegistry(), {}, errors));
  std::vector<std::string> problems;
  for (const ConfigError& e : errors.all()) problems.push_back(e.ToString());
  EXPECT_THAT(problems, testing::ElementsAre(
                            "d.yaml:2:1: duplicate key 'source' (first defined at d.yaml:1:1)",
                            "d.yaml:3:10: expected true or false, got 'maybe'",
                            testing::StartsWith("d.yaml:6:5: unknown key 'workrs'"),
                            "d.yaml:7:7: a map key must be a plain string, not a list",
                            "d.yaml:9:5: a map key is missing (empty or null key)",
                            testing::StartsWith("d.yaml:10:19: capacity must be")));
}

}  // namespace
}  // namespace sluice
