// Event time: reads a record's time field as epoch milliseconds, and prints epoch
// milliseconds as RFC 3339 UTC. Used by the aggregate stage's windows and the replay pacer.
//
//   sluice::EventTimeMs(sluice::Value{int64_t{1704067200}});          // 1704067200000 (s)
//   sluice::EventTimeMs(sluice::Value{int64_t{1704067200123}});       // 1704067200123 (ms)
//   sluice::EventTimeMs(sluice::Value{std::string("2024-01-01T01:00:00+01:00")});
//                                                                     // 1704067200000
//   sluice::Result<int64_t> t = sluice::ReadEventTimeMs(value);       // with the reason
//   if (!t.ok()) return item.Fail(t.error().code, "field 'ts': " + t.error().message);
//   sluice::FormatRfc3339Utc(1704067200123);                          // "2024-01-01T00:00:00.123Z"
//
// Accepted values:
//   - Numbers (int or double) are epoch time. A magnitude below 1e11 is read as SECONDS,
//     anything larger as MILLISECONDS (1e11 s is the year 5138; 1e11 ms is 1973-03-03, so
//     millisecond times before March 1973 are misread as seconds). Doubles keep their
//     fraction down to the millisecond, truncated towards the past; a value within 1 µs
//     of a whole millisecond snaps to it, which absorbs the binary rounding of decimal
//     fractions (1700000000.123 s -> ...123 ms, never ...122).
//   - Strings holding an optionally signed decimal integer ("1704067200") are read as the
//     number they hold (for text formats that carry no types).
//   - RFC 3339 strings: YYYY-MM-DD, 'T' (or 't' or one space), HH:MM:SS, an optional
//     fraction of any length (digits past milliseconds are truncated), then 'Z', 'z' or
//     +HH:MM / -HH:MM. A leap second (:60) counts as the next minute's :00.
//   - Times must lie in years 0000..9999 (what RFC 3339 can print); null, bools,
//     NaN/inf and anything else are errors (ErrorCode::kWrongType).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "framework/result.h"
#include "framework/value.h"

namespace sluice {

/// Earliest and latest accepted times: 0000-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z.
inline constexpr int64_t kMinEventTimeMs = -62167219200000;
inline constexpr int64_t kMaxEventTimeMs = 253402300799999;

/// The event time held by `value` in epoch milliseconds, or nullopt when it holds none.
std::optional<int64_t> EventTimeMs(const Value& value);

/// As EventTimeMs, with the reason on failure: an Error with code kWrongType and a
/// message such as `expected an epoch time or an RFC 3339 string, got bool true` or
/// `"2024-13-01T00:00:00Z" is not an RFC 3339 time: month 13 at character 6`.
/// Only the code and message are set; callers add the field name.
Result<int64_t> ReadEventTimeMs(const Value& value);

/// Parses an RFC 3339 date-time (see above); nullopt when `text` is not one. When `why`
/// is given, it receives the reason ("expected ':' at character 14").
std::optional<int64_t> ParseRfc3339Ms(std::string_view text, std::string* why = nullptr);

/// "2024-01-01T00:00:00Z", with ".mmm" when the milliseconds are not zero. Years outside
/// 0000..9999 are printed with as many digits as they need and a '-' sign before year 0.
std::string FormatRfc3339Utc(int64_t epoch_ms);
/// As FormatRfc3339Utc, appending to `out`.
void AppendRfc3339Utc(int64_t epoch_ms, std::string& out);

}  // namespace sluice
