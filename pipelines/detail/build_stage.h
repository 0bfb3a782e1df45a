// Internal to pipelines/: a stage made by its type's factory, for the config checks' dry run
// and for the build alike.
#pragma once

#include <memory>

#include "framework/config_node.h"
#include "framework/stage.h"
#include "framework/stage_registry.h"
#include "pipelines/spec.h"

namespace sluice::detail {

/// The stage `spec` describes, made by `type`'s factory; nullptr after reporting why to
/// `errors`: the factory's own problems, or that it threw or returned nothing.
std::unique_ptr<Stage> BuildStage(const StageType& type, const StageSpec& spec,
                                  ConfigErrors& errors);

}  // namespace sluice::detail
