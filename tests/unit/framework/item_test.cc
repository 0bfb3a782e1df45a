#include "framework/item.h"

#include <gtest/gtest.h>

#include <string>

namespace sluice {
namespace {

// Items are made in recycled batches without zeroing them first (Item() is user-provided),
// so every member must still start fresh after a batch full of failed, filled items.
TEST(BatchTest, ItemsMadeAfterClearStartFresh) {
  Batch batch;
  for (int round = 0; round < 2; ++round) {
    SCOPED_TRACE(round);
    for (int i = 0; i < 300; ++i) {
      EXPECT_TRUE(batch.AddLine("line " + std::to_string(i), i + 1, 10 * i).ok());
      Record record;
      for (int f = 0; f < 12; ++f) record.Append(FieldNames::Intern("f" + std::to_string(f)), f);
      Item& pushed = batch.AddRecord(std::move(record));
      EXPECT_EQ(pushed.line, 0u);
      EXPECT_EQ(pushed.offset, 0u);
      EXPECT_TRUE(pushed.raw.empty());
      EXPECT_TRUE(pushed.ok());
      EXPECT_EQ(pushed.record.size(), 12u);
    }
    batch.Seal();
    ASSERT_EQ(batch.size(), 600u);
    EXPECT_EQ(batch.items[2].raw, "line 1");
    EXPECT_EQ(batch.items[2].line, 2u);
    EXPECT_EQ(batch.items[2].offset, 10u);
    EXPECT_TRUE(batch.items[2].record.empty());
    for (Item& item : batch.items) item.Fail(ErrorCode::kInvalidInput, "dirty the slot");
    batch.Clear();
    EXPECT_TRUE(batch.empty());
  }
}

// The members every item touches (error, raw, position) and the record's header share the
// first cache line; a record's fields come after them.
TEST(BatchTest, AnItemsOwnMembersFillItsFirstCacheLine) {
  EXPECT_EQ(alignof(Item), 64u);
  EXPECT_EQ(sizeof(Item) % 64, 0u);
  const Item item;
  const auto at = [&item](const void* member) {
    return static_cast<const char*>(member) - reinterpret_cast<const char*>(&item);
  };
  EXPECT_LT(at(&item.error), at(&item.record));
  EXPECT_LT(at(&item.offset), at(&item.record));
  EXPECT_LE(at(&item.record) + 16, 64);  // Record's header: size, heap capacity, heap pointer
}

}  // namespace
}  // namespace sluice
