// Helpers for the tests of one stage type: the stage built from YAML through the registry,
// as a pipeline builds it (its config problems as "p.yaml:line:column: message"), and
// records from (name, value) pairs.
//
//   auto stage = stage_yaml_test::FromYaml(RegisterValidate, "validate", "rules: {...}\n");
//   Record r = stage_yaml_test::Rec({{"user", std::string("ada")}, {"n", int64_t{1}}});
#pragma once

#include <gtest/gtest.h>

#include <initializer_list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "framework/config_node.h"
#include "framework/record.h"
#include "framework/stage.h"
#include "framework/stage_registry.h"
#include "pipelines/yaml_loader.h"

namespace sluice::stage_yaml_test {

using RegisterFn = void (*)(StageRegistry&);

/// nullptr when the YAML does not load or the stage has config problems (in `errors`).
inline std::unique_ptr<Stage> FromYaml(RegisterFn register_type, const std::string& type,
                                       const std::string& yaml, ConfigErrors& errors) {
  ConfigErrors load_errors;
  Result<ConfigNode> root = LoadYamlString(yaml, "p.yaml", load_errors);
  EXPECT_TRUE(root.ok()) << load_errors.ToString();
  if (!root.ok()) return nullptr;
  StageRegistry registry;
  register_type(registry);
  return registry.Find(type)->make(*root, errors);
}

/// A stage whose config must have no problems.
inline std::unique_ptr<Stage> FromYaml(RegisterFn register_type, const std::string& type,
                                       const std::string& yaml) {
  ConfigErrors errors;
  std::unique_ptr<Stage> stage = FromYaml(register_type, type, yaml, errors);
  EXPECT_TRUE(errors.empty()) << errors.ToString();
  return stage;
}

/// The config problems of a stage that must not build, in order.
inline std::vector<std::string> ConfigProblems(RegisterFn register_type, const std::string& type,
                                               const std::string& yaml) {
  ConfigErrors errors;
  EXPECT_EQ(FromYaml(register_type, type, yaml, errors), nullptr);
  std::vector<std::string> lines;
  for (const ConfigError& e : errors.all()) lines.push_back(e.ToString());
  return lines;
}

inline Record Rec(std::initializer_list<std::pair<const char*, Value>> fields) {
  Record record;
  for (const auto& [name, value] : fields) record.Append(FieldNames::Intern(name), value);
  return record;
}

}  // namespace sluice::stage_yaml_test
