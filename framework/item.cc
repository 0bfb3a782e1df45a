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
  text_.resize(LinesEnd());  // drops the padding of an earlier Seal, if any
  if (text_.size() + line.size() > std::numeric_limits<uint32_t>::max()) {
    throw std::length_error("batch text over 4 GiB");
  }
  text_.insert(text_.end(), line.begin(), line.end());
  line_ends_.push_back(static_cast<uint32_t>(text_.size()));
  line_items_.push_back(static_cast<uint32_t>(items.size()));
  Item& item = NewItem();
  item.line = line_number;
  item.offset = offset;
  return item;
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
  line_ends_.clear();
  line_items_.clear();
}

void Batch::Seal() {
  text_.resize(LinesEnd() + kRawPadding, ' ');  // the same after a second Seal
  uint32_t begin = 0;
  for (size_t k = 0; k < line_items_.size(); ++k) {
    items[line_items_[k]].raw = std::string_view(text_.data() + begin, line_ends_[k] - begin);
    begin = line_ends_[k];
  }
}

}  // namespace sluice
