#include "stages/line_checks.h"

#include <simdjson.h>

#include <cstring>
#include <string>

#include "framework/detail/json_stop_bytes.h"
#include "framework/value.h"

namespace sluice {
namespace {

constexpr uint64_t kHighBits = 0x8080808080808080ULL;  // none set: 8 ASCII bytes

}  // namespace

size_t FindInvalidUtf8(std::string_view text) {
  if (simdjson::validate_utf8(text.data(), text.size())) return std::string_view::npos;
  // Rare path (a bad line's message): find where, stepping over ASCII 8 bytes at a time.
  for (size_t i = 0; i < text.size();) {
    if (i + 8 <= text.size() && (detail::LoadWord(text.data() + i) & kHighBits) == 0) {
      i += 8;
      continue;
    }
    const size_t length = Utf8SequenceLength(text, i);
    if (length == 0) return i;
    i += length;
  }
  return std::string_view::npos;
}

std::string_view TrimBlanks(std::string_view text) {
  size_t begin = 0;
  size_t end = text.size();
  while (begin < end && IsBlank(text[begin])) ++begin;
  while (end > begin && IsBlank(text[end - 1])) --end;
  return text.substr(begin, end - begin);
}

std::string InvalidUtf8Message(std::string_view text) {
  const size_t bad = FindInvalidUtf8(text);
  return "invalid UTF-8 at column " + std::to_string(bad == std::string_view::npos ? 1 : bad + 1);
}

LineStatus CheckLine(Item& item, std::string_view& text, Utf8Check utf8) {
  if (!item.from_line()) return LineStatus::kNoText;
  text = item.raw;
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  size_t first_non_blank = 0;
  while (first_non_blank < text.size() && IsBlank(text[first_non_blank])) ++first_non_blank;
  if (first_non_blank == text.size()) {
    item.Fail(ErrorCode::kInvalidInput, "empty line");
    return LineStatus::kRejected;
  }
  if (const void* nul = std::memchr(text.data(), '\0', text.size())) {
    const size_t column = static_cast<const char*>(nul) - text.data() + 1;
    item.Fail(ErrorCode::kInvalidEncoding, "NUL byte at column " + std::to_string(column));
    return LineStatus::kRejected;
  }
  if (utf8 == Utf8Check::kValidate && !simdjson::validate_utf8(text.data(), text.size())) {
    item.Fail(ErrorCode::kInvalidEncoding, InvalidUtf8Message(text));
    return LineStatus::kRejected;
  }
  return LineStatus::kText;
}

}  // namespace sluice
