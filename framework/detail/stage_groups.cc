#include "framework/detail/stage_groups.h"

namespace sluice::detail {

std::vector<StageGroup> FormStageGroups(std::span<const StageShape> stages, int cores) {
  std::vector<StageGroup> groups;
  int shared_threads = 0;
  for (size_t i = 0; i < stages.size(); ++i) {
    const bool fuse = i > 0 && !stages[i].own_queue && stages[i].workers == groups.back().workers;
    if (fuse) {
      groups.back().end = i + 1;
    } else {
      groups.push_back({.first = i, .end = i + 1, .workers = stages[i].workers});
      shared_threads += stages[i].workers;
    }
  }
  if (shared_threads >= cores) return groups;
  groups.clear();  // too few threads to keep the cores busy: a thread set per stage
  for (size_t i = 0; i < stages.size(); ++i) {
    groups.push_back({.first = i, .end = i + 1, .workers = stages[i].workers});
  }
  return groups;
}

}  // namespace sluice::detail
