#include "stages/validate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "unit/stages/stage_yaml_test_util.h"

namespace sluice {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr const char* kStage = R"(name: validate
type: validate
rules:
  ts:         { type: int, required: true }
  user:       { type: string, required: true }
  event:      { type: string, required: true, one_of: [view, click, purchase, signup, logout, search] }
  latency_ms: { type: number, required: true }
  bytes:      { type: int, required: true, min: 0, max: 10000000 }
)";

std::unique_ptr<Stage> FromYaml(const std::string& yaml) {
  return stage_yaml_test::FromYaml(RegisterValidate, "validate", yaml);
}

// Config error lines ("p.yaml:4:7: message") for a stage that must not build.
std::vector<std::string> ConfigProblems(const std::string& yaml) {
  return stage_yaml_test::ConfigProblems(RegisterValidate, "validate", yaml);
}

using stage_yaml_test::Rec;

Record GoodEvent() {
  return Rec({{"ts", int64_t{1704067200}},
              {"user", std::string("ada")},
              {"event", std::string("click")},
              {"latency_ms", 12.5},
              {"bytes", int64_t{512}}});
}

struct Outcome {
  Verdict verdict;
  ErrorCode code = ErrorCode::kInternal;
  std::string message = {};
};

Outcome Check(Stage& stage, Record record) {
  std::unique_ptr<StageWorker> worker = stage.MakeWorker();
  Item item;
  item.record = std::move(record);
  Outcome outcome{.verdict = worker->Process(item)};
  if (item.error) {
    outcome.code = item.error->code;
    outcome.message = item.error->message;
  }
  return outcome;
}

// Runs GoodEvent() with field `name` set to `value` (or removed when null_opt).
Outcome RunWith(Stage& stage, const char* name, std::optional<Value> value) {
  const Record good = GoodEvent();
  Record record;
  for (const Field& f : good.fields()) {
    if (FieldNames::Name(f.id) != name) record.Append(f.id, f.value);
  }
  if (value) record.Append(FieldNames::Intern(name), *value);
  return Check(stage, std::move(record));
}

TEST(ValidateTest, PassesAGoodRecordUntouched) {
  auto stage = FromYaml(kStage);
  std::unique_ptr<StageWorker> worker = stage->MakeWorker();
  Item item;
  item.record = GoodEvent();
  EXPECT_EQ(worker->Process(item), Verdict::kPass);
  EXPECT_TRUE(item.ok());
  EXPECT_EQ(item.record, GoodEvent());
}

TEST(ValidateTest, MissingRequiredField) {
  auto stage = FromYaml(kStage);
  Outcome out = RunWith(*stage, "ts", std::nullopt);
  EXPECT_EQ(out.verdict, Verdict::kError);
  EXPECT_EQ(out.code, ErrorCode::kMissingField);
  EXPECT_EQ(out.message, "missing required field 'ts'");
}

TEST(ValidateTest, AbsentOptionalFieldPassesButPresentOneIsChecked) {
  auto stage = FromYaml("rules:\n  referrer: { type: string, max_length: 3 }\n");
  EXPECT_EQ(Check(*stage, GoodEvent()).verdict, Verdict::kPass);
  Outcome out = Check(*stage, Rec({{"referrer", std::string("abcd")}}));
  EXPECT_EQ(out.code, ErrorCode::kOutOfRange);
  EXPECT_EQ(out.message, "field 'referrer': length 4 is above max_length 3");
}

TEST(ValidateTest, WrongTypes) {
  auto stage = FromYaml(kStage);
  Outcome out = RunWith(*stage, "bytes", Value{std::string("abc")});
  EXPECT_EQ(out.code, ErrorCode::kWrongType);
  EXPECT_EQ(out.message, "field 'bytes': expected int, got string \"abc\"");
  // "int" takes int values only, not even an integral double.
  EXPECT_EQ(RunWith(*stage, "bytes", Value{512.0}).message,
            "field 'bytes': expected int, got double 512.0");
  EXPECT_EQ(RunWith(*stage, "user", Value{}).message, "field 'user': expected string, got null");
  EXPECT_EQ(RunWith(*stage, "latency_ms", Value{true}).message,
            "field 'latency_ms': expected number, got bool true");
  // "number" takes ints and doubles.
  EXPECT_EQ(RunWith(*stage, "latency_ms", Value{int64_t{7}}).verdict, Verdict::kPass);
  EXPECT_EQ(RunWith(*stage, "latency_ms", Value{7.25}).verdict, Verdict::kPass);
}

TEST(ValidateTest, LongValuesAreCutInMessages) {
  auto stage = FromYaml(kStage);
  Outcome out = RunWith(*stage, "bytes", Value{std::string(500, 'x')});
  EXPECT_LT(out.message.size(), 120u);
  EXPECT_THAT(out.message, HasSubstr("xxx...\""));
}

TEST(ValidateTest, MinAndMax) {
  auto stage = FromYaml(kStage);
  Outcome above = RunWith(*stage, "bytes", Value{int64_t{20000000}});
  EXPECT_EQ(above.code, ErrorCode::kOutOfRange);
  EXPECT_EQ(above.message, "field 'bytes': 20000000 is above max 10000000");
  Outcome below = RunWith(*stage, "bytes", Value{int64_t{-1}});
  EXPECT_EQ(below.message, "field 'bytes': -1 is below min 0");
  EXPECT_EQ(RunWith(*stage, "bytes", Value{int64_t{0}}).verdict, Verdict::kPass);
  EXPECT_EQ(RunWith(*stage, "bytes", Value{int64_t{10000000}}).verdict, Verdict::kPass);
}

TEST(ValidateTest, BoundsCompareExactlyBeyondDoublePrecision) {
  auto stage = FromYaml(
      "rules:\n  id: { type: int, max: 9007199254740993 }\n"
      "  x: { type: number, min: 0.5, max: 1.5 }\n");
  EXPECT_EQ(Check(*stage, Rec({{"id", int64_t{9007199254740993}}})).verdict, Verdict::kPass);
  EXPECT_EQ(Check(*stage, Rec({{"id", int64_t{9007199254740994}}})).code, ErrorCode::kOutOfRange);
  EXPECT_EQ(Check(*stage, Rec({{"x", int64_t{1}}})).verdict, Verdict::kPass);
  EXPECT_EQ(Check(*stage, Rec({{"x", int64_t{2}}})).message, "field 'x': 2 is above max 1.5");
  EXPECT_EQ(Check(*stage, Rec({{"x", std::nan("")}})).message, "field 'x': NaN is below min 0.5");
}

// Int rules with int bounds take a shorter path than other bounds (validate.cc's Shape);
// both must agree at the edges: either bound alone, int64's extremes, fractional bounds.
TEST(ValidateTest, IntBoundsAtTheirEdges) {
  ValidateOptions options;
  options.rules.push_back({.field = "lo", .type = FieldType::kInt, .min = Value{INT64_MIN}});
  options.rules.push_back({.field = "hi", .type = FieldType::kInt, .max = Value{INT64_MAX}});
  options.rules.push_back({.field = "half", .type = FieldType::kInt, .min = Value{int64_t{10}}});
  options.rules.push_back(
      {.field = "frac", .type = FieldType::kInt, .min = Value{0.5}, .max = Value{2.5}});
  ValidateStage stage(options);
  EXPECT_EQ(Check(stage, Rec({{"lo", INT64_MIN}, {"hi", INT64_MAX}})).verdict, Verdict::kPass);
  EXPECT_EQ(Check(stage, Rec({{"half", int64_t{10}}, {"frac", int64_t{1}}})).verdict,
            Verdict::kPass);
  EXPECT_EQ(Check(stage, Rec({{"half", int64_t{9}}})).message, "field 'half': 9 is below min 10");
  EXPECT_EQ(Check(stage, Rec({{"half", INT64_MAX}})).verdict, Verdict::kPass);
  EXPECT_EQ(Check(stage, Rec({{"frac", int64_t{0}}})).message, "field 'frac': 0 is below min 0.5");
  EXPECT_EQ(Check(stage, Rec({{"frac", int64_t{3}}})).message, "field 'frac': 3 is above max 2.5");
  EXPECT_EQ(Check(stage, Rec({{"half", 12.0}})).message,
            "field 'half': expected int, got double 12.0");
}

TEST(ValidateTest, OneOfStrings) {
  auto stage = FromYaml(kStage);
  Outcome out = RunWith(*stage, "event", Value{std::string("hover")});
  EXPECT_EQ(out.code, ErrorCode::kNotAllowed);
  EXPECT_EQ(out.message,
            "field 'event': \"hover\" is not one of view, click, purchase, signup, logout, search");
  EXPECT_EQ(RunWith(*stage, "event", Value{std::string("purchase")}).verdict, Verdict::kPass);
  EXPECT_EQ(RunWith(*stage, "event", Value{std::string("Click")}).code, ErrorCode::kNotAllowed);
}

TEST(ValidateTest, OneOfStringsShortAndLongAgree) {
  // Lists of short strings (8 bytes or fewer, 16 or fewer) are checked by a small index,
  // longer ones by a hash set: both must give the same verdicts at the edges.
  auto stage = FromYaml(
      "rules:\n"
      "  short: { type: string, one_of: ['', a, aa, abcdefgh] }\n"
      "  long: { type: string, one_of: ['', a, aa, abcdefgh, abcdefghi] }\n");
  for (const char* field : {"short", "long"}) {
    for (const char* ok : {"", "a", "aa", "abcdefgh"}) {
      EXPECT_EQ(RunWith(*stage, field, Value{std::string(ok)}).verdict, Verdict::kPass)
          << field << " " << ok;
    }
    for (const char* bad : {"b", "aaa", "abcdefgx", "abcdefg", "Abcdefgh"}) {
      EXPECT_EQ(RunWith(*stage, field, Value{std::string(bad)}).code, ErrorCode::kNotAllowed)
          << field << " " << bad;
    }
    EXPECT_EQ(RunWith(*stage, field, Value{std::string(1, '\0')}).code, ErrorCode::kNotAllowed);
  }
  EXPECT_EQ(RunWith(*stage, "short", Value{std::string("abcdefghi")}).code, ErrorCode::kNotAllowed);
  EXPECT_EQ(RunWith(*stage, "long", Value{std::string("abcdefghi")}).verdict, Verdict::kPass);
}

TEST(ValidateTest, OneOfNumbersCompareNumerically) {
  auto stage = FromYaml(
      "rules:\n  code: { type: number, one_of: [200, 204, 2.5] }\n"
      "  flag: { type: bool, one_of: [true] }\n"
      "  n: { type: int, one_of: [1, 2] }\n");
  EXPECT_EQ(Check(*stage, Rec({{"code", int64_t{200}}})).verdict, Verdict::kPass);
  EXPECT_EQ(Check(*stage, Rec({{"code", 204.0}})).verdict, Verdict::kPass);
  EXPECT_EQ(Check(*stage, Rec({{"code", 2.5}})).verdict, Verdict::kPass);
  EXPECT_EQ(Check(*stage, Rec({{"code", int64_t{404}}})).message,
            "field 'code': 404 is not one of 200, 204, 2.5");
  EXPECT_EQ(Check(*stage, Rec({{"flag", true}})).verdict, Verdict::kPass);
  EXPECT_EQ(Check(*stage, Rec({{"flag", false}})).message,
            "field 'flag': false is not one of true");
  EXPECT_EQ(Check(*stage, Rec({{"n", int64_t{3}}})).code, ErrorCode::kNotAllowed);
  // A long list, in no order, is searched as a sorted one.
  std::string codes;
  for (int i = 999; i >= 0; i -= 3) codes += std::to_string(i) + ", ";
  auto many = FromYaml("rules:\n  c: { type: number, one_of: [" + codes + "-7.5, 1e18] }\n");
  for (const Value& v : {Value{int64_t{999}}, Value{0.0}, Value{-7.5}, Value{1e18}, Value{501.0}}) {
    EXPECT_EQ(Check(*many, Rec({{"c", v}})).verdict, Verdict::kPass) << ::testing::PrintToString(v);
  }
  for (const Value& v : {Value{int64_t{998}}, Value{0.5}, Value{-7.0}, Value{int64_t{1000}}}) {
    EXPECT_EQ(Check(*many, Rec({{"c", v}})).code, ErrorCode::kNotAllowed)
        << ::testing::PrintToString(v);
  }
}

TEST(ValidateTest, LengthsCountUtf8CharactersAndPatternsSearch) {
  auto stage = FromYaml(
      "rules:\n  name: { type: string, min_length: 2, max_length: 4, "
      "pattern: '^[a-zé]+$' }\n");
  EXPECT_EQ(Check(*stage, Rec({{"name", std::string("éééé")}})).verdict,
            Verdict::kPass);  // 8 bytes
  EXPECT_EQ(Check(*stage, Rec({{"name", std::string("a")}})).message,
            "field 'name': length 1 is below min_length 2");
  Outcome out = Check(*stage, Rec({{"name", std::string("a b")}}));
  EXPECT_EQ(out.code, ErrorCode::kNotAllowed);
  EXPECT_EQ(out.message, "field 'name': \"a b\" does not match pattern ^[a-zé]+$");
}

TEST(ValidateTest, PatternsSkipValuesTooLongForStdRegex) {
  auto stage = FromYaml("rules:\n  name: { type: string, pattern: '^[a-z]+$' }\n");
  EXPECT_EQ(Check(*stage, Rec({{"name", std::string(kMaxPatternInputBytes, 'a')}})).verdict,
            Verdict::kPass);
  // 100,000 characters would overflow the stack inside std::regex_search.
  Outcome out = Check(*stage, Rec({{"name", std::string(100000, 'a')}}));
  EXPECT_EQ(out.code, ErrorCode::kOutOfRange);
  EXPECT_EQ(out.message,
            "field 'name': 100000 bytes is too long to match a pattern (at most 1024)");
}

TEST(ValidateTest, ReportsTheFirstFailingRuleInDeclaredOrder) {
  auto stage = FromYaml(kStage);
  Record record = Rec({{"ts", std::string("noon")}, {"bytes", int64_t{-5}}});
  EXPECT_EQ(Check(*stage, record).message, "field 'ts': expected int, got string \"noon\"");
  Record later = Rec({{"ts", int64_t{1}}, {"bytes", int64_t{-5}}});
  EXPECT_EQ(Check(*stage, later).message, "missing required field 'user'");
}

TEST(ValidateTest, OnInvalidDropFilters) {
  auto stage = FromYaml("on_invalid: drop\nrules:\n  bytes: { type: int, required: true }\n");
  std::unique_ptr<StageWorker> worker = stage->MakeWorker();
  Item bad;
  bad.record = Rec({{"bytes", std::string("x")}});
  EXPECT_EQ(worker->Process(bad), Verdict::kFilter);
  EXPECT_TRUE(bad.ok());
  Item good;
  good.record = Rec({{"bytes", int64_t{1}}});
  EXPECT_EQ(worker->Process(good), Verdict::kPass);
}

TEST(ValidateTest, ReadsExactlyTheRuleFields) {
  auto stage = FromYaml(kStage);
  FieldNeeds needs = stage->Reads();
  EXPECT_FALSE(needs.all);
  std::vector<std::string_view> names;
  for (FieldId id : needs.fields) names.push_back(FieldNames::Name(id));
  EXPECT_THAT(names, ElementsAre("ts", "user", "event", "latency_ms", "bytes"));
}

TEST(ValidateTest, TypeShorthandAndPresenceOnlyRules) {
  auto stage = FromYaml("rules:\n  latency_ms: number\n  user: { required: true }\n");
  EXPECT_EQ(Check(*stage, Rec({{"user", int64_t{3}}})).verdict, Verdict::kPass);
  EXPECT_EQ(Check(*stage, Rec({{"latency_ms", std::string("x")}, {"user", Value{}}})).code,
            ErrorCode::kWrongType);
  EXPECT_EQ(Check(*stage, Rec({{"latency_ms", 1.0}})).code, ErrorCode::kMissingField);
}

TEST(ValidateConfigTest, UnknownRuleKeyWithDidYouMean) {
  EXPECT_THAT(ConfigProblems("rules:\n  ts: { type: int, requird: true }\n"),
              ElementsAre("p.yaml:2:20: unknown key 'requird' (did you mean 'required'?)"));
  // A misspelt key does not hide what the other keys get wrong together.
  EXPECT_THAT(ConfigProblems("rules:\n  ts: { type: int, requird: true, min: 5, max: 1 }\n"),
              ElementsAre("p.yaml:2:20: unknown key 'requird' (did you mean 'required'?)",
                          "p.yaml:2:40: rule 'ts': min 5 is above max 1"));
  EXPECT_THAT(ConfigProblems("rules:\n  a: { tpye: string, max_length: 3 }\n"),
              ElementsAre("p.yaml:2:8: unknown key 'tpye' (did you mean 'type'?)"));
  // An empty field name is reported at its key, with the other rules' problems.
  EXPECT_THAT(ConfigProblems("rules:\n  x: { type: int, max: abc }\n  \"\": int\n"),
              ElementsAre("p.yaml:2:24: expected a number, got 'abc'",
                          "p.yaml:3:3: rule field name is empty"));
  EXPECT_THAT(ConfigProblems("rules:\n  e: { type: string, one_of: [] }\n"),
              ElementsAre("p.yaml:2:30: one_of must be a non-empty list, got an empty one"));
}

TEST(ValidateConfigTest, BadTypeNames) {
  EXPECT_THAT(ConfigProblems("rules:\n  ts: { type: integer }\n  x: { type: strng }\n"),
              ElementsAre("p.yaml:2:15: unknown type 'integer'; expected int, number, string or "
                          "bool (did you mean 'int'?)",
                          "p.yaml:3:14: unknown type 'strng'; expected int, number, string or "
                          "bool (did you mean 'string'?)"));
}

TEST(ValidateConfigTest, CollectsEveryProblemWithItsPosition) {
  const std::string yaml = R"(on_invalid: dorp
rules:
  a: { type: int, min: 10, max: 5 }
  b: { type: string, min: 1 }
  c: { type: int, one_of: [1, two] }
  d: { type: number, required: maybe }
  e: { type: string, pattern: '([a-z' }
  f: { one_of: [x] }
  g: { type: bool, min_length: 1 }
  h: [int]
)";
  EXPECT_THAT(
      ConfigProblems(yaml),
      ElementsAre(
          "p.yaml:1:13: on_invalid must be error or drop, got 'dorp' (did you mean 'drop'?)",
          "p.yaml:3:24: rule 'a': min 10 is above max 5",
          "p.yaml:4:27: rule 'b': min needs type int or number, not string",
          "p.yaml:5:31: expected an integer, got 'two'",
          "p.yaml:6:32: expected true or false, got 'maybe'",
          HasSubstr("p.yaml:7:31: rule 'e': bad pattern: "),
          "p.yaml:8:16: rule 'f': one_of needs a type (string, int, number or bool)",
          "p.yaml:9:32: rule 'g': min_length needs type string",
          "p.yaml:10:6: rule for 'h' must be a map like { type: int, required: true } or "
          "a type name, got a list"));
}

TEST(ValidateConfigTest, PatternsStdRegexWouldMisreadAreRefused) {
  // std::regex overflows a long on such counts; \c takes the backslash, so '{' is live.
  EXPECT_THAT(ConfigProblems("rules:\n  e: { type: string, pattern: 'x\\c\\{1234567}' }\n"),
              ElementsAre("p.yaml:2:31: rule 'e': bad pattern: repeat count has more than 6 "
                          "digits at character 6"));
}

TEST(ValidateConfigTest, RulesMustBeANonEmptyMap) {
  EXPECT_THAT(ConfigProblems("name: v\n"), ElementsAre("p.yaml:1:1: missing required key 'rules'"));
  EXPECT_THAT(ConfigProblems("rules: []\n"),
              ElementsAre(HasSubstr("p.yaml:1:8: rules must be a non-empty map")));
  EXPECT_THAT(ConfigProblems("rules: {}\n"),
              ElementsAre("p.yaml:1:8: rules must be a non-empty map of field: { type: ..., ... "
                          "}, got an empty one"));
}

// A value that cannot be read is reported, and the rule's other keys are still checked.
TEST(ValidateConfigTest, ABadValueHidesNoOtherProblemOfItsRule) {
  EXPECT_THAT(ConfigProblems("rules:\n  a: { type: string, pattern: '(', min_length: -1 }\n"),
              ElementsAre("p.yaml:2:48: a length cannot be negative, got -1",
                          HasSubstr("p.yaml:2:31: rule 'a': bad pattern: ")));
  EXPECT_THAT(ConfigProblems("rules:\n  b: { type: int, min: 1, max: 0, one_of: [x] }\n"),
              ElementsAre("p.yaml:2:44: expected an integer, got 'x'",
                          "p.yaml:2:24: rule 'b': min 1 is above max 0"));
}

TEST(ValidateOptionsTest, BuiltInCode) {
  ValidateOptions options;
  options.rules.push_back(
      {.field = "bytes", .type = FieldType::kInt, .required = true, .min = Value{int64_t{0}}});
  options.rules.push_back({.field = "event",
                           .type = FieldType::kString,
                           .one_of = {Value{std::string("view")}, Value{std::string("click")}}});
  ValidateStage stage(options);
  EXPECT_EQ(Check(stage, Rec({{"bytes", int64_t{3}}, {"event", std::string("view")}})).verdict,
            Verdict::kPass);
  EXPECT_EQ(Check(stage, Rec({{"bytes", int64_t{-3}}})).message,
            "field 'bytes': -3 is below min 0");
  EXPECT_EQ(Check(stage, Rec({{"bytes", int64_t{3}}, {"event", std::string("buy")}})).message,
            "field 'event': \"buy\" is not one of view, click");
}

TEST(ValidateOptionsTest, InvalidOptionsAreListedAndThrown) {
  ValidateOptions options;
  options.rules.push_back({.field = "a", .type = FieldType::kString, .min = Value{int64_t{1}}});
  options.rules.push_back(
      {.field = "a", .type = FieldType::kInt, .one_of = {Value{std::string("x")}}});
  EXPECT_THAT(CheckValidateOptions(options),
              ElementsAre("rule 'a': min needs type int or number, not string",
                          "two rules for field 'a'", "rule 'a': one_of value \"x\" is not int"));
  EXPECT_THROW(ValidateStage{options}, std::invalid_argument);
  EXPECT_THAT(CheckValidateOptions({}), IsEmpty());
}

}  // namespace
}  // namespace sluice
