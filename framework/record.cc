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
  if (other.heap_ != nullptr) {
    heap_ = std::exchange(other.heap_, nullptr);
    heap_capacity_ = std::exchange(other.heap_capacity_, 0);
    size_ = std::exchange(other.size_, 0);
    return;
  }
  std::uninitialized_move_n(other.inline_fields(), other.size_, inline_fields());
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
  if (heap_ == nullptr || size_ == heap_capacity_) Reserve(size_t{size_} * 2);
  Field* field = new (heap_ + size_) Field{id, Value{}};
  ++size_;
  return field->value;
}

void Record::DestroyFields() {
  std::destroy_n(data(), size_);
  size_ = 0;
  if (heap_ != nullptr) {
    std::allocator<Field>().deallocate(heap_, heap_capacity_);
    heap_ = nullptr;
    heap_capacity_ = 0;
  }
}

void Record::Grow(size_t n) {
  Field* fields = std::allocator<Field>().allocate(n);
  std::uninitialized_move_n(data(), size_, fields);
  std::destroy_n(data(), size_);
  if (heap_ != nullptr) std::allocator<Field>().deallocate(heap_, heap_capacity_);
  heap_ = fields;
  heap_capacity_ = static_cast<uint32_t>(n);
}

void Record::AppendJson(std::string& out) const {
  out.push_back('{');
  bool first = true;
  for (const Field& f : fields()) {
    if (!first) out.push_back(',');
    first = false;
    out += FieldNames::JsonName(f.id);
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
