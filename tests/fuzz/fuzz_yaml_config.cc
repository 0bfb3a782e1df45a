// libFuzzer target: the YAML loader and every config check, as `sluice validate` runs
// them (LoadPipelineSpecString with the built-in stages: prescan, yaml-cpp, ConfigNode,
// --set overrides, the spec schema, every stage factory's dry run), then BuildPipeline
// for a config that passed.
//
// Input: YAML text. Leading lines "#set PATH=VALUE" (YAML comments, so the file is the
// same either way) are also applied as --set overrides, in order.
// Invariants: a config is refused exactly when problems were reported; every problem has
// a message; a config that passed builds.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.h"
#include "pipelines/builder.h"
#include "stages/builtin.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const sluice::StageRegistry* registry = [] {
    auto* r = new sluice::StageRegistry;
    sluice::RegisterBuiltinStages(*r);
    return r;
  }();
  const std::string_view yaml(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> overrides;
  for (sluice::fuzz::Input lines(data, size); lines.rest().starts_with("#set ");) {
    overrides.emplace_back(lines.TakeLine().substr(5));
  }
  sluice::ConfigErrors errors;
  std::optional<sluice::PipelineSpec> spec =
      sluice::LoadPipelineSpecString(yaml, "fuzz.yaml", *registry, overrides, errors);
  if (spec.has_value() != errors.empty()) {
    sluice::fuzz::Violated(spec ? "a config passed with problems" : "refused without a problem",
                           errors.ToString());
  }
  for (const sluice::ConfigError& error : errors.all()) {
    if (error.message.empty()) sluice::fuzz::Violated("a problem without a message", yaml);
  }
  if (!spec) return 0;
  sluice::ConfigErrors build_errors;
  if (sluice::BuildPipeline(*spec, *registry, build_errors) == nullptr) {
    sluice::fuzz::Violated("a checked config did not build", build_errors.ToString());
  }
  return 0;
}
