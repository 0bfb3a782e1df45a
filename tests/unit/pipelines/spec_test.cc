#include "pipelines/spec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "fake_stages.h"
#include "pipelines/builder.h"
#include "pipelines/yaml_loader.h"
#include "stages/builtin.h"

namespace sluice {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const std::string kConfigDir = std::string(SLUICE_SOURCE_DIR) + "/tests/unit/pipelines/configs/";

StageRegistry FakeRegistry() {
  StageRegistry registry;
  test::RegisterFakeStages(registry);
  return registry;
}

struct Parsed {
  std::optional<PipelineSpec> spec;
  std::vector<std::string> errors;
};

Parsed Parse(std::string_view yaml) {
  ConfigErrors errors;
  Parsed out;
  out.spec = LoadPipelineSpecString(yaml, "p.yaml", FakeRegistry(), {}, errors);
  for (const ConfigError& e : errors.all()) out.errors.push_back(e.ToString());
  EXPECT_EQ(out.spec.has_value(), errors.empty());
  return out;
}

// Each broken config lists the errors it must produce, in order, as "# expect: L:C: message"
// lines; the file name prefixes each expected line.
TEST(SpecTest, BrokenConfigsReportExactErrors) {
  const StageRegistry registry = FakeRegistry();
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kConfigDir)) {
    if (entry.path().extension() != ".yaml") continue;
    ++files;
    const std::string name = entry.path().filename().string();
    std::ifstream in(entry.path());
    std::vector<std::string> expected;
    for (std::string line; std::getline(in, line);) {
      if (line.starts_with("# expect: ")) expected.push_back(name + ":" + line.substr(10));
    }
    ASSERT_FALSE(expected.empty()) << name << " has no '# expect:' lines";
    const std::vector<std::string> sets;
    ConfigErrors errors = ValidateConfigFile(entry.path().string(), registry, sets);
    std::vector<std::string> actual;
    for (const ConfigError& e : errors.all()) {
      std::string text = e.ToString();
      for (size_t at; (at = text.find(kConfigDir)) != std::string::npos;)
        text.erase(at, kConfigDir.size());
      actual.push_back(text);
    }
    EXPECT_THAT(actual, ElementsAreArray(expected)) << "in " << name;
  }
  EXPECT_GE(files, 10);
}

// The configs users copy from must pass with the built-in stages.
TEST(SpecTest, ShippedConfigsValidateWithBuiltinStages) {
  StageRegistry registry;
  RegisterBuiltinStages(registry);
  int files = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(SLUICE_SOURCE_DIR) + "/configs")) {
    if (entry.path().extension() != ".yaml") continue;
    ++files;
    EXPECT_THAT(ValidateConfigFile(entry.path().string(), registry).all(), IsEmpty())
        << ValidateConfigFile(entry.path().string(), registry).ToString();
  }
  EXPECT_GE(files, 1);
}

// The keys the builder reads (kCommonStageKeys) are accepted by every built-in stage,
// including the parsers, which check their own keys too.
TEST(SpecTest, EveryBuiltinStageTakesTheCommonKeys) {
  StageRegistry registry;
  RegisterBuiltinStages(registry);
  const std::vector<std::string> parsers = {
      "{type: parse_json",
      "{type: parse_csv, columns: [a]",
      "{type: parse_kv",
      "{type: parse_regex, pattern: '(?<a>x)'",
  };
  const std::vector<std::string> record_stages = {
      "{type: validate, rules: {a: {type: int}}",
      "{type: aggregate, group_by: a, metrics: {n: count}",
  };
  for (const bool parser : {true, false}) {
    for (const std::string& stage : parser ? parsers : record_stages) {
      const std::string yaml = "source: { type: stdin }\nstages:\n" +
                               std::string(parser ? "" : "  - {type: parse_json}\n") + "  - " +
                               stage +
                               ", name: s, workers: 2, queue: {capacity: 4}, stall_timeout: 3s}\n";
      ConfigErrors errors;
      std::optional<PipelineSpec> spec =
          LoadPipelineSpecString(yaml, "p.yaml", registry, {}, errors);
      ASSERT_TRUE(spec) << stage << ": " << errors.ToString();
      const StageSpec& s = spec->stages.back();
      EXPECT_EQ(s.workers, 2);
      EXPECT_EQ(s.stall_timeout, std::chrono::seconds(3)) << stage;
      EXPECT_EQ(s.input, parser ? StageInput::kRawLines : StageInput::kRecords) << stage;
    }
  }
}

// A YAML pipeline's records start as raw lines: a first stage that reads parsed fields, or
// a second parser, cannot work. Stages that say nothing (custom ones) are not checked.
TEST(SpecTest, PipelinesThatCannotParseTheirLinesAreRefused) {
  StageRegistry registry;
  test::RegisterFakeStages(registry);  // for `require`, which keeps the default StageInput::kAny
  RegisterBuiltinStages(registry);     // replaces the fake parse_json and aggregate
  auto errors_of = [&](const std::string& stages) {
    ConfigErrors errors;
    (void)LoadPipelineSpecString("source: { type: stdin }\nstages:\n" + stages, "p.yaml", registry,
                                 {}, errors);
    std::vector<std::string> out;
    for (const ConfigError& e : errors.all()) out.push_back(e.ToString());
    return out;
  };
  EXPECT_THAT(errors_of("  - {name: check, type: validate, rules: {a: {type: int}}}\n"),
              ElementsAre("p.yaml:3:25: stage 'check' (validate) reads parsed fields, but the "
                          "first stage gets raw input lines: put a parser (parse_json, "
                          "parse_csv, parse_kv or parse_regex) before it"));
  EXPECT_THAT(errors_of("  - {name: json, type: parse_json}\n"
                        "  - {name: check, type: validate, rules: {a: {type: int}}}\n"
                        "  - {name: kv, type: parse_kv}\n"),
              ElementsAre("p.yaml:5:22: stage 'kv' (parse_kv) parses the raw line again, "
                          "replacing the record that 'json' (parse_json) made: a pipeline has "
                          "one parser"));
  // Beside a stage's own problems too, where its options failed to build it.
  EXPECT_THAT(errors_of("  - {name: check, type: validate, rules: {a: integer}}\n"
                        "  - {name: kv, type: parse_kv, as: bogus}\n"
                        "  - {name: json, type: parse_json}\n"),
              ElementsAre(HasSubstr("p.yaml:3:25: stage 'check' (validate) reads parsed fields"),
                          HasSubstr("p.yaml:3:46: unknown type 'integer'"),
                          HasSubstr("p.yaml:4:36: as: expected 'fields' or 'key_value'"),
                          HasSubstr("p.yaml:5:24: stage 'json' (parse_json) parses the raw "
                                    "line again, replacing the record that 'kv' (parse_kv)")));
  // A custom stage may parse the lines itself, or filter them before the parser.
  EXPECT_THAT(errors_of("  - {type: require, field: raw}\n"
                        "  - {type: validate, rules: {a: {type: int}}}\n"),
              IsEmpty());
  EXPECT_THAT(errors_of("  - {type: require, field: raw}\n  - {type: parse_csv, columns: [a]}\n"),
              IsEmpty());
}

TEST(SpecTest, FullConfigIsRead) {
  Parsed p = Parse(R"(pipeline: clickstream
source:
  type: file
  path: data/clicks.jsonl
  max_line_bytes: 64KiB
  replay: { time_field: ts, speed: 60, max_gap: 10s }
stages:
  - name: parse
    type: parse_json
    workers: 2
    queue: { capacity: 64 }
  - name: check
    type: require
    field: user
    workers: auto
  - name: count
    type: aggregate
    group_by: user
queue: { capacity: 128, batch: 32 }
ordered: true
output: { type: file, path: out/result.csv }
errors: { dead_letter: out/errors.jsonl, max_error_ratio: 0.25 }
)");
  ASSERT_TRUE(p.spec) << ::testing::PrintToString(p.errors);
  const PipelineSpec& s = *p.spec;
  EXPECT_EQ(s.name, "clickstream");
  EXPECT_EQ(s.file, "p.yaml");
  EXPECT_EQ(s.source.type, SourceType::kFile);
  EXPECT_EQ(s.source.path, "data/clicks.jsonl");
  EXPECT_EQ(s.source.max_line_bytes, 65536u);
  ASSERT_TRUE(s.source.replay);
  EXPECT_EQ(s.source.replay->time_field, "ts");
  EXPECT_EQ(s.source.replay->speed, 60);
  EXPECT_EQ(s.source.replay->max_gap, std::chrono::seconds(10));
  ASSERT_EQ(s.stages.size(), 3u);
  EXPECT_EQ(s.stages[0].name, "parse");
  EXPECT_EQ(s.stages[0].workers, 2);
  ASSERT_TRUE(s.stages[0].queue);
  EXPECT_EQ(s.stages[0].queue->capacity, 64);
  EXPECT_EQ(s.stages[0].queue->batch, 32);  // inherited from the pipeline's queue
  EXPECT_EQ(s.stages[0].mark.ToString(), "p.yaml:8:5");
  EXPECT_EQ(s.stages[1].workers, AutoWorkers());
  EXPECT_TRUE(s.stages[1].auto_workers);
  EXPECT_FALSE(s.stages[1].queue);
  EXPECT_EQ(s.stages[1].node.Get("field")->scalar(), "user");
  EXPECT_EQ(s.stages[2].type, "aggregate");
  EXPECT_EQ(s.queue.capacity, 128);
  EXPECT_EQ(s.queue.batch, 32);
  EXPECT_TRUE(s.ordered);
  EXPECT_EQ(s.output.type, OutputType::kFile);
  EXPECT_EQ(s.output.path, "out/result.csv");
  EXPECT_EQ(s.output.format, OutputFormat::kCsv);  // from the extension
  EXPECT_EQ(s.errors.dead_letter, "out/errors.jsonl");
  EXPECT_EQ(s.errors.max_error_ratio, 0.25);
  const PipelineOptions options = s.pipeline_options();
  EXPECT_EQ(options.name, "clickstream");
  EXPECT_TRUE(options.ordered);
  EXPECT_EQ(options.queue.capacity, 128);
}

TEST(SpecTest, ASourceWithoutAPathReadsStdin) {
  for (const std::string_view source : {"source:\n", "source: {max_line_bytes: 2MiB}\n"}) {
    Parsed p = Parse(std::string(source) + "stages: [ { type: parse_json } ]\n");
    ASSERT_TRUE(p.spec) << source << ::testing::PrintToString(p.errors);
    EXPECT_EQ(p.spec->source.type, SourceType::kStdin) << source;
  }
  Parsed file = Parse("source: {path: in.jsonl}\nstages: [ { type: parse_json } ]\n");
  ASSERT_TRUE(file.spec);
  EXPECT_EQ(file.spec->source.type, SourceType::kFile);
  EXPECT_FALSE(Parse("source: {type: file}\nstages: [ { type: parse_json } ]\n").spec);
}

TEST(SpecTest, DefaultsForAMinimalConfig) {
  Parsed p = Parse("stages: [ { type: parse_json } ]\n");  // no source: stdin
  ASSERT_TRUE(p.spec) << ::testing::PrintToString(p.errors);
  const PipelineSpec& s = *p.spec;
  EXPECT_EQ(s.name, "p");  // the file's stem
  EXPECT_EQ(s.source.type, SourceType::kStdin);
  EXPECT_EQ(s.source.max_line_bytes, size_t{1} << 20);
  EXPECT_FALSE(s.source.replay);
  EXPECT_EQ(s.stages.at(0).name, "parse_json");
  EXPECT_EQ(s.stages.at(0).workers, 1);
  EXPECT_EQ(s.queue.capacity, QueueOptions{}.capacity);
  EXPECT_FALSE(s.ordered);
  EXPECT_EQ(s.output.type, OutputType::kStdout);
  EXPECT_EQ(s.output.format, OutputFormat::kTable);
  EXPECT_EQ(s.errors.dead_letter, "");
  EXPECT_EQ(s.errors.max_error_ratio, 1.0);
}

TEST(SpecTest, BatchTimeAndStallTimeoutAreDurationsOrOff) {
  Parsed p = Parse(
      "source: { type: stdin }\n"
      "stages: [ { type: parse_json, queue: { batch_time: off }, stall_timeout: off } ]\n"
      "queue: { batch_time: 20ms }\n");
  ASSERT_TRUE(p.spec) << ::testing::PrintToString(p.errors);
  EXPECT_EQ(p.spec->queue.batch_time, std::chrono::milliseconds(20));
  EXPECT_EQ(p.spec->stages.at(0).queue->batch_time, std::chrono::microseconds(0));
  EXPECT_EQ(p.spec->stages.at(0).stall_timeout, std::chrono::milliseconds(0));
  // A config's watchdog can be switched off from the command line.
  ConfigErrors errors;
  const std::vector<std::string> sets = {"stages.parse_json.stall_timeout=off"};
  std::optional<PipelineSpec> off_by_set = LoadPipelineSpecString(
      "source: { type: stdin }\nstages: [ { type: parse_json, stall_timeout: 30s } ]\n", "p.yaml",
      FakeRegistry(), sets, errors);
  ASSERT_TRUE(off_by_set) << errors.ToString();
  EXPECT_EQ(off_by_set->stages.at(0).stall_timeout, std::chrono::milliseconds(0));
  Parsed defaults = Parse("source: { type: stdin }\nstages: [ { type: parse_json } ]\n");
  ASSERT_TRUE(defaults.spec);
  EXPECT_EQ(defaults.spec->queue.batch_time, QueueOptions{}.batch_time);
}

TEST(SpecTest, OutputFormatNamedOverridesExtension) {
  Parsed p = Parse(
      "source: { type: stdin }\nstages: [ { type: parse_json } ]\n"
      "output: { path: x.csv, format: jsonl }\n");
  ASSERT_TRUE(p.spec);
  EXPECT_EQ(p.spec->output.type, OutputType::kFile);
  EXPECT_EQ(p.spec->output.format, OutputFormat::kJsonl);
}

TEST(SpecTest, ErrorsAreCollectedAcrossSections) {
  Parsed p = Parse("source: { type: stdin, path: x }\nstages: {}\noutput: 3\nerrors: [1]\n");
  EXPECT_THAT(
      p.errors,
      ElementsAre("p.yaml:1:24: 'path' is only for type: file (this source reads stdin)",
                  "p.yaml:2:9: stages must be a list of stages, got a map",
                  "p.yaml:3:9: 'output' is a map of type, path, format (write { key: value, "
                  "... }), got '3'",
                  "p.yaml:4:9: 'errors' is a map of dead_letter, max_error_ratio (write { key: "
                  "value, ... }), got a list"));
}

TEST(SpecTest, StageEntryMustBeAMapWithAType) {
  Parsed p = Parse(
      "source: { type: stdin }\nstages:\n  - parse_json\n  - { name: x }\n"
      "  - { type: parse_json, name: a.b }\n  - { type: parse_json, name: source }\n"
      "  - { type: parse_json, name: \"p\\e[31mRED\" }\n"
      "  - { type: parse_json, name: \"p\\u009b31m\" }\n");
  EXPECT_THAT(
      p.errors,
      ElementsAre("p.yaml:3:5: a stage must be a map with at least a 'type', got 'parse_json'",
                  "p.yaml:4:5: missing required key 'type'",
                  "p.yaml:5:31: a stage name may not contain '.' (--set uses it as a "
                  "separator)",
                  "p.yaml:6:31: the stage name 'source' is taken: the report counts the errors "
                  "the reader finds (a line too long, say) under it",
                  // It would reach the terminal raw in the summary.
                  "p.yaml:7:31: name holds a control character (U+001B at byte 2), which a "
                  "terminal would act on",
                  "p.yaml:8:31: name holds a control character (U+009B at byte 2), which a "
                  "terminal would act on"));
}

// A stage without a name takes its type's: an embedder's type called `source` is refused
// at the type, as a config error, before Pipeline::Add would throw.
TEST(SpecTest, AStageTypeNamedSourceNeedsAnotherName) {
  StageRegistry registry = FakeRegistry();
  registry.Register({.name = "source",
                     .summary = "an embedder's stage",
                     .keys = {},
                     .make = [](const ConfigNode&, ConfigErrors&) -> std::unique_ptr<Stage> {
                       return std::make_unique<test::FakeParse>();
                     }});
  ConfigErrors errors;
  EXPECT_FALSE(LoadPipelineSpecString("stages:\n  - type: source\n  - { type: source, name: s }\n",
                                      "p.yaml", registry, {}, errors));
  ASSERT_EQ(errors.size(), 1u) << errors.ToString();
  EXPECT_EQ(errors.all()[0].ToString(),
            "p.yaml:2:11: the stage name 'source' is taken: the report counts the errors the "
            "reader finds (a line too long, say) under it");
}

TEST(SpecTest, UnknownStageTypeListsChoicesWhenNothingIsClose) {
  Parsed p = Parse("source: { type: stdin }\nstages: [ { type: zzzzzzzz } ]\n");
  EXPECT_THAT(p.errors, ElementsAre("p.yaml:2:19: unknown stage type 'zzzzzzzz' (expected "
                                    "aggregate, count_all, explode, parse_json or require)"));
}

TEST(SpecTest, UnknownStageTypeDoesNotHideAKeyNoTypeHas) {
  Parsed p =
      Parse("source: { type: stdin }\nstages: [ { type: zzzzzzzz, wrokers: 2, field: user } ]\n");
  EXPECT_THAT(p.errors,
              ElementsAre(testing::StartsWith("p.yaml:2:19: unknown stage type 'zzzzzzzz'"),
                          "p.yaml:2:29: unknown key 'wrokers' (did you mean 'workers'?)"));
}

TEST(SpecTest, ParseByteSize) {
  EXPECT_EQ(ParseByteSize("4096"), 4096);
  EXPECT_EQ(ParseByteSize("64KiB"), 65536);
  EXPECT_EQ(ParseByteSize("1MiB"), 1 << 20);
  EXPECT_EQ(ParseByteSize("2 mib"), 2 << 20);
  EXPECT_EQ(ParseByteSize("1GiB"), int64_t{1} << 30);
  EXPECT_EQ(ParseByteSize("5KB"), 5000);
  EXPECT_EQ(ParseByteSize("10B"), 10);
  EXPECT_EQ(ParseByteSize("1 parsec"), std::nullopt);
  EXPECT_EQ(ParseByteSize("-1"), std::nullopt);
  EXPECT_EQ(ParseByteSize("MiB"), std::nullopt);
  EXPECT_EQ(ParseByteSize("99999999999GiB"), std::nullopt);
}

TEST(SpecTest, TerminalStageTypes) {
  EXPECT_TRUE(IsTerminalStageType("aggregate"));
  EXPECT_FALSE(IsTerminalStageType("parse_json"));
  // Any stage that absorbs its records must be last, whatever its type's name.
  Parsed p = Parse("source: { type: stdin }\nstages:\n  - type: count_all\n  - type: parse_json\n");
  EXPECT_THAT(p.errors,
              ElementsAre("p.yaml:3:5: stage 'count_all' (count_all) must be the last stage: it "
                          "absorbs every record and emits only at end of stream, but "
                          "'parse_json' follows it"));
  Parsed last = Parse("source: { type: stdin }\nstages: [{type: parse_json}, {type: count_all}]\n");
  ASSERT_TRUE(last.spec);
  EXPECT_TRUE(last.spec->stages[1].absorbs_records);
  EXPECT_FALSE(last.spec->stages[0].absorbs_records);
}

TEST(SpecTest, ErrorsAlreadyPresentAreKept) {
  ConfigErrors errors;
  errors.Add({.file = "earlier"}, "an earlier problem");
  Result<ConfigNode> root =
      LoadYamlString("source: {type: stdin}\nstages: [{type: parse_json}]\n", "p.yaml", errors);
  ASSERT_TRUE(root.ok());
  EXPECT_TRUE(ParsePipelineSpec(*root, FakeRegistry(), errors).has_value());
  EXPECT_EQ(errors.size(), 1u);
}

}  // namespace
}  // namespace sluice
