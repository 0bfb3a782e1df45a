// Record: an ordered list of (field id, value) pairs, the unit stages work on.
//
//   sluice::Record r;
//   r.Set(sluice::FieldNames::Intern("user"), std::string("ada"));
//   r.Set(sluice::FieldNames::Intern("bytes"), int64_t{512});
//   r.ToJson();  // {"user":"ada","bytes":512}
#pragma once

#include <cstdint>
#include <new>
#include <span>
#include <string>
#include <utility>

#include "framework/field_names.h"
#include "framework/value.h"

namespace sluice {

struct Field {
  FieldId id = 0;
  Value value;
};

/// Holds up to kInlineFields fields in place: records are made on one thread and freed on
/// another, so a heap block per record would cost a malloc and a cross-thread free each.
/// The inline slots are raw storage: an empty Record touches none of them.
class Record {
 public:
  static constexpr uint32_t kInlineFields = 8;

  Record() {}  // NOLINT: leaves the inline slots uninitialised on purpose
  Record(const Record& other) : Record() { *this = other; }
  Record(Record&& other) noexcept : Record() { TakeFields(other); }
  Record& operator=(const Record& other);
  Record& operator=(Record&& other) noexcept {
    if (this != &other) {
      Clear();
      TakeFields(other);
    }
    return *this;
  }
  ~Record() { Clear(); }

  /// The value of field `id`, or nullptr. A linear scan: records hold few fields.
  const Value* Find(FieldId id) const {
    const Field* fields = data();
    for (uint32_t i = 0; i < size_; ++i) {
      if (fields[i].id == id) return &fields[i].value;
    }
    return nullptr;
  }
  Value* Find(FieldId id) { return const_cast<Value*>(std::as_const(*this).Find(id)); }
  /// Sets field `id`, replacing an existing value or appending a new field.
  void Set(FieldId id, Value value);
  /// Appends field `id` holding null and returns its value, for a parser to fill in place.
  /// No check for an existing field (parsers that know keys are new). The reference lasts
  /// until the next Append.
  Value& Append(FieldId id) {
    if (heap_ != nullptr || size_ == kInlineFields) return AppendOnHeap(id);
    Field* field = new (inline_fields() + size_) Field{id, Value{}};
    ++size_;
    return field->value;
  }
  void Append(FieldId id, Value value) { Append(id) = std::move(value); }
  void Clear() {
    // Inline, as records move and die empty often.
    if (size_ != 0 || heap_ != nullptr) DestroyFields();
  }
  /// Makes room for `n` fields (beyond kInlineFields they move to the heap once). Inline:
  /// parsers call it for every line, and it rarely has anything to do.
  void Reserve(size_t n) {
    if (n > (heap_ != nullptr ? heap_capacity_ : kInlineFields)) Grow(n);
  }

  std::span<const Field> fields() const { return {data(), size_}; }
  /// The value of the field at `position` (< size()), to change in place.
  Value& ValueAt(size_t position) { return data()[position].value; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  /// The record as one JSON object, fields in order.
  std::string ToJson() const;
  void AppendJson(std::string& out) const;

  friend bool operator==(const Record& a, const Record& b);

 private:
  Field* inline_fields() { return std::launder(reinterpret_cast<Field*>(inline_)); }
  const Field* inline_fields() const {
    return std::launder(reinterpret_cast<const Field*>(inline_));
  }
  Field* data() { return heap_ != nullptr ? heap_ : inline_fields(); }
  Value& AppendOnHeap(FieldId id);
  void Grow(size_t n);  // to `n` slots on the heap
  // Moves `other`'s fields into this empty record and empties `other`.
  void TakeFields(Record& other) noexcept {
    if (other.size_ != 0 || other.heap_ != nullptr) MoveFieldsFrom(other);
  }
  void MoveFieldsFrom(Record& other) noexcept;
  void DestroyFields();
  const Field* data() const { return heap_ != nullptr ? heap_ : inline_fields(); }

  // The header is 16 bytes, so that an Item's own members and its record's header share
  // one cache line (see Item): an empty record touches nothing else.
  uint32_t size_ = 0;
  uint32_t heap_capacity_ = 0;  // slots at heap_
  Field* heap_ = nullptr;       // the fields once past kInlineFields, else null
  alignas(Field) unsigned char inline_[kInlineFields * sizeof(Field)];  // fields [0, size_)
};

}  // namespace sluice
