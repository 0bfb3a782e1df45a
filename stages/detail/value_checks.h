// Internal helpers shared by the validate and aggregate stages (not installed): exact
// comparison of ints with doubles, and value descriptions for error messages.
#pragma once

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "framework/value.h"

namespace sluice::detail {

/// Compares an int64 with a double exactly (no rounding of the int): -1, 0 or 1.
/// NaN compares above every int (callers reject NaN before they care).
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

/// Compares two numbers (each an int or a double) exactly: -1, 0 or 1. Doubles compare
/// with <, so -0.0 == 0.0 and NaN is unordered (reported as 0 against NaN, 1 against others).
inline int CompareNumbers(const Value& a, const Value& b) {
  const int64_t* ai = std::get_if<int64_t>(&a);
  const int64_t* bi = std::get_if<int64_t>(&b);
  if (ai && bi) return *ai < *bi ? -1 : (*ai > *bi ? 1 : 0);
  if (ai) return CompareIntDouble(*ai, std::get<double>(b));
  if (bi) return -CompareIntDouble(*bi, std::get<double>(a));
  const double x = std::get<double>(a), y = std::get<double>(b);
  if (x < y) return -1;
  if (x > y) return 1;
  if (x == y) return 0;
  return std::isnan(x) ? (std::isnan(y) ? 0 : 1) : -1;
}

/// The int a double equals, when it is integral and inside int64's range.
inline std::optional<int64_t> IntegralValue(double d) {
  constexpr double kTwo63 = 9223372036854775808.0;
  if (!(d >= -kTwo63 && d < kTwo63) || d != std::floor(d)) return std::nullopt;
  return static_cast<int64_t>(d);
}

inline bool IsNumber(const Value& v) {
  return std::holds_alternative<int64_t>(v) || std::holds_alternative<double>(v);
}

/// Appends `value` as JSON, cut to about `max_bytes` with "..." (long strings in messages);
/// NaN and infinities, which JSON cannot hold, appear as NaN, inf and -inf.
inline void AppendShortJson(const Value& value, std::string& out, size_t max_bytes = 64) {
  if (const double* d = std::get_if<double>(&value); d && !std::isfinite(*d)) {
    out += std::isnan(*d) ? "NaN" : (*d > 0 ? "inf" : "-inf");
    return;
  }
  const size_t start = out.size();
  AppendJson(value, out);
  if (out.size() - start > max_bytes) {
    size_t cut = start + max_bytes;
    // Do not split a UTF-8 sequence: back up to a lead byte.
    while (cut > start && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out.resize(cut);
    out += "...";
    if (std::holds_alternative<std::string>(value)) out += '"';
  }
}

/// "string \"abc\"", "int 42", "bool true", "null": what a field holds, for messages.
inline std::string DescribeValue(const Value& value) {
  std::string out(TypeName(TypeOf(value)));
  if (TypeOf(value) == ValueType::kNull) return out;
  out += ' ';
  AppendShortJson(value, out);
  return out;
}

}  // namespace sluice::detail
