// StageRegistry: stage types by name, so that configs can say `type: parse_json`.
// Not global: each embedder makes its own (Benthos' "environment"), usually pre-loaded
// with RegisterBuiltinStages (stages/builtin.h), and adds its own types.
//
//   sluice::StageRegistry registry;
//   sluice::RegisterBuiltinStages(registry);
//   registry.Register({  // `- { type: upper_case, field: user }`; UpperCase: framework/stage.h
//       .name = "upper_case",
//       .summary = "upper-cases one string field",
//       .keys = {"field"},
//       .make = [](const sluice::ConfigNode& stage, sluice::ConfigErrors& errors)
//           -> std::unique_ptr<sluice::Stage> {
//         const sluice::ConfigNode* field = stage.Require("field", errors);
//         std::optional<std::string> name = field ? field->AsString(errors) : std::nullopt;
//         return name ? std::make_unique<UpperCase>(*name) : nullptr;  // nullptr: see errors
//       },
//   });
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "framework/config_node.h"
#include "framework/stage.h"

namespace sluice {

/// Makes a stage from its config node (the whole `- name: ... type: ...` map). Reports
/// every problem to `errors` with its position; returns nullptr when it cannot build.
/// It may be called more than once per stage (to check the config, to build, to learn the
/// first stage's framing), and so may the stage's MakeWorker: the extra stages and workers
/// are dropped. Keep side effects (connections, say) out of both, or open them on the
/// first record.
using StageFactory =
    std::function<std::unique_ptr<Stage>(const ConfigNode& stage, ConfigErrors& errors)>;

/// Keys every stage map may hold besides its own (read by the pipeline builder).
inline constexpr std::string_view kCommonStageKeys[] = {"name", "type", "workers", "queue",
                                                        "stall_timeout"};

struct StageType {
  std::string name;               // the `type:` that selects it
  std::string summary;            // one line for `sluice stages`
  std::vector<std::string> keys;  // stage-specific keys besides kCommonStageKeys
  StageFactory make;

  /// Reports each key of `stage` (its map) that is neither in kCommonStageKeys nor in
  /// `keys`, with "did you mean". The pipeline loader calls it before `make`, so a factory
  /// need not check the stage's own keys.
  void CheckKeys(const ConfigNode& stage, ConfigErrors& errors) const;
};

class StageRegistry {
 public:
  /// Adds `type`; replaces an earlier type of the same name (embedders may override built-ins).
  void Register(StageType type);
  const StageType* Find(std::string_view name) const;
  std::vector<std::string> Names() const;

 private:
  std::map<std::string, StageType, std::less<>> types_;
};

}  // namespace sluice
