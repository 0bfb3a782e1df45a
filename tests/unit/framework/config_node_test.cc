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

}  // namespace
}  // namespace sluice
