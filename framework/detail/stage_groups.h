// Internal: which adjacent stages share threads.
//
// Adjacent stages with the same worker count, no queue between them: worker w of the
// group runs worker w of each stage on a batch, one stage after the other (run to
// completion). A batch then crosses cores once per group instead of once per stage, and
// its items stay in that core's cache. A stage with its own `queue` options, or another
// worker count, starts a new group. Sharing takes away pipeline parallelism, so stages
// share threads only when the shared ones still give every core a stage thread.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace sluice::detail {

struct StageGroup {
  size_t first = 0;  // stages [first, end)
  size_t end = 0;
  int workers = 1;
};

/// What grouping needs to know of a stage.
struct StageShape {
  int workers = 1;
  bool own_queue = false;  // the stage set queue options of its own
};

/// The groups for `stages` on a machine with `cores` cores: fused where the rule above
/// allows, else one group per stage.
std::vector<StageGroup> FormStageGroups(std::span<const StageShape> stages, int cores);

}  // namespace sluice::detail
