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
  EXPECT_EQ(Problem(R"({"a":1,})"), "none");  // a comma error: simdjson's to report
  EXPECT_EQ(Problem("[1,2"), "none");         // not an object: reported as such
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

}  // namespace
}  // namespace sluice::detail
