// Value: one field value of a Record.
//
//   sluice::Value v = int64_t{42};
//   if (const int64_t* i = std::get_if<int64_t>(&v)) ...
//   std::string json;  sluice::AppendJson(v, json);   // "42"
#pragma once

#include <cmath>
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

namespace detail {
// An int64 against a double, exactly (the int is never rounded): -1, 0 or 1; every int
// sorts below NaN.
inline int CompareIntDouble(int64_t i, double d) {
  if (std::isnan(d)) return -1;
  constexpr double kTwo63 = 9223372036854775808.0;
  if (d >= kTwo63) return -1;
  if (d < -kTwo63) return 1;
  const double floor_d = std::floor(d);
  const auto whole = static_cast<int64_t>(floor_d);  // exact: |floor_d| <= 2^63, not 2^63
  if (i != whole) return i < whole ? -1 : 1;
  return floor_d == d ? 0 : -1;  // i == floor(d) < d when d has a fraction
}
}  // namespace detail

/// Compares two numbers (each an int or a double) by value, exactly: -1, 0 or 1. Ints are
/// never rounded (2^53 + 1 is above the double 2^53). A total order: -0.0 equals 0.0, and
/// NaN equals NaN and sorts after every other number. Both must hold a number.
inline int CompareNumbers(const Value& a, const Value& b) {
  const int64_t* ai = std::get_if<int64_t>(&a);
  const int64_t* bi = std::get_if<int64_t>(&b);
  if (ai && bi) return *ai < *bi ? -1 : (*ai > *bi ? 1 : 0);
  if (ai) return detail::CompareIntDouble(*ai, std::get<double>(b));
  if (bi) return -detail::CompareIntDouble(*bi, std::get<double>(a));
  const double x = std::get<double>(a), y = std::get<double>(b);
  if (x < y) return -1;
  if (x > y) return 1;
  if (x == y) return 0;
  return std::isnan(x) ? (std::isnan(y) ? 0 : 1) : -1;
}

/// Appends `v` as a JSON value (strings quoted and escaped; doubles in their shortest
/// round-trip form, a whole one with ".0": 76.0, 1e+21).
void AppendJson(const Value& v, std::string& out);

/// Length of the UTF-8 sequence starting at `text[i]`, or 0 when it is not well-formed
/// (overlong forms, surrogates and code points past U+10FFFF included).
size_t Utf8SequenceLength(std::string_view text, size_t i);

/// Appends `text` as a quoted, escaped JSON string; invalid UTF-8 bytes become U+FFFD.
void AppendJsonString(std::string_view text, std::string& out);

/// Appends `v` as plain text (strings unquoted, null as empty).
void AppendText(const Value& v, std::string& out);

/// Orders values for sorting group keys: null < bool < numbers < strings; numbers compare
/// as CompareNumbers does (exactly; NaN last), strings by their bytes. A total order.
int CompareValues(const Value& a, const Value& b);
/// The rank CompareValues orders types by: null 0, bool 1, numbers 2, strings 3.
int ValueTypeRank(const Value& v);

}  // namespace sluice
