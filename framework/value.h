// Value: one field value of a Record.
//
//   sluice::Value v = int64_t{42};
//   if (const int64_t* i = std::get_if<int64_t>(&v)) ...
//   std::string json;  sluice::AppendJson(v, json);   // "42"
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace sluice {

/// A field value. The alternatives' order matches ValueType.
using Value = std::variant<std::monostate, bool, int64_t, double, std::string>;

enum class ValueType : uint8_t { kNull, kBool, kInt, kDouble, kString };

/// The type held by `v`.
inline ValueType TypeOf(const Value& v) { return static_cast<ValueType>(v.index()); }

/// Sets `out` to a copy of `text`, copying its bytes once. (`out.emplace<std::string>(text)`
/// copies them twice: libstdc++ builds a temporary string first, since a string may throw
/// while it is made and the variant must never be left without a value.)
inline void SetString(Value& out, std::string_view text) {
  out.emplace<std::string>().assign(text);  // making an empty string cannot throw
}

/// "null", "bool", "int", "double", "string".
std::string_view TypeName(ValueType type);

/// The value as a number (int or double); false when it is neither.
bool AsDouble(const Value& v, double& out);

/// Appends `v` as a JSON value (strings quoted and escaped; doubles shortest round-trip).
void AppendJson(const Value& v, std::string& out);

/// Length of the UTF-8 sequence starting at `text[i]`, or 0 when it is not well-formed
/// (overlong forms, surrogates and code points past U+10FFFF included).
size_t Utf8SequenceLength(std::string_view text, size_t i);

/// Appends `text` as a quoted, escaped JSON string; invalid UTF-8 bytes become U+FFFD.
void AppendJsonString(std::string_view text, std::string& out);

/// Appends `v` as plain text (strings unquoted, null as empty).
void AppendText(const Value& v, std::string& out);

/// Orders values for sorting group keys: null < bool < numbers < strings; ints and
/// doubles compare by numeric value.
int CompareValues(const Value& a, const Value& b);

}  // namespace sluice
