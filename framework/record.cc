#include "framework/record.h"

#include <utility>

namespace sluice {

Record& Record::operator=(const Record& other) {
  if (this == &other) return *this;
  Clear();
  Reserve(other.size_);
  for (const Field& f : other.fields()) Append(f.id, f.value);
  return *this;
}

Record& Record::operator=(Record&& other) noexcept {
  if (this == &other) return *this;
  if (other.on_heap()) {
    heap_ = std::move(other.heap_);
    other.heap_.clear();
  } else {
    heap_.clear();
    for (uint32_t i = 0; i < other.size_; ++i) inline_[i] = std::move(other.inline_[i]);
  }
  size_ = other.size_;
  other.size_ = 0;
  return *this;
}

const Value* Record::Find(FieldId id) const {
  const Field* fields = data();
  for (uint32_t i = 0; i < size_; ++i) {
    if (fields[i].id == id) return &fields[i].value;
  }
  return nullptr;
}

Value* Record::Find(FieldId id) {
  return const_cast<Value*>(std::as_const(*this).Find(id));
}

void Record::Set(FieldId id, Value value) {
  if (Value* existing = Find(id)) {
    *existing = std::move(value);
  } else {
    Append(id, std::move(value));
  }
}

void Record::Append(FieldId id, Value value) {
  if (on_heap()) {
    heap_.push_back({id, std::move(value)});
  } else if (size_ < kInlineFields) {
    inline_[size_] = {id, std::move(value)};
  } else {
    Reserve(size_ + 1);
    heap_.push_back({id, std::move(value)});
  }
  ++size_;
}

void Record::Clear() {
  for (uint32_t i = 0; i < size_ && !on_heap(); ++i) inline_[i].value = std::monostate{};
  heap_.clear();
  size_ = 0;
}

void Record::Reserve(size_t n) {
  if (n <= kInlineFields || on_heap()) {
    if (on_heap()) heap_.reserve(n);
    return;
  }
  heap_.reserve(n);
  for (uint32_t i = 0; i < size_; ++i) heap_.push_back(std::move(inline_[i]));
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
