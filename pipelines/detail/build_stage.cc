#include "pipelines/detail/build_stage.h"

#include <exception>
#include <string>

#include "pipelines/detail/quoted.h"

namespace sluice::detail {

std::unique_ptr<Stage> BuildStage(const StageType& type, const StageSpec& spec,
                                  ConfigErrors& errors) {
  const std::string what = "stage " + Quoted(spec.name) + " (type " + Quoted(type.name) + ")";
  ConfigErrors factory_errors;  // its own: whether the factory said why, whatever `errors` holds
  std::unique_ptr<Stage> stage;
  try {
    stage = type.make(spec.node, factory_errors);
  } catch (const std::exception& e) {
    factory_errors.Add(spec.mark, what + " could not be built: " + e.what());
  } catch (...) {  // the loaders report, they do not throw (builder.h)
    factory_errors.Add(spec.mark, what + " could not be built: it threw a non-standard exception");
  }
  if (!stage && factory_errors.empty()) factory_errors.Add(spec.mark, what + " could not be built");
  for (const ConfigError& e : factory_errors.all()) errors.Add(e.mark, e.message);
  return factory_errors.empty() ? std::move(stage) : nullptr;
}

}  // namespace sluice::detail
