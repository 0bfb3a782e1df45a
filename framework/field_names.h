// FieldNames: the process-wide table that turns field names into small integer ids,
// so that stages look fields up by id instead of comparing strings per record.
//
//   const sluice::FieldId bytes = sluice::FieldNames::Intern("bytes");  // at build time
//   if (const sluice::Value* v = record.Find(bytes)) ...                // per record
//   std::string_view name = sluice::FieldNames::Name(bytes);             // "bytes"
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace sluice {

using FieldId = uint32_t;

class FieldNames {
 public:
  /// Most distinct names the table holds; Intern fails beyond it (hostile inputs with
  /// endless distinct keys must not grow memory without bound). The table lives as long as
  /// the process, for every pipeline in it: names are never removed.
  static constexpr uint32_t kMaxFields = 1 << 20;

  /// The id of `name`, adding it if new. Thread-safe. nullopt when the table is full.
  static std::optional<FieldId> TryIntern(std::string_view name);
  /// As TryIntern, for names known at build time; throws std::length_error when full.
  static FieldId Intern(std::string_view name);
  /// The id of `name` if it was interned. Thread-safe.
  static std::optional<FieldId> Find(std::string_view name);
  /// The name of an interned id. Thread-safe; the view stays valid for the process.
  static std::string_view Name(FieldId id);
  /// Name(id) as a JSON string, quoted and escaped (as AppendJsonString writes it).
  static std::string_view JsonName(FieldId id);
};

}  // namespace sluice
