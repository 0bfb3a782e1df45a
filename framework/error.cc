#include "framework/error.h"

#include <array>
#include <charconv>

#include "framework/detail/control_characters.h"
#include "framework/value.h"

namespace sluice {
namespace {

constexpr std::array<std::string_view, kErrorCodeCount> kNames = {
    "invalid_input", "invalid_encoding", "too_large",     "missing_field",      "wrong_type",
    "out_of_range",  "not_allowed",      "stage_failure", "resource_exhausted", "internal",
};

}  // namespace

std::string_view ErrorCodeName(ErrorCode code) { return kNames[static_cast<size_t>(code)]; }

std::optional<ErrorCode> ErrorCodeFromName(std::string_view name) {
  for (size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<ErrorCode>(i);
  }
  return std::nullopt;
}

std::string Error::ToJson() const {
  std::string out;
  AppendJson(out);
  return out;
}

void Error::AppendJson(std::string& out) const {
  const auto append_number = [&out](uint64_t n) {
    char digits[20];
    out.append(digits, std::to_chars(digits, digits + sizeof digits, n).ptr);
  };
  out += "{\"source\":";
  AppendJsonString(source, out);
  out += ",\"line\":";
  append_number(line);
  out += ",\"offset\":";
  append_number(offset);
  out += ",\"stage\":";
  AppendJsonString(stage, out);
  out += ",\"code\":\"";
  out += ErrorCodeName(code);  // snake_case: nothing to escape
  out += "\",\"message\":";
  AppendJsonString(message, out);
  out += ",\"raw\":";
  AppendJsonString(excerpt, out);
  if (excerpt_truncated()) {  // a reader must not take the excerpt for the whole line
    out += ",\"raw_truncated\":true,\"raw_bytes\":";
    append_number(raw_bytes);
  }
  out += '}';
}

std::string Error::ToString() const {
  std::string text = source.empty() ? "<input>" : source;
  if (line > 0) text += ":" + std::to_string(line);
  text += ": ";
  if (!stage.empty()) text += stage + ": ";
  text += std::string(ErrorCodeName(code)) + ": " + message;
  std::string out;  // one line, for a terminal: a file name or a stage's message may hold any byte
  detail::AppendEscapingControls(text, out);
  return out;
}

}  // namespace sluice
