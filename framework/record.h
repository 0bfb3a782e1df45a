// Record: an ordered list of (field id, value) pairs, the unit stages work on.
//
//   sluice::Record r;
//   r.Set(sluice::FieldNames::Intern("user"), std::string("ada"));
//   r.Set(sluice::FieldNames::Intern("bytes"), int64_t{512});
//   r.ToJson();  // {"user":"ada","bytes":512}
#pragma once

#include <span>
#include <string>
#include <vector>

#include "framework/field_names.h"
#include "framework/value.h"

namespace sluice {

struct Field {
  FieldId id;
  Value value;
};

class Record {
 public:
  /// The value of field `id`, or nullptr. A linear scan: records hold few fields.
  const Value* Find(FieldId id) const;
  Value* Find(FieldId id);
  /// Sets field `id`, replacing an existing value or appending a new field.
  void Set(FieldId id, Value value);
  /// Appends without checking for an existing field (parsers that know keys are new).
  void Append(FieldId id, Value value) { fields_.push_back({id, std::move(value)}); }
  void Clear() { fields_.clear(); }
  void Reserve(size_t n) { fields_.reserve(n); }

  std::span<const Field> fields() const { return fields_; }
  size_t size() const { return fields_.size(); }
  bool empty() const { return fields_.empty(); }

  /// The record as one JSON object, fields in order.
  std::string ToJson() const;
  void AppendJson(std::string& out) const;

  friend bool operator==(const Record& a, const Record& b);

 private:
  std::vector<Field> fields_;
};

}  // namespace sluice
