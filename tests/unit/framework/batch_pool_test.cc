#include "framework/detail/batch_pool.h"

#include <gtest/gtest.h>

#include <string>

namespace sluice::detail {
namespace {

// A batch that has held `lines` lines: its items vector has room for at least that many.
Batch UsedBatch(size_t lines, size_t line_bytes = 10) {
  Batch batch;
  for (size_t i = 0; i < lines; ++i) batch.AddLine(std::string(line_bytes, 'x'), i + 1, 0);
  batch.Seal();
  return batch;
}

TEST(BatchPoolTest, HandsBackKeptBatchesClearedWithTheirMemory) {
  BatchPool pool(/*batch_size=*/8, /*max_spares=*/2);
  pool.Give(UsedBatch(100));
  pool.Give(UsedBatch(100));
  for (int i = 0; i < 2; ++i) {
    Batch kept = pool.Take();
    EXPECT_TRUE(kept.empty());
    EXPECT_EQ(kept.text_bytes(), 0u);
    EXPECT_GE(kept.items.capacity(), 100u);  // not a new batch of room 8
  }
  EXPECT_EQ(pool.Take().items.capacity(), 8u);  // none left: a new one
}

TEST(BatchPoolTest, KeepsAtMostMaxSpares) {
  BatchPool pool(/*batch_size=*/8, /*max_spares=*/2);
  for (int i = 0; i < 3; ++i) pool.Give(UsedBatch(100));
  EXPECT_GE(pool.Take().items.capacity(), 100u);
  EXPECT_GE(pool.Take().items.capacity(), 100u);
  EXPECT_EQ(pool.Take().items.capacity(), 8u);  // the third was freed, not kept
}

TEST(BatchPoolTest, FreesBatchesThatGrewPastTheTextLimit) {
  BatchPool pool(/*batch_size=*/8, /*max_spares=*/4);
  pool.Give(UsedBatch(1, BatchPool::kMaxKeptTextBytes + 1));
  EXPECT_EQ(pool.Take().items.capacity(), 8u);
}

}  // namespace
}  // namespace sluice::detail
