#include "stages/detail/json_structure.h"

#include <gtest/gtest.h>

#include <string>

namespace sluice::detail {
namespace {

// "column: reason", or "none".
std::string Problem(std::string_view line) {
  const std::optional<JsonStructureProblem> p = FindJsonStructureProblem(line);
  return p ? std::to_string(p->column) + ": " + p->reason : "none";
}

TEST(JsonStructureTest, SoundBracketsAndOtherShapesAreNotItsBusiness) {
  EXPECT_EQ(Problem(R"({"a":[1,{"b":"}]"}],"c":"\"{"})"), "none");  // brackets in strings
  EXPECT_EQ(Problem(R"(  {"a":1}  )"), "none");
  EXPECT_EQ(Problem(R"({"a":1 "b":2})"), "none");        // a missing comma: simdjson's to report
  EXPECT_EQ(Problem(R"({"a":[1,2,],"b":{}})"), "none");  // an array's commas too
  EXPECT_EQ(Problem("[1,2"), "none");                    // not an object: reported as such
  EXPECT_EQ(Problem(""), "none");
}

TEST(JsonStructureTest, FindsWhereTheLineBreaks) {
  EXPECT_EQ(Problem(R"({"a":1)"), "7: the line ends inside the object opened at column 1");
  EXPECT_EQ(Problem(R"({"a":[1,{"b":2})"), "16: the line ends inside the array opened at column 6");
  EXPECT_EQ(Problem(R"({"a":"x)"), "6: unterminated string");
  EXPECT_EQ(Problem(R"({"a":"x\")"), "6: unterminated string");  // the quote is escaped
  EXPECT_EQ(Problem(R"({"a":"x\)"), "6: unterminated string");   // escape past the end
  EXPECT_EQ(Problem("{\"a\":\"x\ny\"}"), "8: control character inside a string must be escaped");
  EXPECT_EQ(Problem(R"({"a":[1}})"), "8: '}' closes the array opened at column 6");
  EXPECT_EQ(Problem(R"({"a":1]})"), "7: ']' closes the object opened at column 1");
  EXPECT_EQ(Problem(R"({"a":1} {"b":2})"), "9: unexpected content after the JSON object");
  EXPECT_EQ(Problem(R"({"a":1}})"), "8: unexpected content after the JSON object");
}

// A key must be a string: simdjson reports a bare word as a malformed structure, and at the
// line's end when the object is unclosed too.
TEST(JsonStructureTest, FindsKeysThatAreNotStrings) {
  EXPECT_EQ(Problem("{bad"), "2: expected a key (a string in double quotes)");
  EXPECT_EQ(Problem("{ bad}"), "3: expected a key (a string in double quotes)");
  EXPECT_EQ(Problem(R"({"a":{"b":1, 2}})"), "14: expected a key (a string in double quotes)");
  EXPECT_EQ(Problem(R"({"a":1,})"), "8: a comma before '}' (JSON has no trailing commas)");
  EXPECT_EQ(Problem(R"({"a":1, })"), "9: a comma before '}' (JSON has no trailing commas)");
  EXPECT_EQ(Problem(R"({ "a":{ },"b":[{}]})"), "none");  // empty objects, spaces
  EXPECT_EQ(Problem(R"({"a" : 1, "b" :{"c" :[1,{"d":2}]}})"), "none");
  EXPECT_EQ(Problem(R"({"a":"x,y:{\"}","b":1})"), "none");  // commas and colons in strings
}

// After a key only its colon may come.
TEST(JsonStructureTest, FindsAKeyWithoutItsColon) {
  EXPECT_EQ(Problem(R"({"a",1})"), "5: expected ':' after the key");
  EXPECT_EQ(Problem(R"({"a":1,"b" 2})"), "12: expected ':' after the key");
  EXPECT_EQ(Problem(R"({"a"})"), "5: expected ':' after the key");
}

// simdjson reports a bad escape where the string ends; this points at its backslash.
TEST(JsonStructureTest, FindsBadEscapesAtTheirBackslash) {
  EXPECT_EQ(Problem(R"({"a":"abc\qdef","b":1})"), "10: invalid escape '\\q' in a string");
  EXPECT_EQ(Problem(R"({"a\q":1})"), "4: invalid escape '\\q' in a string");  // in a key
  EXPECT_EQ(Problem("{\"a\":\"\\\xC3\xA9\"}"), "7: invalid escape '\\\xC3\xA9' in a string");
  EXPECT_EQ(Problem("{\"a\":\"\\\xFF\"}"),  // not UTF-8: the message must stay valid
            "7: invalid escape: '\\' before a byte that is not UTF-8");
  EXPECT_EQ(Problem(R"({"a":"\u12","b":1})"), "7: \\u must be followed by 4 hex digits");
  EXPECT_EQ(Problem(R"({"a":"\ud800xyz","b":1})"),
            "7: \\u escape of a high surrogate without a low one after it");
  EXPECT_EQ(Problem(R"({"a":"\udc00"})"), "7: \\u escape of a lone low surrogate");
  // Sound escapes, a surrogate pair among them, pass.
  EXPECT_EQ(Problem(R"({"a":"\"\\\/\b\f\n\r\t\u00e9\uD83D\uDE00"})"), "none");
}

}  // namespace
}  // namespace sluice::detail
