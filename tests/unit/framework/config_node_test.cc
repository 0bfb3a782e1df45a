#include "framework/config_node.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace sluice {
namespace {

std::optional<bool> Bool(const std::string& text, ConfigErrors& errors) {
  return ConfigNode::Scalar(text, {.file = "p.yaml", .line = 3, .column = 10}).AsBool(errors);
}

// YAML 1.2's core schema writes booleans true, True or TRUE (and false likewise); the
// YAML 1.1 words yes/no/on/off are taken in the same three spellings.
TEST(ConfigNodeTest, BooleansInEverySpellingOfTheCoreSchema) {
  ConfigErrors errors;
  for (const char* text : {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"}) {
    EXPECT_EQ(Bool(text, errors), std::optional<bool>(true)) << text;
  }
  for (const char* text : {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"}) {
    EXPECT_EQ(Bool(text, errors), std::optional<bool>(false)) << text;
  }
  EXPECT_TRUE(errors.empty()) << errors.ToString();
}

TEST(ConfigNodeTest, OtherBooleanSpellingsAreErrorsAtTheValue) {
  for (const char* text : {"tRUE", "fALSE", "1", "0", "y", "truee", ""}) {
    ConfigErrors errors;
    EXPECT_EQ(Bool(text, errors), std::nullopt) << text;
    ASSERT_EQ(errors.size(), 1u) << text;
    EXPECT_EQ(errors.all()[0].ToString().rfind("p.yaml:3:10: expected true or false", 0), 0u)
        << errors.all()[0].ToString();
  }
}

// A node shared through an alias or a merge key is checked at each use: its problem is
// listed once. The same message elsewhere, or another at the same place, is its own.
TEST(ConfigNodeTest, AProblemAtOneMarkIsListedOnce) {
  ConfigErrors errors;
  const ConfigMark at{.file = "p.yaml", .line = 2, .column = 27};
  errors.Add(at, "unknown key 'wrokers'");
  errors.Add(at, "unknown key 'wrokers'");
  errors.Add({.file = "p.yaml", .line = 3, .column = 27}, "unknown key 'wrokers'");
  errors.Add(at, "another problem");
  EXPECT_EQ(errors.ToString(),
            "p.yaml:2:27: unknown key 'wrokers'\n"
            "p.yaml:3:27: unknown key 'wrokers'\n"
            "p.yaml:2:27: another problem\n");
}

// Messages quote the config's text, which may hold line breaks (a block scalar) or escape
// sequences: each problem stays on one line, and a terminal shows it as text.
TEST(ConfigNodeTest, AProblemPrintsOnOneLine) {
  ConfigErrors errors;
  const ConfigNode value =
      ConfigNode::Scalar("3\n4\x1b[2J\n", {.file = "p.yaml", .line = 4, .column = 14});
  EXPECT_EQ(value.AsInt(errors), std::nullopt);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors.all()[0].ToString(),
            "p.yaml:4:14: expected an integer, got '3\\u000a4\\u001b[2J\\u000a'");
}

}  // namespace
}  // namespace sluice
