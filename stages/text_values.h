// Text values: the pieces the text parsers (parse_csv, parse_kv, parse_regex) share to
// turn the text of one field into a Value, plus a per-worker cache of field ids for
// parsers whose field names come from the input (parse_json, parse_kv).
//
//   sluice::InferValue("42", sluice::ValueTyping::kInfer);     // int64_t{42}
//   sluice::InferValue("1.5", sluice::ValueTyping::kInfer);    // 1.5
//   sluice::InferValue("true", sluice::ValueTyping::kInfer);   // true
//   sluice::InferValue("", sluice::ValueTyping::kInfer);       // null (std::monostate)
//   sluice::InferValue("42", sluice::ValueTyping::kString);    // std::string("42")
//
//   sluice::FieldIdCache ids;                                 // one per worker
//   std::optional<sluice::FieldId> id = ids.Intern(key, i);   // nullopt: the table is full
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "framework/field_names.h"
#include "framework/record.h"
#include "framework/string_set.h"
#include "framework/value.h"

namespace sluice {

/// How a text parser types its values (`types:` in the config).
enum class ValueTyping : uint8_t {
  kInfer,   // "42" -> int, "1.5" / "1e3" -> double, "true"/"false" -> bool, "" -> null
  kString,  // every value stays a string ("" too)
};

/// "infer" / "string" -> the typing; nullopt otherwise.
std::optional<ValueTyping> ValueTypingFromName(std::string_view name);

/// Types `text` under `typing`. Inference is strict and never trims: an optional '-',
/// digits -> int64 (digits beyond int64's range -> double); a JSON-style number with a
/// fraction or exponent -> double (one out of double's range, 1e999 or 1e-400, stays a
/// string); exactly "true" or "false" -> bool; "" -> null; anything else (" 42", "0x1F",
/// "nan", "TRUE") -> string.
Value InferValue(std::string_view text, ValueTyping typing);

/// Whether InferValue(text, kInfer) keeps `text` a string; without copying it. (A writer
/// quotes the strings it does not keep, so that they read back as strings.)
bool InfersAsString(std::string_view text);

/// Turns field names read from the input into FieldIds without taking FieldNames' shared
/// lock for every field: it remembers the names of the previous record by position (log
/// lines usually repeat their keys in the same order; a name is looked for one position
/// on too, for records that leave out an optional field) and up to kMaxNames names by
/// value.
/// One per worker; not thread-safe.
class FieldIdCache {
 public:
  static constexpr size_t kMaxNames = 4096;

  /// The id of `name` (interning it when new); nullopt when FieldNames is full.
  /// `position` is the field's index in its record, for the positional fast path.
  std::optional<FieldId> Intern(std::string_view name, size_t position) {
    return Lookup(name, position, /*intern=*/true);
  }
  /// The id of `name` if FieldNames has it, else nullopt (interning nothing).
  std::optional<FieldId> Find(std::string_view name, size_t position) {
    return Lookup(name, position, /*intern=*/false);
  }

 private:
  std::optional<FieldId> Lookup(std::string_view name, size_t position, bool intern);

  struct NameHash {  // seeded (HashBytes): names come from the input
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return HashBytes(s); }
  };
  std::vector<std::pair<std::string, FieldId>> by_position_;
  std::unordered_map<std::string, FieldId, NameHash, std::equal_to<>> by_name_;
};

/// Builds a record from input whose field names may repeat (JSON objects, key=value
/// lines): the last value wins, at the position of the first. O(1) per field through a
/// FieldId-indexed stamp table (and, for a repeat in a record of many fields, a
/// FieldId-indexed table of positions). One per worker; not thread-safe.
///
///   deduper.StartRecord();
///   deduper.Set(record, id, std::move(value));
class FieldDeduper {
 public:
  /// Call before the first Set of each record.
  void StartRecord() {
    if (++stamp_ == 0) {  // wrapped: forget every old stamp
      std::fill(stamps_.begin(), stamps_.end(), 0);
      stamp_ = 1;
      indexed_stamp_ = 0;
    }
  }
  /// Field `id`'s value in `record`: the one set earlier in this record, or a new null
  /// one, for the caller to fill in place. Lasts until the next Slot.
  Value& Slot(Record& record, FieldId id) {
    if (id >= stamps_.size()) stamps_.resize(static_cast<size_t>(id) + 1, 0);
    if (stamps_[id] == stamp_) return Repeated(record, id);
    stamps_[id] = stamp_;
    return record.Append(id);
  }
  void Set(Record& record, FieldId id, Value&& value) { Slot(record, id) = std::move(value); }

 private:
  // A key already set in this record: found by a scan while the record is small, else
  // through positions_, so that a line repeating thousands of keys is not quadratic.
  // Out of line: most records repeat no key.
  [[gnu::cold]] Value& Repeated(Record& record, FieldId id);

  std::vector<uint32_t> stamps_;  // FieldId -> stamp of the record it was last set in
  uint32_t stamp_ = 0;
  // FieldId -> position in the record stamped indexed_stamp_, for its first indexed_ fields.
  std::vector<uint32_t> positions_;
  uint32_t indexed_stamp_ = 0;
  size_t indexed_ = 0;
};

}  // namespace sluice
