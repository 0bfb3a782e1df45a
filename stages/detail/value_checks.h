// Internal helpers shared by the validate and aggregate stages (not installed): integral
// doubles, and value descriptions for error messages. (Exact comparison of ints with
// doubles is sluice::CompareNumbers, framework/value.h.)
#pragma once

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "framework/value.h"

namespace sluice::detail {

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

/// Appends "string \"abc\"", "int 42", "bool true" or "null": what a field holds, for
/// messages.
inline void AppendDescription(const Value& value, std::string& out) {
  out += TypeName(TypeOf(value));
  if (TypeOf(value) == ValueType::kNull) return;
  out += ' ';
  AppendShortJson(value, out);
}

/// AppendDescription's text as a string of its own.
inline std::string DescribeValue(const Value& value) {
  std::string out;
  AppendDescription(value, out);
  return out;
}

}  // namespace sluice::detail
