// Record: an ordered list of (field id, value) pairs, the unit stages work on.
//
//   sluice::Record r;
//   r.Set(sluice::FieldNames::Intern("user"), std::string("ada"));
//   r.Set(sluice::FieldNames::Intern("bytes"), int64_t{512});
//   r.ToJson();  // {"user":"ada","bytes":512}
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "framework/field_names.h"
#include "framework/value.h"

namespace sluice {

struct Field {
  FieldId id = 0;
  Value value;
};

/// Holds up to kInlineFields fields in place: records are made on one thread and freed on
/// another, so a heap block per record would cost a malloc and a cross-thread free each.
class Record {
 public:
  static constexpr uint32_t kInlineFields = 8;

  Record() = default;
  Record(const Record& other) { *this = other; }
  Record(Record&& other) noexcept { *this = std::move(other); }
  Record& operator=(const Record& other);
  Record& operator=(Record&& other) noexcept;

  /// The value of field `id`, or nullptr. A linear scan: records hold few fields.
  const Value* Find(FieldId id) const;
  Value* Find(FieldId id);
  /// Sets field `id`, replacing an existing value or appending a new field.
  void Set(FieldId id, Value value);
  /// Appends without checking for an existing field (parsers that know keys are new).
  void Append(FieldId id, Value value);
  void Clear();
  /// Makes room for `n` fields (beyond kInlineFields they move to the heap once).
  void Reserve(size_t n);

  std::span<const Field> fields() const { return {data(), size_}; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  /// The record as one JSON object, fields in order.
  std::string ToJson() const;
  void AppendJson(std::string& out) const;

  friend bool operator==(const Record& a, const Record& b);

 private:
  bool on_heap() const { return !heap_.empty(); }
  Field* data() { return on_heap() ? heap_.data() : inline_.data(); }
  const Field* data() const { return on_heap() ? heap_.data() : inline_.data(); }

  uint32_t size_ = 0;
  std::array<Field, kInlineFields> inline_{};
  std::vector<Field> heap_;  // all fields, once there are more than kInlineFields
};

}  // namespace sluice
