// Tests for the parse_json stage.
#include "stages/parse_json.h"

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
using ::testing::Not;
using ::testing::StartsWith;

Value Str(std::string s) { return Value(std::move(s)); }
Value Int(int64_t i) { return Value(i); }

TEST(ParseJsonTest, ParsesEveryValueType) {
  ParseJsonStage stage;
  auto out =
      ParseLines(stage, {R"({"s":"a\"b\n\u00e9","i":-42,"d":1.5,"t":true,"f":false,"n":null})"});
  ASSERT_EQ(out.verdicts[0], Verdict::kPass) << out.message(0);
  const Item& item = out.item(0);
  EXPECT_THAT(FieldNamesOf(item), ElementsAre("s", "i", "d", "t", "f", "n"));
  EXPECT_EQ(FieldOf(item, "s"), Str("a\"b\n\xc3\xa9"));
  EXPECT_EQ(FieldOf(item, "i"), Int(-42));
  EXPECT_EQ(FieldOf(item, "d"), Value(1.5));
  EXPECT_EQ(FieldOf(item, "t"), Value(true));
  EXPECT_EQ(FieldOf(item, "f"), Value(false));
  EXPECT_EQ(FieldOf(item, "n"), Value(std::monostate{}));
}

TEST(ParseJsonTest, IntegersBeyondInt64BecomeDoubles) {
  ParseJsonStage stage;
  auto out =
      ParseLines(stage, {R"({"max":9223372036854775807,"big":9223372036854775808,)"
                         R"("neg":-9223372036854775809,"huge":123456789012345678901234567890,)"
                         R"("umax":18446744073709551615,"min":-9223372036854775808,"z":-0})"});
  ASSERT_EQ(out.verdicts[0], Verdict::kPass) << out.message(0);
  EXPECT_EQ(FieldOf(out.item(0), "max"), Int(9223372036854775807));
  EXPECT_EQ(FieldOf(out.item(0), "big"), Value(9223372036854775808.0));
  EXPECT_EQ(FieldOf(out.item(0), "neg"), Value(-9223372036854775809.0));
  EXPECT_EQ(FieldOf(out.item(0), "huge"), Value(1.2345678901234568e29));
  EXPECT_EQ(FieldOf(out.item(0), "umax"), Value(18446744073709551615.0));
  EXPECT_EQ(FieldOf(out.item(0), "min"), Int(std::numeric_limits<int64_t>::min()));
  EXPECT_EQ(FieldOf(out.item(0), "z"), Int(0));
}

// simdjson 3.0's get_number() reads these as 0 (simdjson issue 2099); escapes send the
// lines to simdjson whether or not the flat reader is on.
TEST(ParseJsonTest, DecimalsOfNineteenDigitsOrMoreAreReadRight) {
  for (const bool flat_reader : {true, false}) {
    ParseJsonStage stage({.flat_reader = flat_reader});
    auto out = ParseLines(stage, {R"({"s":"\"","a":3.14159265358979323846,)"
                                  R"("b":1000000000.000000001,"c":-0.1234567890123456789e2})"});
    ASSERT_EQ(out.verdicts[0], Verdict::kPass) << out.message(0);
    EXPECT_EQ(FieldOf(out.item(0), "a"), Value(3.141592653589793));
    EXPECT_EQ(FieldOf(out.item(0), "b"), Value(1000000000.0));
    EXPECT_EQ(FieldOf(out.item(0), "c"), Value(-12.34567890123456789));
  }
}

TEST(ParseJsonTest, KeepsNestedValuesAsRawJson) {
  ParseJsonStage stage;
  auto out = ParseLines(stage, {R"({"o": {"x": [1, {"y": null}]} , "a":[ ],"z":1})"});
  ASSERT_EQ(out.verdicts[0], Verdict::kPass) << out.message(0);
  EXPECT_EQ(FieldOf(out.item(0), "o"), Str(R"({"x": [1, {"y": null}]})"));
  EXPECT_EQ(FieldOf(out.item(0), "a"), Str("[ ]"));
  EXPECT_EQ(FieldOf(out.item(0), "z"), Int(1));
}

TEST(ParseJsonTest, DuplicateKeysLastOneWins) {
  ParseJsonStage stage;
  auto out = ParseLines(stage, {R"({"a":1,"b":2,"a":3})"});
  ASSERT_EQ(out.verdicts[0], Verdict::kPass);
  EXPECT_THAT(FieldNamesOf(out.item(0)), ElementsAre("a", "b"));
  EXPECT_EQ(FieldOf(out.item(0), "a"), Int(3));
}

TEST(ParseJsonTest, EscapedKeysAreUnescaped) {
  ParseJsonStage stage;
  stage.Project(FieldNeeds::Only({"user"}));
  auto out = ParseLines(stage, {R"({"us\u0065r":"ada"})"});
  ASSERT_EQ(out.verdicts[0], Verdict::kPass);
  EXPECT_EQ(FieldOf(out.item(0), "user"), Str("ada"));
}

// A worker remembers the keys of the record before by position and compares the next
// record's keys with them raw: escapes, longer or shorter keys and moved keys must still
// be told apart, with and without a projection.
TEST(ParseJsonTest, KeysAreReadExactlyWhateverTheRecordBeforeHeld) {
  const std::vector<std::string> lines = {
      R"({"user":"ada","ms":1,"tag":"x"})",
      R"({"us\u0065r":"bob","ms":2,"t\u0061g":"y"})",  // the same keys, escaped
      R"({"user\"":"cy","ms":3,"a\\b":"z"})",          // a quote, a backslash
      R"({"user\"":"dee","ms":4,"a\\b":"w"})",         // the same again
      R"({"users":"eve","m":5,"tag":"v"})",            // longer, shorter
      R"({"ms":6,"user":"fay","tag":"u"})",            // moved
      R"({"user":"gus","ms":7,"tag":"t"})",
      R"({"a\\":8})",   // the key a\ (one backslash): remembered, it would match
      R"({"a\"b":9})",  // the raw bytes a\" of this key, which is a"b
  };
  ParseJsonStage full;
  auto all = ParseLines(full, lines);
  for (size_t i = 0; i < lines.size(); ++i) ASSERT_EQ(all.verdicts[i], Verdict::kPass) << i;
  EXPECT_THAT(FieldNamesOf(all.item(1)), ElementsAre("user", "ms", "tag"));
  EXPECT_THAT(FieldNamesOf(all.item(2)), ElementsAre("user\"", "ms", "a\\b"));
  EXPECT_THAT(FieldNamesOf(all.item(3)), ElementsAre("user\"", "ms", "a\\b"));
  EXPECT_EQ(FieldOf(all.item(3), "a\\b"), Str("w"));
  EXPECT_THAT(FieldNamesOf(all.item(4)), ElementsAre("users", "m", "tag"));
  EXPECT_THAT(FieldNamesOf(all.item(5)), ElementsAre("ms", "user", "tag"));
  EXPECT_THAT(FieldNamesOf(all.item(6)), ElementsAre("user", "ms", "tag"));
  EXPECT_THAT(FieldNamesOf(all.item(7)), ElementsAre("a\\"));
  EXPECT_THAT(FieldNamesOf(all.item(8)), ElementsAre("a\"b"));

  ParseJsonStage projected;
  projected.Project(FieldNeeds::Only({"user", "tag"}));
  auto some = ParseLines(projected, lines);
  const std::vector<std::vector<std::string>> expected = {
      {"user", "tag"}, {"user", "tag"}, {}, {}, {"tag"}, {"user", "tag"}, {"user", "tag"}, {}, {}};
  for (size_t i = 0; i < lines.size(); ++i) {
    ASSERT_EQ(some.verdicts[i], Verdict::kPass) << i;
    EXPECT_EQ(FieldNamesOf(some.item(i)), expected[i]) << lines[i];
  }
  EXPECT_EQ(FieldOf(some.item(1), "user"), Str("bob"));
  EXPECT_EQ(FieldOf(some.item(5), "user"), Str("fay"));
}

// Lines that leave out a key of the line before, or have one it left out (optional
// fields), are matched one slot on: every line must still get its own keys and values,
// whichever reader takes it.
TEST(ParseJsonTest, KeysLeftOutOrAddedAreReadExactly) {
  const std::vector<std::string> lines = {
      R"({"a":1,"b":2,"c":3,"d":4})",
      R"({"a":5,"c":6,"d":7})",  // b left out
      R"({"a":8,"b":9,"c":10,"d":11})",
      R"({"a":12,"x":13,"b":14,"c":15,"d":16})",  // x added
      R"({"a":17,"b":18,"c":19,"d":20})",
      R"({"a":21,"b":22,"d":23})",  // c left out
      R"({"a":24,"d":25})",         // two left out
      R"({"b":26,"a":27,"d":28})",  // moved
      R"({"a":29,"b":30,"c":31,"d":32})",
      R"({"a":33,"b":34,"c":35})",          // the last one left out
      R"({"ab":36,"b":37,"c":38,"d":39})",  // a, longer
  };
  const std::vector<std::vector<std::string>> keys = {
      {"a", "b", "c", "d"},
      {"a", "c", "d"},
      {"a", "b", "c", "d"},
      {"a", "x", "b", "c", "d"},
      {"a", "b", "c", "d"},
      {"a", "b", "d"},
      {"a", "d"},
      {"b", "a", "d"},
      {"a", "b", "c", "d"},
      {"a", "b", "c"},
      {"ab", "b", "c", "d"},
  };
  for (const bool flat_reader : {true, false}) {
    SCOPED_TRACE(flat_reader ? "flat reader" : "simdjson");
    ParseJsonStage full({.flat_reader = flat_reader});
    auto all = ParseLines(full, lines);
    int64_t value = 1;
    for (size_t i = 0; i < lines.size(); ++i) {
      ASSERT_EQ(all.verdicts[i], Verdict::kPass) << lines[i];
      ASSERT_EQ(FieldNamesOf(all.item(i)), keys[i]) << lines[i];
      for (const std::string& key : keys[i]) {
        EXPECT_EQ(FieldOf(all.item(i), key), Int(value++)) << lines[i] << " " << key;
      }
    }
    ParseJsonStage projected({.flat_reader = flat_reader});
    projected.Project(FieldNeeds::Only({"b", "d"}));
    auto some = ParseLines(projected, lines);
    for (size_t i = 0; i < lines.size(); ++i) {
      std::vector<std::string> wanted;
      for (const std::string& key : keys[i]) {
        if (key == "b" || key == "d") wanted.push_back(key);
      }
      EXPECT_EQ(FieldNamesOf(some.item(i)), wanted) << lines[i];
      EXPECT_EQ(FieldOf(some.item(i), "d"), FieldOf(all.item(i), "d")) << lines[i];
    }
  }
}

TEST(ParseJsonTest, KeysOfSevenAndEightBytesAfterEachOther) {
  // A key of up to 7 bytes is compared with its closing quote as one 8-byte word; longer
  // keys byte by byte. Each line's key differs from the one before in its last byte or
  // its length.
  const std::vector<std::string> lines = {
      R"({"abcdefg":1})",  R"({"abcdefh":2})",  R"({"abcdefgh":3})", R"({"abcdefg":4})",
      R"({"abcdefgi":5})", R"({"abcdefgh":6})", R"({"abcdef":7})",   R"({"abcdefg":8})",
  };
  ParseJsonStage full;
  auto all = ParseLines(full, lines);
  const std::vector<std::string> keys = {"abcdefg",  "abcdefh",  "abcdefgh", "abcdefg",
                                         "abcdefgi", "abcdefgh", "abcdef",   "abcdefg"};
  for (size_t i = 0; i < lines.size(); ++i) {
    ASSERT_EQ(all.verdicts[i], Verdict::kPass) << i;
    EXPECT_THAT(FieldNamesOf(all.item(i)), ElementsAre(keys[i])) << lines[i];
  }
  ParseJsonStage projected;
  projected.Project(FieldNeeds::Only({"abcdefg"}));
  auto some = ParseLines(projected, lines);
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(some.item(i).record.size(), keys[i] == "abcdefg" ? 1u : 0u) << lines[i];
  }
}

TEST(ParseJsonTest, EmptyObjectGivesEmptyRecord) {
  ParseJsonStage stage;
  auto out = ParseLines(stage, {"  {}  "});
  ASSERT_EQ(out.verdicts[0], Verdict::kPass);
  EXPECT_TRUE(out.item(0).record.empty());
}

TEST(ParseJsonTest, RejectsNonObjects) {
  ParseJsonStage stage;
  auto out = ParseLines(stage, {"[1,2]", R"("text")", "42", "null", "true"});
  for (size_t i = 0; i < out.items().size(); ++i) {
    EXPECT_EQ(out.verdicts[i], Verdict::kError);
    EXPECT_EQ(out.code(i), ErrorCode::kInvalidInput);
    EXPECT_EQ(out.message(i), "expected a JSON object");
  }
}

TEST(ParseJsonTest, RejectsTrailingContent) {
  ParseJsonStage stage;
  auto out = ParseLines(stage, {R"({"a":1} {"b":2})", R"({"a":1}})", R"({"a":1} x)"});
  for (size_t i = 0; i < out.items().size(); ++i) {
    EXPECT_EQ(out.verdicts[i], Verdict::kError) << i;
    EXPECT_EQ(out.code(i), ErrorCode::kInvalidInput);
  }
  EXPECT_EQ(out.message(0), "invalid JSON at column 9: unexpected content after the JSON object");
  EXPECT_EQ(out.message(1), "invalid JSON at column 8: unexpected content after the JSON object");
  EXPECT_EQ(out.message(2), "invalid JSON at column 9: unexpected content after the JSON object");
}

// simdjson reports bracket errors at column 1; the messages say where the line broke.
TEST(ParseJsonTest, LinesCutShortOrWithBadBracketsSayWhere) {
  ParseJsonStage stage;
  const std::vector<std::string> lines = {
      R"({"ts":1,"user":"u","latency_ms":140.0)",  // cut short
      R"({"a":{"b":1})",                           // cut short, nested
      R"({"a":[1,2})",                             // wrong bracket
      "{\"a\":\"tab\there\"}",                     // raw control character
  };
  auto out = ParseLines(stage, lines);
  EXPECT_EQ(out.message(0),
            "invalid JSON at column 38: the line ends inside the object opened at column 1");
  EXPECT_EQ(out.message(1),
            "invalid JSON at column 13: the line ends inside the object opened at column 1");
  EXPECT_EQ(out.message(2), "invalid JSON at column 10: '}' closes the array opened at column 6");
  EXPECT_EQ(out.message(3),
            "invalid JSON at column 10: control character inside a string must be escaped");
}

TEST(ParseJsonTest, ReportsSyntaxErrorsWithReasonAndColumn) {
  ParseJsonStage stage;
  const std::vector<std::string> lines = {
      R"({"a" 1})",             // missing colon
      R"({"a":01})",            // leading zero
      R"({"a":tru})",           // bad literal
      R"({"a":"open)",          // unterminated string
      R"({"a":1)",              // unclosed object
      R"({"a":1,})",            // trailing comma
      R"({"a":"x\q"})",         // bad escape
      "{\"a\":\"tab\there\"}",  // raw control character
      R"({"a":{"b":nul}})",     // bad literal inside a kept nested value
  };
  auto out = ParseLines(stage, lines);
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(out.verdicts[i], Verdict::kError) << lines[i];
    EXPECT_EQ(out.code(i), ErrorCode::kInvalidInput) << lines[i];
    EXPECT_THAT(out.message(i), StartsWith("invalid JSON")) << lines[i];
  }
  EXPECT_EQ(out.message(1), "invalid JSON at column 6: invalid number");
  EXPECT_THAT(out.message(2), HasSubstr("at column 6: invalid value"));
  EXPECT_EQ(out.message(3), "invalid JSON at column 6: unterminated string");  // where it opens
  EXPECT_EQ(out.message(6), "invalid JSON at column 8: invalid escape '\\q' in a string");
  EXPECT_THAT(out.message(8), HasSubstr("at column 11"));
}

// A byte that cannot start a value, where one is due, is a bad value (simdjson reports it
// as a structure error); a bare word where a key is due is a bad key.
TEST(ParseJsonTest, ABadValueOrKeyIsNamedAtItsColumn) {
  ParseJsonStage stage;
  auto out = ParseLines(stage, {R"({"a":x})", R"({"a":.5})", R"({"a": +1})", R"({"a":[.5]})",
                                "{bad", R"({"a":1 "b":2})", R"({"x":{"a":[}})"});
  const std::string bad_value =
      "invalid value (expected a string, number, object, array, true, false or null)";
  EXPECT_EQ(out.message(0), "invalid JSON at column 6: " + bad_value);
  EXPECT_EQ(out.message(1), "invalid JSON at column 6: invalid number");
  EXPECT_EQ(out.message(2), "invalid JSON at column 7: invalid number");
  EXPECT_EQ(out.message(3), "invalid JSON at column 7: invalid number");
  EXPECT_EQ(out.message(4), "invalid JSON at column 2: expected a key (a string in double quotes)");
  EXPECT_THAT(out.message(5), HasSubstr("at column 8: malformed structure"));  // the comma
  // A bracket where a value is due: the bracket is what is wrong.
  EXPECT_EQ(out.message(6), "invalid JSON at column 12: '}' closes the array opened at column 11");
}

TEST(ParseJsonTest, ANumberBeyondTheDoublesIsOutOfRangeNotInvalid) {
  ParseJsonStage stage;
  const std::vector<std::string> lines = {R"({"a":1e309})", "{\"a\":" + std::string(309, '9') + "}",
                                          R"({"a":-2.5E+400,"b":1})", R"({"a":1e999x})",
                                          R"({"a":01})"};
  auto out = ParseLines(stage, lines);
  const std::string out_of_range =
      "invalid JSON at column 6: number out of range (beyond the largest double, about 1.8e308)";
  EXPECT_EQ(out.message(0), out_of_range);
  EXPECT_EQ(out.message(1), out_of_range);
  EXPECT_EQ(out.message(2), out_of_range);
  EXPECT_THAT(out.message(3), Not(HasSubstr("out of range")));  // not a number as a whole
  EXPECT_EQ(out.message(4), "invalid JSON at column 6: invalid number");
}

TEST(ParseJsonTest, SharedLineChecks) {
  ParseJsonStage stage;
  auto out = ParseLines(stage, {"", "   ", std::string("{\"a\":\"\0\"}", 9), "{\"a\":\"\xff\"}"});
  EXPECT_EQ(out.code(0), ErrorCode::kInvalidInput);
  EXPECT_EQ(out.message(0), "empty line");
  EXPECT_EQ(out.message(1), "empty line");
  EXPECT_EQ(out.code(2), ErrorCode::kInvalidEncoding);
  EXPECT_EQ(out.message(2), "NUL byte at column 7");
  EXPECT_EQ(out.code(3), ErrorCode::kInvalidEncoding);
  EXPECT_EQ(out.message(3), "invalid UTF-8 at column 7");
}

TEST(ParseJsonTest, InvalidUtf8IsCaughtEvenInSkippedValues) {
  ParseJsonStage stage;
  stage.Project(FieldNeeds::Only({"keep"}));
  auto out = ParseLines(stage, {"{\"skip\":\"ok \xc3\x28\",\"keep\":1}", "{\"k\xff\":1}"});
  EXPECT_EQ(out.code(0), ErrorCode::kInvalidEncoding);
  EXPECT_EQ(out.message(0), "invalid UTF-8 at column 13");
  EXPECT_EQ(out.message(1), "invalid UTF-8 at column 4");
}

TEST(ParseJsonTest, ToleratesCarriageReturn) {
  ParseJsonStage stage;
  auto out = ParseLines(stage, {"{\"a\":1}\r"});
  ASSERT_EQ(out.verdicts[0], Verdict::kPass) << out.message(0);
  EXPECT_EQ(FieldOf(out.item(0), "a"), Int(1));
}

TEST(ParseJsonTest, PassesPushedRecordsUnchanged) {
  ParseJsonStage stage;
  auto worker = stage.MakeWorker();
  Batch batch;
  Record record;
  record.Set(FieldNames::Intern("pushed"), int64_t{5});
  batch.AddRecord(record);
  batch.Seal();
  EXPECT_EQ(worker->Process(batch.items[0]), Verdict::kPass);
  EXPECT_EQ(batch.items[0].record, record);
}

TEST(ParseJsonTest, ProjectionKeepsOnlyNeededFieldsWithSameValues) {
  const std::vector<std::string> lines = {
      R"({"user":"ada","bytes":512,"skip":{"deep":[1,2,3]},"ms":1.25,"tag":"x"})",
      R"({"ms":3,"other":[],"user":"bob"})",
      R"({"nothing":"here"})",
  };
  ParseJsonStage full;
  ParseJsonStage projected;
  projected.Project(FieldNeeds::Only({"user", "ms"}));
  auto all = ParseLines(full, lines);
  auto some = ParseLines(projected, lines);
  for (size_t i = 0; i < lines.size(); ++i) {
    ASSERT_EQ(some.verdicts[i], Verdict::kPass) << some.message(i);
    for (const Field& field : some.item(i).record.fields()) {
      const std::string_view name = FieldNames::Name(field.id);
      EXPECT_TRUE(name == "user" || name == "ms") << name;
      EXPECT_EQ(FieldOf(all.item(i), name), field.value) << name;
    }
  }
  EXPECT_THAT(FieldNamesOf(some.item(0)), ElementsAre("user", "ms"));
  EXPECT_THAT(FieldNamesOf(some.item(1)), ElementsAre("ms", "user"));
  EXPECT_TRUE(some.item(2).record.empty());
}

TEST(ParseJsonTest, ProjectionSkipsUnneededValuesUnparsed) {
  // Documented: skipped values are only checked for structure.
  ParseJsonStage stage;
  stage.Project(FieldNeeds::Only({"keep"}));
  auto out = ParseLines(stage, {R"({"skip":[1,tru,{"x":01}],"keep":7})"});
  ASSERT_EQ(out.verdicts[0], Verdict::kPass) << out.message(0);
  EXPECT_EQ(FieldOf(out.item(0), "keep"), Int(7));
  // Structural damage is still caught, and so is trailing content.
  auto bad = ParseLines(stage, {R"({"skip":[1,2,"keep":7})", R"({"keep":7} [])"});
  EXPECT_EQ(bad.verdicts[0], Verdict::kError);
  EXPECT_EQ(bad.verdicts[1], Verdict::kError);
  // Brackets of the wrong kind, whose counts balance.
  auto mismatched = ParseLines(stage, {R"({"skip":[},"keep":7})", R"({"skip":{"a":1],"keep":7})",
                                       R"({"keep":7,"skip":[{]},"y":2})"});
  EXPECT_EQ(mismatched.message(0),
            "invalid JSON at column 10: '}' closes the array opened at column 9");
  EXPECT_EQ(mismatched.message(1),
            "invalid JSON at column 15: ']' closes the object opened at column 9");
  EXPECT_EQ(mismatched.message(2),
            "invalid JSON at column 20: ']' closes the object opened at column 19");
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(mismatched.code(i), ErrorCode::kInvalidInput);
    EXPECT_TRUE(mismatched.item(i).record.empty()) << i;
  }
  // Only the brackets are matched, not in strings: what a skipped string may hold, a
  // skipped array's strings may hold too.
  auto skipped = ParseLines(
      stage, {R"({"skip":["\uDC00"],"keep":1})", R"({"skip":["\q"],"keep":2})",
              R"({"skip":{"a":"b]c","d":["}"]},"keep":3})", R"({"skip":["a\"]"],"keep":4})",
              R"({"skip":["a\\",{"b":"]"}],"keep":5})"});
  for (size_t i = 0; i < 5; ++i) {
    ASSERT_EQ(skipped.verdicts[i], Verdict::kPass) << i << ": " << skipped.message(i);
    EXPECT_EQ(FieldOf(skipped.item(i), "keep"), Int(static_cast<int64_t>(i + 1)));
  }
}

TEST(ParseJsonTest, ProjectionOfNothingStillChecksTheObject) {
  ParseJsonStage stage;
  stage.Project(FieldNeeds::None());
  auto out = ParseLines(stage, {R"({"a":1})", "[1]"});
  EXPECT_EQ(out.verdicts[0], Verdict::kPass);
  EXPECT_TRUE(out.item(0).record.empty());
  EXPECT_EQ(out.verdicts[1], Verdict::kError);
}

TEST(ParseJsonTest, ParsesMultiMegabyteLines) {
  std::string big_string(8 << 20, 'x');
  std::string line = R"({"small":1,"big":")" + big_string + R"(","after":2})";
  std::string many = "{";
  for (int i = 0; i < 100000; ++i) {
    if (i) many += ',';
    many += "\"k" + std::to_string(i) + "\":" + std::to_string(i);
  }
  many += "}";
  ParseJsonStage stage;
  auto worker = stage.MakeWorker();
  // Small, huge, small again: the worker grows and then gives its big buffers back.
  auto out = parse_test::ParseLinesWith(*worker, {R"({"a":1})", line, many, R"({"a":2})"});
  for (size_t i = 0; i < 4; ++i) ASSERT_EQ(out.verdicts[i], Verdict::kPass) << out.message(i);
  EXPECT_EQ(FieldOf(out.item(1), "big"), Str(big_string));
  EXPECT_EQ(FieldOf(out.item(1), "after"), Int(2));
  EXPECT_EQ(out.item(2).record.size(), 100000u);
  EXPECT_EQ(FieldOf(out.item(2), "k99999"), Int(99999));
  EXPECT_EQ(FieldOf(out.item(3), "a"), Int(2));
}

TEST(ParseJsonTest, DeepNestingFailsCleanly) {
  const std::string deep_array = std::string(10000, '[') + std::string(10000, ']');
  const std::string deep_object = [] {
    std::string s;
    for (int i = 0; i < 10000; ++i) s += R"({"a":)";
    s += "1";
    s += std::string(10000, '}');
    return s;
  }();
  ParseJsonStage stage;
  auto out = ParseLines(stage, {"{\"v\":" + deep_array + "}", deep_object, deep_array,
                                "{\"v\":" + std::string(10000, '[') + "}"});
  EXPECT_EQ(out.code(0), ErrorCode::kInvalidInput);
  EXPECT_THAT(out.message(0), HasSubstr("nested deeper than 1024 levels"));
  EXPECT_THAT(out.message(1), HasSubstr("nested deeper than 1024 levels"));
  EXPECT_EQ(out.message(2), "expected a JSON object");
  EXPECT_EQ(out.verdicts[3], Verdict::kError);
}

TEST(ParseJsonTest, MaxDepthOption) {
  ParseJsonStage stage(ParseJsonOptions{.max_depth = 3});
  auto out = ParseLines(stage, {R"({"a":{"b":[1]}})", R"({"a":{"b":[[1]]}})"});
  EXPECT_EQ(out.verdicts[0], Verdict::kPass) << out.message(0);
  EXPECT_EQ(out.verdicts[1], Verdict::kError);
  EXPECT_THAT(out.message(1), HasSubstr("nested deeper than 3 levels"));
}

TEST(ParseJsonTest, WorkerIsReusableAcrossGoodAndBadLines) {
  ParseJsonStage stage;
  auto worker = stage.MakeWorker();
  std::vector<std::string> lines;
  for (int i = 0; i < 200; ++i) {
    lines.push_back(i % 3 == 0 ? "{bad" : R"({"i":)" + std::to_string(i) + "}");
  }
  auto out = parse_test::ParseLinesWith(*worker, lines);
  for (int i = 0; i < 200; ++i) {
    if (i % 3 == 0) {
      EXPECT_EQ(out.verdicts[i], Verdict::kError);
    } else {
      ASSERT_EQ(out.verdicts[i], Verdict::kPass) << out.message(i);
      EXPECT_EQ(FieldOf(out.item(i), "i"), Int(i));
    }
  }
}

TEST(ParseJsonConfigTest, BuildsFromConfig) {
  StageRegistry registry;
  RegisterParseJson(registry);
  ASSERT_NE(registry.Find("parse_json"), nullptr);
  ConfigErrors errors;
  auto stage = parse_test::Build(registry, StageConfig("parse_json").Set("max_depth", "8"), errors);
  ASSERT_NE(stage, nullptr) << errors.ToString();
  EXPECT_EQ(static_cast<ParseJsonStage&>(*stage).options().max_depth, 8);
}

TEST(ParseJsonConfigTest, ReportsBadOptionsWithPositions) {
  StageRegistry registry;
  RegisterParseJson(registry);
  ConfigErrors errors;
  EXPECT_EQ(parse_test::Build(registry, StageConfig("parse_json").Set("max_depth", "deep"), errors),
            nullptr);
  EXPECT_THAT(errors.ToString(), HasSubstr("test.yaml:3:20: expected an integer, got 'deep'"));

  ConfigErrors range;
  EXPECT_EQ(parse_test::Build(registry, StageConfig("parse_json").Set("max_depth", "0"), range),
            nullptr);
  EXPECT_THAT(range.ToString(), HasSubstr("test.yaml:3:20: max_depth: expected 1..4096, got 0"));

  ConfigErrors unknown;
  auto config = StageConfig("parse_json").Set("max_dept", "3").Set("fields", "a");
  EXPECT_EQ(parse_test::Build(registry, config, unknown), nullptr);
  EXPECT_THAT(unknown.ToString(),
              HasSubstr("test.yaml:3:3: unknown key 'max_dept' (did you mean 'max_depth'?)"));
  EXPECT_THAT(unknown.ToString(), HasSubstr("test.yaml:4:3: unknown key 'fields'"));
  EXPECT_EQ(unknown.size(), 2u);
}

}  // namespace
}  // namespace sluice
