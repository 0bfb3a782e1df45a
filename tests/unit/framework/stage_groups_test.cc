#include "framework/detail/stage_groups.h"

#include <gtest/gtest.h>

#include <vector>

namespace sluice::detail {
namespace {

// (first, end, workers) of each group.
std::vector<std::vector<int>> Groups(const std::vector<StageShape>& stages, int cores) {
  std::vector<std::vector<int>> out;
  for (const StageGroup& g : FormStageGroups(stages, cores)) {
    out.push_back({static_cast<int>(g.first), static_cast<int>(g.end), g.workers});
  }
  return out;
}

TEST(StageGroupsTest, AdjacentStagesWithTheSameWorkersShareThreads) {
  EXPECT_EQ(Groups({{2}, {2}, {2}}, 2), (std::vector<std::vector<int>>{{0, 3, 2}}));
  EXPECT_EQ(Groups({{2}, {2}, {4}, {4}}, 2), (std::vector<std::vector<int>>{{0, 2, 2}, {2, 4, 4}}));
}

TEST(StageGroupsTest, AStageWithItsOwnQueueStartsAGroup) {
  EXPECT_EQ(Groups({{2}, {.workers = 2, .own_queue = true}, {2}}, 2),
            (std::vector<std::vector<int>>{{0, 1, 2}, {1, 3, 2}}));
}

TEST(StageGroupsTest, TooFewSharedThreadsForTheCoresGiveEachStageItsOwn) {
  // Fused, 3 stages of 1 worker would be one thread on 2 cores: one group per stage.
  EXPECT_EQ(Groups({{1}, {1}, {1}}, 2),
            (std::vector<std::vector<int>>{{0, 1, 1}, {1, 2, 1}, {2, 3, 1}}));
  EXPECT_EQ(Groups({{1}, {1}, {1}}, 1), (std::vector<std::vector<int>>{{0, 3, 1}}));
  EXPECT_EQ(Groups({{2}, {2}}, 4), (std::vector<std::vector<int>>{{0, 1, 2}, {1, 2, 2}}));
}

}  // namespace
}  // namespace sluice::detail
