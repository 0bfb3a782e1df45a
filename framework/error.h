// Error: why one record failed. Errors are data: the failed record's item carries one
// to the collector, untouched by later stages.
//
//   sluice::Error e{.code = sluice::ErrorCode::kMissingField,
//                   .message = "missing required field 'ts'"};
//   sluice::ErrorCodeName(e.code);  // "missing_field"
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice {

enum class ErrorCode : uint8_t {
  kInvalidInput,       // malformed record: bad JSON/CSV/key-value, no regex match, empty line
  kInvalidEncoding,    // invalid UTF-8 or NUL bytes
  kTooLarge,           // line longer than max_line_bytes
  kMissingField,       // a required field is absent
  kWrongType,          // a field has the wrong type
  kOutOfRange,         // a number outside min..max
  kNotAllowed,         // a value outside one_of
  kStageFailure,       // the stage threw an exception
  kResourceExhausted,  // the stage ran out of memory (std::bad_alloc)
  kInternal,           // a bug in sluice
};
inline constexpr int kErrorCodeCount = static_cast<int>(ErrorCode::kInternal) + 1;

/// snake_case name of a code, as in reports and dead letters ("missing_field").
std::string_view ErrorCodeName(ErrorCode code);
/// The code named `name`, or nullopt.
std::optional<ErrorCode> ErrorCodeFromName(std::string_view name);

// A member added here must also be reset in detail::NewError (framework/detail/
// error_reuse.cc), which reuses Errors.
struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message{};  // what is wrong, for people
  std::string stage{};    // name of the stage that failed the record
  std::string source{};   // input name (file path, "stdin", "push")
  uint64_t line = 0;      // 1-based input line, or a pushed record's number among records
  uint64_t offset = 0;    // byte offset of the line's start in the input; 0 for a record
  // The start of the raw input (at most kMaxExcerptBytes; an ErrorEncoder gets the whole
  // line instead while its batch still holds it, see detail::Collector::EncodeError).
  std::string excerpt{};
  // Bytes of the whole raw input (the line without its line end, or a pushed record's
  // JSON); more than excerpt.size() when the excerpt was cut. 0 when not known.
  uint64_t raw_bytes = 0;

  static constexpr size_t kMaxExcerptBytes = 256;

  /// True when `excerpt` holds only the start of the raw input.
  bool excerpt_truncated() const { return raw_bytes > excerpt.size(); }

  /// One JSON object: {"source","line","offset","stage","code","message","raw"}, followed
  /// by "raw_truncated":true,"raw_bytes":N when the excerpt was cut.
  std::string ToJson() const;
  /// Appends ToJson()'s text to `out` (a writer's buffer: no string of its own).
  void AppendJson(std::string& out) const;
  /// "file:line: stage: code: message", on one line: control characters (a line break in a
  /// file name, say) are written as \u00XX (\u000a).
  std::string ToString() const;
};

}  // namespace sluice
