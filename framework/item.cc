#include "framework/item.h"

#include <limits>
#include <stdexcept>

#include "framework/detail/error_reuse.h"

namespace sluice {

Verdict Item::Fail(ErrorCode code, std::string_view message) {
  std::unique_ptr<Error> failure = detail::NewError();
  failure->code = code;
  // Into a reused Error's memory, before the old Error goes: `message` may live in it.
  failure->message.assign(message);
  error = std::move(failure);
  return Verdict::kError;
}

Item& Batch::AddLine(std::string_view line, uint64_t line_number, uint64_t offset) {
  DropPadding();
  const size_t begin = text_.size();
  if (line.size() > kMaxTextBytes - begin) ThrowTextTooLarge();  // before a copy of it all
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

void Batch::Unseal() {
  text_.resize(text_.size() - kRawPadding);
  sealed_ = false;
}

void Batch::ThrowOutsideText() {
  throw std::out_of_range("Batch::AddTextLine outside the text or before its last line");
}

void Batch::ThrowTextTooLarge() {
  throw std::length_error("a batch's text over 4 GiB (a line that long cannot be batched)");
}

void Batch::Clear() {
  sequence = 0;
  items.clear();
  // source_name stays, for Pipeline's Prepare to keep where the name is the same.
  encoded.results.clear();
  encoded.errors.clear();
  encoded.failure = nullptr;
  text_.clear();
  lines_.clear();
  line_items_.clear();
  sealed_ = false;
}

bool Batch::LineItemsInPlace() const {
  // Indexes increase: the last is the largest. (An item removed and replaced goes unseen.)
  return line_items_.empty() || line_items_.back() < items.size();
}

void Batch::Seal() {
  if (!LineItemsInPlace()) {
    throw std::logic_error("Batch::Seal: line items were removed from the batch before Seal");
  }
  text_.resize(LinesEnd());  // text after the last line is no line's: drop it
  text_.resize(LinesEnd() + kRawPadding, ' ');
  sealed_ = true;
  for (size_t k = 0; k < line_items_.size(); ++k) {
    const LineSpan line = lines_[k];
    items[line_items_[k]].raw = std::string_view(text_.data() + line.begin, line.end - line.begin);
  }
}

}  // namespace sluice
