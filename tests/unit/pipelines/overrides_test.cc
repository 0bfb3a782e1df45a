#include "pipelines/overrides.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fake_stages.h"
#include "pipelines/builder.h"
#include "pipelines/yaml_loader.h"

namespace sluice {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

constexpr std::string_view kConfig = R"(pipeline: o
source: { type: stdin }
stages:
  - name: parse
    type: parse_json
  - name: check
    type: require
    field: user
  - type: aggregate
queue:
ordered: false
)";

struct Outcome {
  std::optional<PipelineSpec> spec;
  std::vector<std::string> errors;
};

Outcome WithSets(std::vector<std::string> sets, std::string_view config = kConfig) {
  StageRegistry registry;
  test::RegisterFakeStages(registry);
  ConfigErrors errors;
  Outcome out;
  out.spec = LoadPipelineSpecString(config, "o.yaml", registry, sets, errors);
  for (const ConfigError& e : errors.all()) out.errors.push_back(e.ToString());
  return out;
}

TEST(OverridesTest, SetsStageWorkersQueueAndOrdered) {
  Outcome o = WithSets({"stages.parse.workers=4", "queue.capacity=64", "ordered=true",
                        "stages.aggregate.workers=2"});
  ASSERT_TRUE(o.spec) << ::testing::PrintToString(o.errors);
  EXPECT_EQ(o.spec->stages[0].workers, 4);
  EXPECT_EQ(o.spec->stages[2].workers, 2);  // addressed by type: it has no name
  EXPECT_EQ(o.spec->queue.capacity, 64);    // `queue:` was null: it became a map
  EXPECT_TRUE(o.spec->ordered);
}

// An empty value or a plain null is null, as in the file: a section then counts as absent.
TEST(OverridesTest, EmptyAndNullValuesAreNullAsInTheFile) {
  for (const char* empty : {"", "~", "null", "NULL"}) {
    Outcome o = WithSets({"queue.capacity=64", std::string("queue=") + empty});
    ASSERT_TRUE(o.spec) << empty << ": " << ::testing::PrintToString(o.errors);
    EXPECT_EQ(o.spec->queue.capacity, QueueOptions{}.capacity) << empty;
  }
  EXPECT_THAT(WithSets({"ordered=null"}).errors,
              ElementsAre("--set ordered=null: expected true or false, got nothing (null)"));
}

// A quoted VALUE reads as a YAML quoted scalar, so that what `quote: ""` or
// `delimiter: "\t"` say in the file can be said on the command line too.
TEST(OverridesTest, QuotedValuesAreYamlStrings) {
  ConfigNode root = ConfigNode::Null();
  ConfigErrors errors;
  const std::vector<std::string> sets = {"a=\"\"",    "b=''",    "c=\"\\t\"",
                                         "d='it''s'", "e=\"~\"", "f=plain \"quotes\" inside"};
  ApplyOverrides(root, sets, errors);
  EXPECT_TRUE(errors.empty()) << errors.ToString();
  ASSERT_TRUE(root.is_map());
  for (const char* key : {"a", "b", "c", "d", "e", "f"}) ASSERT_TRUE(root.Get(key)->is_scalar());
  EXPECT_EQ(root.Get("a")->scalar(), "");
  EXPECT_EQ(root.Get("b")->scalar(), "");
  EXPECT_EQ(root.Get("c")->scalar(), "\t");
  EXPECT_EQ(root.Get("d")->scalar(), "it's");
  EXPECT_EQ(root.Get("e")->scalar(), "~");  // quoted: a string, not null
  EXPECT_EQ(root.Get("f")->scalar(), "plain \"quotes\" inside");
  // A lone quote, or text that only starts with one, stays as written.
  ApplyOverrides(root, std::vector<std::string>{"g=\"", "h='", "i=\"open"}, errors);
  EXPECT_TRUE(errors.empty()) << errors.ToString();
  EXPECT_EQ(root.Get("g")->scalar(), "\"");
  EXPECT_EQ(root.Get("h")->scalar(), "'");
  EXPECT_EQ(root.Get("i")->scalar(), "\"open");
}

TEST(OverridesTest, CreatesMissingKeysUnderAStage) {
  Outcome o = WithSets({"stages.check.queue.capacity=8", "stages.parse.queue.batch=16"});
  ASSERT_TRUE(o.spec) << ::testing::PrintToString(o.errors);
  ASSERT_TRUE(o.spec->stages[1].queue);
  EXPECT_EQ(o.spec->stages[1].queue->capacity, 8);
  EXPECT_EQ(o.spec->stages[1].queue->batch, QueueOptions{}.batch);  // the pipeline's
  ASSERT_TRUE(o.spec->stages[0].queue);
  EXPECT_EQ(o.spec->stages[0].queue->batch, 16);
  EXPECT_EQ(o.spec->stages[0].queue->capacity, QueueOptions{}.capacity);
  EXPECT_FALSE(o.spec->stages[2].queue);
}

TEST(OverridesTest, FlowValuesAndIndexes) {
  Outcome o = WithSets({"stages.check.queue={capacity: 8}", "stages.0.workers=3",
                        "stages.parse.queue={batch: 2}", "source={type: file, path: in.log}"});
  ASSERT_TRUE(o.spec) << ::testing::PrintToString(o.errors);
  EXPECT_EQ(o.spec->stages[1].queue->capacity, 8);
  EXPECT_EQ(o.spec->stages[0].queue->batch, 2);
  EXPECT_EQ(o.spec->stages[0].workers, 3);
  EXPECT_EQ(o.spec->source.type, SourceType::kFile);
  EXPECT_EQ(o.spec->source.path, "in.log");
}

TEST(OverridesTest, FlowValueErrorsPointIntoTheValue) {
  EXPECT_THAT(WithSets({"stages.check.queue={capacity: 8, batch: 2}"}).errors,
              ElementsAre("--set stages.check.queue={capacity: 8, batch: 2}:1:15: queue.batch can "
                          "only be set on the first stage (or for the whole pipeline): batches "
                          "are sized where records enter and keep that size"));
}

TEST(OverridesTest, LaterSetsWin) {
  Outcome o = WithSets({"stages.parse.workers=4", "stages.parse.workers=5"});
  ASSERT_TRUE(o.spec);
  EXPECT_EQ(o.spec->stages[0].workers, 5);
}

// The file's problems first, in file order; then each --set's, in the order given.
TEST(OverridesTest, ValuesAreCheckedAtTheSetMarkAndReportedInTheOrderGiven) {
  Outcome o = WithSets(
      {"stages.parse.workers=0", "ordered=perhaps", "stages.check.queue={capacity: 8, batch: 2}",
       "stages.parse.wrokers=2", "queue={capacity: 8"},
      std::string(kConfig) + "shutdown_timeout: soon\n");
  EXPECT_FALSE(o.spec);
  ASSERT_EQ(o.errors.size(), 6u) << ::testing::PrintToString(o.errors);
  EXPECT_THAT(std::vector(o.errors.begin(), o.errors.end() - 1),
              ElementsAre("o.yaml:12:19: expected a positive duration like 500ms, 30s, 1m, 2h or "
                          "1d, got 'soon'",
                          "--set stages.parse.workers=0: workers must be from 1 to 1024 (or "
                          "'auto'), got 0",
                          "--set ordered=perhaps: expected true or false, got 'perhaps'",
                          "--set stages.check.queue={capacity: 8, batch: 2}:1:15: queue.batch "
                          "can only be set on the first stage (or for the whole pipeline): "
                          "batches are sized where records enter and keep that size",
                          "--set stages.parse.wrokers=2: unknown key 'wrokers' (did you mean "
                          "'workers'?)"));
  EXPECT_THAT(o.errors.back(),
              MatchesRegex("--set queue=\\{capacity: 8:1:[0-9]+: invalid YAML: .*"));
}

TEST(OverridesTest, MalformedAssignmentsAreErrors) {
  EXPECT_THAT(WithSets({"workers"}).errors,
              ElementsAre("--set workers: expected PATH=VALUE, like stages.parse.workers=4"));
  EXPECT_THAT(WithSets({"stages..workers=1"}).errors,
              ElementsAre("--set stages..workers=1: the path 'stages..workers' has an empty part: "
                          "expected keys joined by '.'"));
  EXPECT_THAT(WithSets({"=1"}).errors,
              ElementsAre("--set =1: the path '' has an empty part: expected keys joined by '.'"));
}

TEST(OverridesTest, UnknownStageIsAnError) {
  EXPECT_THAT(WithSets({"stages.nope.workers=2"}).errors,
              ElementsAre("--set stages.nope.workers=2: no stage named 'nope' (stages: parse "
                          "check aggregate)"));
  EXPECT_THAT(WithSets({"stages.chek.workers=2"}).errors,
              ElementsAre("--set stages.chek.workers=2: no stage named 'chek' (did you mean "
                          "'check'?)"));
}

TEST(OverridesTest, FailedSetsAndTheConfigsOwnProblemsAreAllReported) {
  EXPECT_THAT(WithSets({"stages.nope.workers=2", "stages.parse.workers=0"}).errors,
              ElementsAre("--set stages.nope.workers=2: no stage named 'nope' (stages: parse "
                          "check aggregate)",
                          "--set stages.parse.workers=0: workers must be from 1 to 1024 (or "
                          "'auto'), got 0"));
}

TEST(OverridesTest, CannotDescendIntoAScalar) {
  EXPECT_THAT(WithSets({"ordered.deep=1"}).errors,
              ElementsAre("--set ordered.deep=1: cannot set 'deep' inside 'ordered': it holds "
                          "'false', not a map"));
}

TEST(OverridesTest, BadFlowValueIsPositioned) {
  std::vector<std::string> errors = WithSets({"queue={capacity: 8"}).errors;
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0], MatchesRegex("--set queue=\\{capacity: 8:1:[0-9]+: invalid YAML: .*"));
  // A regex meant as text: the message says how to set it as text.
  errors = WithSets({"stages.check.pattern=[a-z]+(x)"}).errors;
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0], HasSubstr("(a value that starts with '[' is read as YAML: to set it "
                                   "as text, quote it in single quotes, KEY='[a-z]+', which keep "
                                   "backslashes as they are)"));
}

TEST(OverridesTest, FailedOverrideLeavesTreeUnchanged) {
  ConfigErrors errors;
  Result<ConfigNode> root = LoadYamlString(kConfig, "o.yaml", errors);
  ASSERT_TRUE(root.ok());
  const std::string before = root->Get("stages")->children()[0].Get("name")->scalar();
  // "new" would be created under stage 'parse', but the next part cannot be resolved.
  const std::vector<std::string> fine = {"stages.parse.new.x.y=1"};
  ApplyOverrides(*root, fine, errors);
  EXPECT_TRUE(errors.empty());
  const std::vector<std::string> failing = {"stages.parse.name.x=1"};
  ApplyOverrides(*root, failing, errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(root->Get("stages")->children()[0].Get("name")->scalar(), before);
  EXPECT_EQ(root->Get("stages")->children()[0].Get("new")->Get("x")->Get("y")->scalar(), "1");
}

TEST(OverridesTest, ApplyOverridesOnAnEmptyRoot) {
  ConfigNode root = ConfigNode::Null();
  ConfigErrors errors;
  const std::vector<std::string> sets = {"source.type=stdin", "pipeline=x"};
  ApplyOverrides(root, sets, errors);
  EXPECT_TRUE(errors.empty()) << errors.ToString();
  ASSERT_TRUE(root.is_map());
  EXPECT_EQ(root.Get("source")->Get("type")->scalar(), "stdin");
  EXPECT_EQ(root.Get("pipeline")->scalar(), "x");
}

}  // namespace
}  // namespace sluice
