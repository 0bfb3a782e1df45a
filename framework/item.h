// Item and Batch: what flows between stages.
//
// An Item is a Result<Record> plus where it came from: either a record that is ok so far,
// or an Error that travels, untouched by later stages, to the collector. Queues carry
// Batches of items (up to QueueOptions::batch, 1024 by default), never single items: one
// hand-off between threads costs about as much as parsing a whole line.
//
//   sluice::Batch batch;
//   batch.AddLine(R"({"user":"ada"})", /*line_number=*/1, /*offset=*/0);
//   batch.Seal();                      // items[i].raw now points into batch's own text
//   batch.items[0].Fail(sluice::ErrorCode::kInvalidInput, "expected ','");  // Verdict::kError
#pragma once

#include <algorithm>
#include <cstdint>
#include <exception>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "framework/error.h"
#include "framework/record.h"

namespace sluice {

/// What a stage decided about one record.
enum class Verdict : uint8_t {
  kPass,    // ok: hand the record to the next stage (or to the results)
  kFilter,  // dropped on purpose (counted as filtered)
  kError,   // failed: item.error says why (use Item::Fail)
  kAbsorb,  // consumed into the stage's state (aggregates): counted ok, not passed on
};

/// 64-byte aligned, with the record's fields last: an item's own members and its record's
/// header fill the first cache line, so an empty or failed item is one line to make, hand
/// to another core and free.
struct alignas(64) Item {
  std::unique_ptr<Error> error;  // set once the item failed
  /// The raw input line, valid while its Batch lives. Batch::Seal points it into the
  /// batch's text, even for an empty line (never null then), and leaves at least
  /// Batch::kRawPadding readable bytes after it, so that a parser may read ahead (simdjson
  /// does); a stage that points it elsewhere must keep both. Null for an item made from a
  /// Record (Batch::AddRecord): see from_line().
  std::string_view raw;
  uint64_t line = 0;    // 1-based input line, or a record's number (0 when it has none)
  uint64_t offset = 0;  // byte offset of the line in the input; 0 for a record
  Record record;

  // User-provided, so that making an item writes its first line only (value-initialising
  // the implicit one zeroes all 448 bytes first). Batch prefetches those lines.
  Item() {}  // NOLINT(modernize-use-equals-default)
  /// An ok item holding `moved`'s fields, numbered `number` (Batch::AddRecord).
  Item(Record&& moved, uint64_t number) : line(number), record(std::move(moved)) {}

  bool ok() const { return error == nullptr; }
  /// True when the item came from a line of text, even an empty one; false when it was
  /// made from a Record (pushed, or by a source), which has no raw text.
  bool from_line() const { return raw.data() != nullptr; }
  /// Marks the item failed with `code` and `message`; the runner fills in the stage,
  /// position and excerpt. Returns Verdict::kError so that stages can `return item.Fail(...)`.
  Verdict Fail(ErrorCode code, std::string_view message);
};

namespace detail {

/// Fetches the item `distance` items after `item` for writing (PREFETCHW where the build has
/// it, CMakeLists.txt), or the last one before `end` where it lies past that: past the end,
/// the line may be one that another core is writing. Reckoned on integers: the address
/// ahead may lie past the array (a prefetch never faults), and a clamp on pointers took a
/// division by sizeof(Item) (15 instructions an item, where this takes 4). Where `end` is
/// null (no items allocated) it fetches a low address, for nothing. Always inlined: called,
/// a function that only prefetches is pure to GCC 12, which then drops the call.
[[gnu::always_inline]] inline void PrefetchAhead(const Item* item, size_t distance,
                                                 const Item* end) {
  const uintptr_t ahead = reinterpret_cast<uintptr_t>(item) + distance * sizeof(Item);
  const uintptr_t last = reinterpret_cast<uintptr_t>(end) - sizeof(Item);
  // NOLINTNEXTLINE(performance-no-int-to-ptr): only prefetched, never dereferenced
  __builtin_prefetch(reinterpret_cast<const void*>(std::min(ahead, last)), /*rw=*/1);
}

}  // namespace detail

struct Batch {
  /// Readable bytes after every raw line once sealed (simdjson's SIMDJSON_PADDING).
  static constexpr size_t kRawPadding = 64;
  /// The most text a batch holds: its lines are 32-bit spans. Adding past it throws
  /// std::length_error.
  static constexpr size_t kMaxTextBytes = std::numeric_limits<uint32_t>::max();

  uint64_t sequence = 0;  // position in the input, for ordered fan-in
  std::vector<Item> items;
  /// The input's name for its errors' positions; the pipeline sets it as the batch enters.
  std::shared_ptr<const std::string> source_name;
  /// The items as output bytes, made on the worker when the pipeline has encoders
  /// (Pipeline::EncodeResults, EncodeErrors); the collector writes them out.
  struct Encoded {
    std::string results;
    std::string errors;
    std::exception_ptr failure;  // what an encoder threw
  } encoded;
  /// Errors of items this batch carried before, emitted and kept for Item::Fail to reuse
  /// when the batch comes round again (detail/error_reuse.h). Clear keeps them.
  std::vector<std::unique_ptr<Error>> spare_errors;

  /// Appends an item holding a copy of `line`. Its raw view is set by Seal(). Throws
  /// std::length_error, before copying, when the text would pass kMaxTextBytes.
  Item& AddLine(std::string_view line, uint64_t line_number, uint64_t offset);
  /// For a source that reads into the batch itself, so that its lines need no copy: makes
  /// room for `bytes` more bytes at the end of the text and returns where they start
  /// (valid until the text grows again). Unfilled room is given back with ShrinkText.
  char* GrowText(size_t bytes);
  /// Keeps the text's first `bytes` bytes (no fewer than its lines cover).
  void ShrinkText(size_t bytes);
  /// The text read through GrowText.
  const char* text_data() const { return text_.data(); }
  /// Appends an item whose line is the `length` bytes at `begin` in the text (read there
  /// through GrowText): no copy. Lines are added in text order; text no line covers is
  /// dropped by Seal.
  Item& AddTextLine(size_t begin, size_t length, uint64_t line_number, uint64_t offset);
  /// Appends an item holding `record` (no raw text), numbered `number` (Item::line: its
  /// place in the input, 0 when it has none). Two overloads rather than one by value: a
  /// moved record then moves once, straight into its item.
  Item& AddRecord(Record&& record, uint64_t number = 0);
  Item& AddRecord(const Record& record, uint64_t number = 0);
  /// Points every line item's raw view at this batch's text, drops the text after the last
  /// line and pads it with kRawPadding bytes. Call once all lines are in (the pipeline calls
  /// it as the batch enters). Items must not be reordered or removed before (a source that
  /// skips a line adds no item for it): Seal throws std::logic_error for a missing one.
  void Seal();
  /// Seal's check: false when line items were removed. The pipeline checks it as a
  /// source's Read returns, and fails the run as for a Read that throws.
  bool LineItemsInPlace() const;
  /// Empties the batch for reuse, keeping its memory (see detail/batch_pool.h) and its
  /// source_name, which the pipeline sets again as the batch enters.
  void Clear();
  bool empty() const { return items.empty(); }
  size_t size() const { return items.size(); }
  /// Bytes of raw text held (without the padding).
  size_t text_bytes() const { return text_.size() - (sealed_ ? kRawPadding : 0); }

 private:
  // Leaves new bytes uninitialised: a source reads over them at once.
  struct RawAllocator : std::allocator<char> {
    template <class U>
    struct rebind {
      using other = RawAllocator;
    };
    void construct(char* p) const noexcept { ::new (static_cast<void*>(p)) char; }
    void construct(char* p, char c) const noexcept { ::new (static_cast<void*>(p)) char(c); }
  };
  struct LineSpan {
    uint32_t begin, end;  // in text_
  };

  template <class... Args>
  Item& NewItem(Args&&... args);  // items.emplace_back(args...), prefetching the items to come
  Item& AddSpan(size_t begin, size_t end, uint64_t line_number, uint64_t offset);
  size_t LinesEnd() const { return lines_.empty() ? 0 : lines_.back().end; }
  void DropPadding() {
    if (sealed_) Unseal();
  }
  void Unseal();
  [[noreturn]] static void ThrowOutsideText();
  [[noreturn]] static void ThrowTextTooLarge();

  std::vector<char, RawAllocator> text_;  // the lines, then padding once sealed; moves keep views
  std::vector<LineSpan> lines_;           // each line item's text, for Seal()
  std::vector<uint32_t> line_items_;      // index of each line item
  bool sealed_ = false;                   // text_ ends in kRawPadding bytes of padding
};

// Inline: a source calls these for every line or record it reads. AddRecord builds the
// item around the moved record (no empty record made first, then assigned to), and inlined
// the compiler drops most checks of the moved-from records (BENCHMARKS.md, section 1).

inline Item& Batch::AddTextLine(size_t begin, size_t length, uint64_t line_number,
                                uint64_t offset) {
  DropPadding();
  if (begin < LinesEnd() || begin + length > text_.size()) ThrowOutsideText();
  return AddSpan(begin, begin + length, line_number, offset);
}

inline Item& Batch::AddSpan(size_t begin, size_t end, uint64_t line_number, uint64_t offset) {
  if (end > kMaxTextBytes) ThrowTextTooLarge();
  lines_.push_back({static_cast<uint32_t>(begin), static_cast<uint32_t>(end)});
  line_items_.push_back(static_cast<uint32_t>(items.size()));
  Item& item = NewItem();
  item.line = line_number;
  item.offset = offset;
  return item;
}

inline Item& Batch::AddRecord(Record&& record, uint64_t number) {
  return NewItem(std::move(record), number);
}

inline Item& Batch::AddRecord(const Record& record, uint64_t number) {
  return NewItem(Record(record), number);
}

template <class... Args>
inline Item& Batch::NewItem(Args&&... args) {
  // A recycled batch's items were last written on other cores, and an item's first line is
  // all that making one writes: fetch the lines a few items ahead, for writing (a plain
  // prefetch gets the line shared, and the store then waits on a second trip to the other
  // core).
  constexpr size_t kPrefetchAhead = 8;
  detail::PrefetchAhead(std::to_address(items.end()), kPrefetchAhead,
                        items.data() + items.capacity());
  return items.emplace_back(std::forward<Args>(args)...);
}

}  // namespace sluice
