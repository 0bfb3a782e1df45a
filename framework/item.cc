#include "framework/item.h"

#include <limits>
#include <stdexcept>

namespace sluice {

Verdict Item::Fail(ErrorCode code, std::string message) {
  error = std::make_unique<Error>();
  error->code = code;
  error->message = std::move(message);
  return Verdict::kError;
}

Item& Batch::AddLine(std::string_view line, uint64_t line_number, uint64_t offset) {
  DropPadding();
  const size_t begin = text_.size();
  text_.insert(text_.end(), line.begin(), line.end());
  return AddSpan(begin, text_.size(), line_number, offset);
}

char* Batch::GrowText(size_t bytes) {
  DropPadding();
  const size_t begin = text_.size();
  text_.resize(begin + bytes);
  return text_.data() + begin;
}

void Batch::ShrinkText(size_t bytes) {
  DropPadding();
  if (bytes < LinesEnd() || bytes > text_.size()) {
    throw std::out_of_range("Batch::ShrinkText past the text or into its lines");
  }
  text_.resize(bytes);
}

Item& Batch::AddTextLine(size_t begin, size_t length, uint64_t line_number, uint64_t offset) {
  DropPadding();
  if (begin < LinesEnd() || begin + length > text_.size()) {
    throw std::out_of_range("Batch::AddTextLine outside the text or before its last line");
  }
  return AddSpan(begin, begin + length, line_number, offset);
}

Item& Batch::AddSpan(size_t begin, size_t end, uint64_t line_number, uint64_t offset) {
  if (end > std::numeric_limits<uint32_t>::max()) throw std::length_error("batch text over 4 GiB");
  lines_.push_back({static_cast<uint32_t>(begin), static_cast<uint32_t>(end)});
  line_items_.push_back(static_cast<uint32_t>(items.size()));
  Item& item = NewItem();
  item.line = line_number;
  item.offset = offset;
  return item;
}

void Batch::DropPadding() {
  if (!sealed_) return;
  text_.resize(text_.size() - kRawPadding);
  sealed_ = false;
}

Item& Batch::NewItem() {
  // A recycled batch's items were last written on other cores, and an item's first line is
  // all that making one writes: fetch the lines a few items ahead, for writing.
  constexpr size_t kPrefetchAhead = 8;
  if (items.size() + kPrefetchAhead < items.capacity()) {
    __builtin_prefetch(items.data() + items.size() + kPrefetchAhead, /*rw=*/1);
  }
  return items.emplace_back();
}

Item& Batch::AddRecord(Record record) {
  Item& item = NewItem();
  item.record = std::move(record);
  return item;
}

void Batch::Clear() {
  sequence = 0;
  items.clear();
  encoded.results.clear();
  encoded.errors.clear();
  encoded.failure = nullptr;
  text_.clear();
  lines_.clear();
  line_items_.clear();
  sealed_ = false;
}

void Batch::Seal() {
  text_.resize(LinesEnd());  // text after the last line is no line's: drop it
  text_.resize(LinesEnd() + kRawPadding, ' ');
  sealed_ = true;
  for (size_t k = 0; k < line_items_.size(); ++k) {
    const LineSpan line = lines_[k];
    items[line_items_[k]].raw = std::string_view(text_.data() + line.begin, line.end - line.begin);
  }
}

}  // namespace sluice
