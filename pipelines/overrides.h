// Overrides: `--set PATH=VALUE` edits of a config tree, applied before ParsePipelineSpec
// so that the edited values are checked like the file's own.
//
//   sluice::ConfigErrors errors;
//   auto root = sluice::LoadYamlFile("pipe.yaml", errors);
//   const std::vector<std::string> sets = {"stages.parse.workers=4", "queue.capacity=64",
//                                          "stages.parse.queue={capacity: 8, batch: 32}"};
//   sluice::ApplyOverrides(*root, sets, errors);
//   auto spec = sluice::ParsePipelineSpec(*root, registry, errors);
//
// PATH is dotted map keys from the root. Under `stages` the next part names a stage by its
// `name:` (or by its `type:` when it has no name, or by a 0-based index); in other lists
// only an index selects. Missing map keys on the way are created (e.g. `queue` under a
// stage). VALUE is a scalar, or a YAML flow map/list when it starts with `{` or `[`.
// Problems (no `=`, empty path, an unknown stage, a path through a scalar) are errors
// marked "--set PATH=VALUE"; values are checked later by ParsePipelineSpec, whose errors
// then point at the same "--set ..." mark.
#pragma once

#include <span>
#include <string>

#include "framework/config_node.h"

namespace sluice {

/// Applies each `PATH=VALUE` assignment to `root` (a map), in order. A failed one reports
/// its problems to `errors` and leaves `root` as it was. Their problems, here and in
/// ParsePipelineSpec, are reported in that order too, after the file's.
void ApplyOverrides(ConfigNode& root, std::span<const std::string> assignments,
                    ConfigErrors& errors);

}  // namespace sluice
