#include "framework/detail/batch_sizer.h"

#include <gtest/gtest.h>

#include <vector>

namespace sluice::detail {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

// Next() `n` times in a row, reporting nothing in between.
std::vector<size_t> NextTimes(BatchSizer& sizer, int n) {
  std::vector<size_t> sizes;
  for (int i = 0; i < n; ++i) sizes.push_back(sizer.Next());
  return sizes;
}

TEST(BatchSizerTest, BatchesStaySmallUntilTheWorkersReportACost) {
  BatchSizer sizer(1024, milliseconds(1), /*groups=*/2);
  EXPECT_EQ(NextTimes(sizer, 3), (std::vector<size_t>{32, 32, 32}));
  BatchSizer tiny(8, milliseconds(1), 1);  // never above the configured batch
  EXPECT_EQ(tiny.Next(), 8u);
}

TEST(BatchSizerTest, CheapRecordsGrowBatchesByDoublingToTheMaximum) {
  BatchSizer sizer(1024, milliseconds(1), 1);
  sizer.Report(0, 32, microseconds(3));  // 0.1 us a record: a full batch is 0.1 ms
  EXPECT_EQ(NextTimes(sizer, 7), (std::vector<size_t>{64, 128, 256, 512, 1024, 1024, 1024}));
}

TEST(BatchSizerTest, SlowRecordsShrinkBatchesToTheTargetAtOnce) {
  BatchSizer sizer(1024, milliseconds(1), 1);
  sizer.Report(0, 32, microseconds(3));
  NextTimes(sizer, 6);                       // grown to 1024
  sizer.Report(0, 1024, milliseconds(102));  // 100 us a record
  EXPECT_EQ(sizer.Next(), 10u);
  sizer.Report(0, 10, milliseconds(50));  // 5 ms a record: one record is over the target
  EXPECT_EQ(sizer.Next(), 1u);
}

TEST(BatchSizerTest, TheSlowestGroupSetsTheSize) {
  BatchSizer sizer(1024, milliseconds(1), 3);
  sizer.Report(0, 100, microseconds(10));    // 0.1 us a record
  sizer.Report(2, 100, microseconds(2000));  // 20 us a record: 50 fit in 1 ms
  EXPECT_EQ(sizer.Next(), 50u);
  sizer.Report(2, 100, microseconds(10));  // the latest report of a group replaces its last
  EXPECT_EQ(sizer.Next(), 100u);           // growing at most 2x a batch
}

TEST(BatchSizerTest, ZeroTargetKeepsEveryBatchFull) {
  BatchSizer sizer(256, microseconds(0), 1);
  EXPECT_EQ(sizer.Next(), 256u);
  sizer.Report(0, 256, milliseconds(500));
  EXPECT_EQ(NextTimes(sizer, 2), (std::vector<size_t>{256, 256}));
}

TEST(BatchSizerTest, EmptyBatchesTellNothing) {
  BatchSizer sizer(1024, milliseconds(1), 1);
  sizer.Report(0, 0, milliseconds(5));
  EXPECT_EQ(sizer.Next(), 32u);
}

}  // namespace
}  // namespace sluice::detail
