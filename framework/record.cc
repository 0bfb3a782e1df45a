#include "framework/record.h"

#include <memory>
#include <utility>

namespace sluice {

Record& Record::operator=(const Record& other) {
  if (this == &other) return *this;
  Clear();
  Reserve(other.size_);
  for (const Field& f : other.fields()) Append(f.id, f.value);
  return *this;
}

void Record::MoveFieldsFrom(Record& other) noexcept {
  if (other.on_heap_) {
    heap_ = std::move(other.heap_);
    on_heap_ = true;
  } else {
    for (uint32_t i = 0; i < other.size_; ++i) {
      new (inline_fields() + i) Field(std::move(other.inline_fields()[i]));
    }
  }
  size_ = other.size_;
  other.Clear();
}

void Record::Set(FieldId id, Value value) {
  if (Value* existing = Find(id)) {
    *existing = std::move(value);
  } else {
    Append(id, std::move(value));
  }
}

Value& Record::AppendOnHeap(FieldId id) {
  if (!on_heap_) Reserve(size_ + 1);  // the inline slots are full: move them to the heap
  ++size_;
  return heap_.emplace_back(Field{id, Value{}}).value;
}

void Record::DestroyFields() {
  if (on_heap_) {
    heap_.clear();
    on_heap_ = false;
  } else {
    std::destroy_n(inline_fields(), size_);
  }
  size_ = 0;
}

void Record::Reserve(size_t n) {
  if (on_heap_) {
    heap_.reserve(n);
    return;
  }
  if (n <= kInlineFields) return;
  heap_.reserve(n);
  for (uint32_t i = 0; i < size_; ++i) heap_.push_back(std::move(inline_fields()[i]));
  std::destroy_n(inline_fields(), size_);
  on_heap_ = true;
}

void Record::AppendJson(std::string& out) const {
  out.push_back('{');
  bool first = true;
  for (const Field& f : fields()) {
    if (!first) out.push_back(',');
    first = false;
    AppendJsonString(FieldNames::Name(f.id), out);
    out.push_back(':');
    sluice::AppendJson(f.value, out);
  }
  out.push_back('}');
}

std::string Record::ToJson() const {
  std::string out;
  AppendJson(out);
  return out;
}

bool operator==(const Record& a, const Record& b) {
  if (a.size_ != b.size_) return false;
  for (uint32_t i = 0; i < a.size_; ++i) {
    if (a.data()[i].id != b.data()[i].id || a.data()[i].value != b.data()[i].value) return false;
  }
  return true;
}

}  // namespace sluice
