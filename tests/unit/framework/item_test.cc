#include "framework/item.h"

#include <gtest/gtest.h>

#include <cstring>
#include <stdexcept>
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
      Item& pushed = batch.AddRecord(std::move(record), i % 2 == 0 ? 0 : 7);
      EXPECT_EQ(pushed.line, i % 2 == 0 ? 0u : 7u);
      EXPECT_EQ(pushed.offset, 0u);
      EXPECT_FALSE(pushed.from_line());
      EXPECT_TRUE(pushed.ok());
      EXPECT_EQ(pushed.record.size(), 12u);
    }
    batch.Seal();
    ASSERT_EQ(batch.size(), 600u);
    EXPECT_FALSE(batch.items[1].from_line());  // Seal leaves records' views null
    EXPECT_EQ(batch.items[2].raw, "line 1");
    EXPECT_EQ(batch.items[2].line, 2u);
    EXPECT_EQ(batch.items[2].offset, 10u);
    EXPECT_TRUE(batch.items[2].record.empty());
    for (Item& item : batch.items) item.Fail(ErrorCode::kInvalidInput, "dirty the slot");
    batch.Clear();
    EXPECT_TRUE(batch.empty());
  }
}

// Items made from lines are told from items made from Records by their view, which Seal
// sets for every line, even in a batch of nothing but empty lines (its text is padding).
TEST(BatchTest, EveryLineHasAViewOnceSealedEvenAnEmptyOne) {
  Batch batch;
  batch.AddLine("", 1, 0);
  batch.AddLine("", 2, 1);
  EXPECT_FALSE(batch.items[0].from_line());  // not yet: Seal sets the views
  batch.Seal();
  for (const Item& item : batch.items) {
    EXPECT_TRUE(item.from_line());
    EXPECT_TRUE(item.raw.empty());
  }
}

// Seal finds each line's item by its place: a line item removed before Seal would have Seal
// write past the items (undefined behaviour), so it is refused instead.
TEST(BatchTest, SealRefusesABatchWhoseLineItemsWereRemoved) {
  Batch batch;
  batch.AddLine("kept", 1, 0);
  batch.AddLine("# skipped", 2, 5);
  batch.items.pop_back();
  EXPECT_FALSE(batch.LineItemsInPlace());
  EXPECT_THROW(batch.Seal(), std::logic_error);
}

// A source reads into the batch's own text (GrowText) and makes lines of it in place
// (AddTextLine): the raw views point into that text, bytes between lines (line ends) stay
// unread, and what follows the last line is dropped by Seal, which pads after that line.
TEST(BatchTest, LinesReadIntoTheTextAreViewedInPlace) {
  Batch batch;
  const std::string input = "ab\r\ncd\nef";  // "ef" is unfinished: no line of this batch
  std::memcpy(batch.GrowText(input.size() + 10), input.data(), input.size());
  batch.ShrinkText(input.size());  // 10 bytes asked for, not filled
  EXPECT_EQ(batch.text_bytes(), input.size());
  batch.AddTextLine(0, 2, 1, 100);
  batch.AddTextLine(4, 2, 2, 104);
  EXPECT_THROW(batch.AddTextLine(3, 1, 3, 103), std::out_of_range);  // before the last line
  EXPECT_THROW(batch.AddTextLine(8, 3, 3, 108), std::out_of_range);  // past the text
  EXPECT_THROW(batch.ShrinkText(5), std::out_of_range);              // into a line
  batch.Seal();
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_EQ(batch.items[0].raw, "ab");
  EXPECT_EQ(batch.items[1].raw, "cd");
  EXPECT_EQ(batch.items[1].line, 2u);
  EXPECT_EQ(batch.items[1].offset, 104u);
  EXPECT_EQ(batch.items[0].raw.data(), batch.text_data());  // no copy
  EXPECT_EQ(batch.text_bytes(), 6u);                        // "ef" dropped
  EXPECT_EQ(std::string(batch.items[1].raw.data() + 2, Batch::kRawPadding),
            std::string(Batch::kRawPadding, ' '));  // the padding

  // Growing a sealed batch gives its padding back first; the lines keep their text.
  std::memcpy(batch.GrowText(3), "gh\n", 3);
  batch.AddTextLine(6, 2, 3, 200);
  batch.AddLine("copied", 4, 300);
  batch.Seal();
  ASSERT_EQ(batch.size(), 4u);
  EXPECT_EQ(batch.items[0].raw, "ab");
  EXPECT_EQ(batch.items[2].raw, "gh");
  EXPECT_EQ(batch.items[3].raw, "copied");
  EXPECT_EQ(batch.text_bytes(), 6u + 3 + 6);
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
