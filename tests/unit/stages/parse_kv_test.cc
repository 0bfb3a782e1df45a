// Tests for the parse_kv stage.
#include "stages/parse_kv.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "unit/stages/parse_test_util.h"

namespace sluice {
namespace {

using parse_test::FieldNamesOf;
using parse_test::FieldOf;
using parse_test::ParseLines;
using parse_test::StageConfig;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

Value Str(std::string s) { return Value(std::move(s)); }
Value Int(int64_t i) { return Value(i); }

TEST(ParseKvTest, FieldsLayoutTypesValues) {
  ParseKvStage stage;
  auto out = ParseLines(stage, {"user=ada event:click ms=15 ratio=0.5 ok=true gone="});
  ASSERT_EQ(out.verdicts[0], Verdict::kPass) << out.message(0);
  EXPECT_THAT(FieldNamesOf(out.item(0)), ElementsAre("user", "event", "ms", "ratio", "ok", "gone"));
  EXPECT_EQ(FieldOf(out.item(0), "user"), Str("ada"));
  EXPECT_EQ(FieldOf(out.item(0), "event"), Str("click"));
  EXPECT_EQ(FieldOf(out.item(0), "ms"), Int(15));
  EXPECT_EQ(FieldOf(out.item(0), "ratio"), Value(0.5));
  EXPECT_EQ(FieldOf(out.item(0), "ok"), Value(true));
  EXPECT_EQ(FieldOf(out.item(0), "gone"), Value(std::monostate{}));
}

TEST(ParseKvTest, SplitsAtTheEarliestSeparator) {
  ParseKvStage stage;
  auto out = ParseLines(stage, {"url=http://x/y at=12:30 a:b=c"});
  ASSERT_EQ(out.verdicts[0], Verdict::kPass) << out.message(0);
  EXPECT_EQ(FieldOf(out.item(0), "url"), Str("http://x/y"));
  EXPECT_EQ(FieldOf(out.item(0), "at"), Str("12:30"));
  EXPECT_EQ(FieldOf(out.item(0), "a"), Str("b=c"));
}

TEST(ParseKvTest, QuotedValues) {
  ParseKvStage stage;
  auto out = ParseLines(stage, {R"(msg="login failed" code="42" path="a \"b\" \\c" n=1)"});
  ASSERT_EQ(out.verdicts[0], Verdict::kPass) << out.message(0);
  EXPECT_EQ(FieldOf(out.item(0), "msg"), Str("login failed"));
  EXPECT_EQ(FieldOf(out.item(0), "code"), Str("42"));  // quoted: stays a string
  EXPECT_EQ(FieldOf(out.item(0), "path"), Str(R"(a "b" \c)"));
  EXPECT_EQ(FieldOf(out.item(0), "n"), Int(1));
}

TEST(ParseKvTest, DuplicateKeysLastOneWins) {
  ParseKvStage stage;
  auto out = ParseLines(stage, {"a=1 b=2 a=3"});
  ASSERT_EQ(out.verdicts[0], Verdict::kPass);
  EXPECT_THAT(FieldNamesOf(out.item(0)), ElementsAre("a", "b"));
  EXPECT_EQ(FieldOf(out.item(0), "a"), Int(3));
}

TEST(ParseKvTest, KeyValueLayout) {
  ParseKvStage stage(ParseKvOptions{.layout = KvLayout::kKeyValue});
  auto out =
      ParseLines(stage, {"users:42", "latency:150", "ratio = 0.5", "note: a b", "name=\"x y\""});
  for (size_t i = 0; i < 5; ++i) ASSERT_EQ(out.verdicts[i], Verdict::kPass) << out.message(i);
  EXPECT_THAT(FieldNamesOf(out.item(0)), ElementsAre("key", "value"));
  EXPECT_EQ(FieldOf(out.item(0), "key"), Str("users"));
  EXPECT_EQ(FieldOf(out.item(0), "value"), Int(42));
  EXPECT_EQ(FieldOf(out.item(1), "value"), Int(150));
  EXPECT_EQ(FieldOf(out.item(2), "key"), Str("ratio"));
  EXPECT_EQ(FieldOf(out.item(2), "value"), Value(0.5));
  EXPECT_EQ(FieldOf(out.item(3), "value"), Str("a b"));
  EXPECT_EQ(FieldOf(out.item(4), "value"), Str("x y"));
}

TEST(ParseKvTest, KeyValueLayoutCustomFieldNames) {
  ParseKvStage stage(ParseKvOptions{
      .layout = KvLayout::kKeyValue, .key_field = "metric", .value_field = "amount"});
  auto out = ParseLines(stage, {"users:7"});
  EXPECT_EQ(FieldOf(out.item(0), "metric"), Str("users"));
  EXPECT_EQ(FieldOf(out.item(0), "amount"), Int(7));
}

TEST(ParseKvTest, CustomSeparatorsAndDelimiter) {
  ParseKvStage stage(ParseKvOptions{.separators = {"=>", "="}, .pair_delimiter = ","});
  auto out = ParseLines(stage, {"a=>1, b = two words ,c=3,,", "a=>1;b=>2"});
  ASSERT_EQ(out.verdicts[0], Verdict::kPass) << out.message(0);
  EXPECT_EQ(FieldOf(out.item(0), "a"), Int(1));
  EXPECT_EQ(FieldOf(out.item(0), "b"), Str("two words"));
  EXPECT_EQ(FieldOf(out.item(0), "c"), Int(3));
  ASSERT_EQ(out.verdicts[1], Verdict::kPass);
  EXPECT_EQ(FieldOf(out.item(1), "a"), Str("1;b=>2"));
}

TEST(ParseKvTest, ReportsBadLines) {
  ParseKvStage stage;
  auto out = ParseLines(
      stage, {"invalid", "a=1 oops", "=5", "a=1  :2", R"(m="open)", R"(m="x"y)", "  ", "k=\xc3"});
  EXPECT_EQ(out.message(0), "expected key:value or key=value at column 1");
  EXPECT_EQ(out.message(1), "expected key:value or key=value at column 5");
  EXPECT_EQ(out.message(2), "empty key at column 1");
  EXPECT_EQ(out.message(3), "empty key at column 6");
  EXPECT_EQ(out.message(4), "unterminated quoted value starting at column 3");
  EXPECT_EQ(out.message(5), "unexpected character after closing quote at column 6");
  EXPECT_EQ(out.message(6), "empty line");
  for (size_t i = 0; i <= 6; ++i) {
    EXPECT_EQ(out.verdicts[i], Verdict::kError) << i;
    EXPECT_EQ(out.code(i), ErrorCode::kInvalidInput) << i;
  }
  EXPECT_EQ(out.code(7), ErrorCode::kInvalidEncoding);
}

TEST(ParseKvTest, KeyValueLayoutReportsBadLines) {
  ParseKvStage stage(ParseKvOptions{.layout = KvLayout::kKeyValue});
  auto out = ParseLines(stage, {"invalid", ":42", std::string("a:\0", 3)});
  EXPECT_EQ(out.message(0), "expected key:value or key=value at column 1");
  EXPECT_EQ(out.message(1), "empty key at column 1");
  EXPECT_EQ(out.message(2), "NUL byte at column 3");
  EXPECT_EQ(out.code(2), ErrorCode::kInvalidEncoding);
}

TEST(ParseKvTest, MessageFollowsConfiguredSeparators) {
  ParseKvStage stage(ParseKvOptions{.separators = {"->"}});
  auto out = ParseLines(stage, {"a=1"});
  EXPECT_EQ(out.message(0), "expected key->value at column 1");
}

TEST(ParseKvTest, ProjectionKeepsOnlyNeededKeys) {
  ParseKvStage stage;
  stage.Project(FieldNeeds::Only({"ms"}));
  auto out = ParseLines(stage, {"user=ada ms=15 other=x", "nothing=here", "bad"});
  ASSERT_EQ(out.verdicts[0], Verdict::kPass);
  EXPECT_THAT(FieldNamesOf(out.item(0)), ElementsAre("ms"));
  EXPECT_TRUE(out.item(1).record.empty());
  EXPECT_EQ(out.verdicts[2], Verdict::kError);  // every pair is still checked
}

TEST(ParseKvTest, ValidatesOptions) {
  EXPECT_THAT(ValidateKvOptions(ParseKvOptions{.separators = {}}), HasSubstr("at least one"));
  EXPECT_THAT(ValidateKvOptions(ParseKvOptions{.separators = {""}}),
              HasSubstr("must not be empty"));
  EXPECT_THAT(ValidateKvOptions(ParseKvOptions{.separators = {"a b"}}), HasSubstr("blanks"));
  EXPECT_THAT(ValidateKvOptions(ParseKvOptions{.separators = {","}, .pair_delimiter = ","}),
              HasSubstr("pair delimiter"));
  EXPECT_THAT(ValidateKvOptions(ParseKvOptions{
                  .layout = KvLayout::kKeyValue, .key_field = "x", .value_field = "x"}),
              HasSubstr("must differ"));
  EXPECT_EQ(ValidateKvOptions(ParseKvOptions{}), "");
  EXPECT_THROW(ParseKvStage(ParseKvOptions{.separators = {}}), std::invalid_argument);
  // Every option at fault is named, each once.
  EXPECT_EQ(ValidateKvOptions(ParseKvOptions{.separators = {"a b", ""},
                                             .pair_delimiter = "\"",
                                             .layout = KvLayout::kKeyValue,
                                             .key_field = "",
                                             .value_field = ""}),
            "separators: 'a b' must not hold blanks or '\"'; pair_delimiter: must not hold '\"'; "
            "key_field: must not be empty; value_field: must not be empty");
}

TEST(ParseKvConfigTest, BuildsFromConfig) {
  StageRegistry registry;
  RegisterParseKv(registry);
  ConfigErrors errors;
  auto config = StageConfig("parse_kv")
                    .Set("as", "key_value")
                    .SetList("separators", {":"})
                    .Set("key_field", "metric")
                    .Set("value_field", "amount")
                    .Set("types", "string");
  auto stage = parse_test::Build(registry, config, errors);
  ASSERT_NE(stage, nullptr) << errors.ToString();
  auto out = ParseLines(*stage, {"users:42"});
  EXPECT_EQ(FieldOf(out.item(0), "metric"), Str("users"));
  EXPECT_EQ(FieldOf(out.item(0), "amount"), Str("42"));
}

TEST(ParseKvConfigTest, ReportsEveryProblemWithPositions) {
  StageRegistry registry;
  RegisterParseKv(registry);
  ConfigErrors errors;
  auto config = StageConfig("parse_kv")
                    .Set("as", "pairs")      // line 3
                    .SetMap("separators")    // line 4
                    .Set("types", "number")  // line 5
                    .Set("seperators", ":")  // line 6
                    .Set("key_field", "");   // line 7
  EXPECT_EQ(parse_test::Build(registry, config, errors), nullptr);
  const std::string all = errors.ToString();
  EXPECT_THAT(all, HasSubstr("test.yaml:3:20: as: expected 'fields' or 'key_value', got 'pairs'"));
  EXPECT_THAT(all, HasSubstr("test.yaml:4:20: expected a string or a list of strings, got a map"));
  EXPECT_THAT(all, HasSubstr("test.yaml:5:20: types: expected 'infer' or 'string'"));
  EXPECT_THAT(all,
              HasSubstr("test.yaml:6:3: unknown key 'seperators' (did you mean 'separators'?)"));
  EXPECT_THAT(all, HasSubstr("test.yaml:7:20: key_field: a field name must not be empty"));
}

TEST(ParseKvConfigTest, ReportsOptionConflicts) {
  StageRegistry registry;
  RegisterParseKv(registry);
  ConfigErrors fields_only;
  EXPECT_EQ(parse_test::Build(registry, StageConfig("parse_kv").Set("key_field", "k"), fields_only),
            nullptr);
  EXPECT_THAT(fields_only.ToString(),
              HasSubstr("test.yaml:3:3: key_field applies only with `as: key_value`"));

  ConfigErrors clash;
  auto config =
      StageConfig("parse_kv").SetList("separators", {":", ","}).Set("pair_delimiter", ",");
  EXPECT_EQ(parse_test::Build(registry, config, clash), nullptr);
  EXPECT_THAT(clash.ToString(),
              HasSubstr("test.yaml:3:20: separators: ',' holds the pair delimiter"));

  // A problem in one key hides none in another.
  ConfigErrors both;
  EXPECT_EQ(parse_test::Build(registry,
                              StageConfig("parse_kv")
                                  .SetList("separators", {": "})  // line 3
                                  .Set("pair_delimiter", "\"")    // line 4
                                  .Set("key_field", "k"),         // line 5
                              both),
            nullptr);
  std::vector<std::string> problems;
  for (const ConfigError& e : both.all()) problems.push_back(e.ToString());
  // An option that could not be read is not checked against the others with its default.
  ConfigErrors unread;
  EXPECT_EQ(parse_test::Build(registry,
                              StageConfig("parse_kv")
                                  .SetMap("separators")         // line 3: stays [":", "="]
                                  .Set("pair_delimiter", "=")   // line 4
                                  .Set("as", "key_value")       // line 5
                                  .SetList("key_field", {"x"})  // line 6: stays "key"
                                  .Set("value_field", "key"),   // line 7
                              unread),
            nullptr);
  EXPECT_EQ(unread.size(), 2u) << unread.ToString();
  EXPECT_THAT(problems,  // in file order once the whole spec's problems are sorted
              UnorderedElementsAre("test.yaml:3:20: separators: ': ' must not hold blanks or '\"'",
                                   "test.yaml:4:20: pair_delimiter: must not hold '\"'",
                                   "test.yaml:5:3: key_field applies only with `as: key_value`"));
}

}  // namespace
}  // namespace sluice
