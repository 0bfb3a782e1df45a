#include "stages/detail/json_structure.h"

#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "framework/value.h"

namespace sluice::detail {
namespace {

bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string Kind(char opener) { return opener == '{' ? "object" : "array"; }

// The code unit of the \u escape at line[at] (its backslash); nullopt without 4 hex digits.
std::optional<unsigned> CodeUnitAt(std::string_view line, size_t at) {
  if (at + 6 > line.size() || line[at] != '\\' || line[at + 1] != 'u') return std::nullopt;
  unsigned unit = 0;
  for (size_t k = at + 2; k < at + 6; ++k) {
    const char c = line[k];
    const int digit = c >= '0' && c <= '9'   ? c - '0'
                      : c >= 'a' && c <= 'f' ? c - 'a' + 10
                      : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                             : -1;
    if (digit < 0) return std::nullopt;
    unit = unit * 16 + static_cast<unsigned>(digit);
  }
  return unit;
}

// What is wrong with the escape whose backslash is at line[at], if anything; `length` gets
// how many bytes it spans.
std::optional<std::string> BadEscape(std::string_view line, size_t at, size_t& length) {
  length = 2;
  if (at + 1 == line.size()) return std::nullopt;  // the string is unterminated
  const char kind = line[at + 1];
  if (kind != 'u') {
    if (std::string_view("\"\\/bfnrt").find(kind) != std::string_view::npos) return std::nullopt;
    // The whole character after the backslash, not its first byte; parse_json leaves
    // UTF-8 to simdjson, so the line may be invalid here, and a message must stay valid.
    const size_t character = Utf8SequenceLength(line, at + 1);
    if (character == 0) return std::string("invalid escape: '\\' before a byte that is not UTF-8");
    return "invalid escape '\\" + std::string(line.substr(at + 1, character)) + "' in a string";
  }
  const std::optional<unsigned> unit = CodeUnitAt(line, at);
  if (!unit) return std::string("\\u must be followed by 4 hex digits");
  length = 6;
  if (*unit >= 0xDC00 && *unit <= 0xDFFF) return std::string("\\u escape of a lone low surrogate");
  if (*unit < 0xD800 || *unit > 0xDBFF) return std::nullopt;
  const std::optional<unsigned> low = CodeUnitAt(line, at + 6);
  if (!low || *low < 0xDC00 || *low > 0xDFFF) {
    return std::string("\\u escape of a high surrogate without a low one after it");
  }
  length = 12;
  return std::nullopt;
}

}  // namespace

std::optional<JsonStructureProblem> FindJsonStructureProblem(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && IsJsonSpace(line[i])) ++i;
  if (i == line.size() || line[i] != '{') return std::nullopt;
  std::vector<size_t> open;  // positions of the unclosed brackets, innermost last
  bool closed = false;       // the object has ended: only spaces may follow
  // What an object's grammar wants next: a key or its end (after '{'), a key (after a
  // comma), the colon (after a key); anything (a value, or inside an array).
  enum class Due { kAny, kKeyOrEnd, kKey, kColon } due = Due::kAny;
  for (; i < line.size(); ++i) {
    const char c = line[i];
    if (closed) {
      if (IsJsonSpace(c)) continue;
      return JsonStructureProblem{i + 1, "unexpected content after the JSON object"};
    }
    const Due was_due = due;
    if (due != Due::kAny && !IsJsonSpace(c)) {
      if (due == Due::kColon && c != ':') {
        return JsonStructureProblem{i + 1, "expected ':' after the key"};
      }
      if (c == '}' && due == Due::kKey) {
        return JsonStructureProblem{i + 1, "a comma before '}' (JSON has no trailing commas)"};
      }
      if (due != Due::kColon && c != '"' && c != '}') {
        return JsonStructureProblem{i + 1, "expected a key (a string in double quotes)"};
      }
      due = Due::kAny;
    }
    if (c == ',' && !open.empty() && line[open.back()] == '{') due = Due::kKey;
    if (c == '"') {
      const size_t start = i;
      for (++i;; ++i) {
        if (i >= line.size()) return JsonStructureProblem{start + 1, "unterminated string"};
        const auto byte = static_cast<unsigned char>(line[i]);
        if (byte == '"') break;
        if (byte == '\\') {
          size_t length = 0;
          if (std::optional<std::string> bad = BadEscape(line, i, length)) {
            return JsonStructureProblem{i + 1, std::move(*bad)};
          }
          i += length - 1;  // past the end, the string is unterminated
        } else if (byte < 0x20) {
          return JsonStructureProblem{i + 1, "control character inside a string must be escaped"};
        }
      }
      if (was_due == Due::kKeyOrEnd || was_due == Due::kKey) due = Due::kColon;
    } else if (c == '{' || c == '[') {
      open.push_back(i);
      if (c == '{') due = Due::kKeyOrEnd;
    } else if (c == '}' || c == ']') {  // never with `open` empty: `closed` is set then
      const char expected_opener = c == '}' ? '{' : '[';
      const char opener = line[open.back()];
      if (opener != expected_opener) {
        return JsonStructureProblem{i + 1, std::string("'") + c + "' closes the " + Kind(opener) +
                                               " opened at column " +
                                               std::to_string(open.back() + 1)};
      }
      open.pop_back();
      closed = open.empty();
    }
  }
  if (open.empty()) return std::nullopt;
  return JsonStructureProblem{line.size() + 1, "the line ends inside the " +
                                                   Kind(line[open.back()]) + " opened at column " +
                                                   std::to_string(open.back() + 1)};
}

std::optional<JsonStructureProblem> FindMismatchedBracket(std::string_view value,
                                                          size_t column_of_value,
                                                          std::vector<size_t>& open) {
  open.clear();
  for (size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (c == '"') {  // to the closing quote (simdjson found every string closed): memchr's
      const size_t opening = i;  // pace, as the bytes of a long string are most of a line
      for (;;) {
        const void* quote = std::memchr(value.data() + i + 1, '"', value.size() - i - 1);
        if (quote == nullptr) return std::nullopt;
        i = static_cast<size_t>(static_cast<const char*>(quote) - value.data());
        size_t backslashes = 0;  // before the quote: an odd run escapes it
        while (i - backslashes - 1 > opening && value[i - backslashes - 1] == '\\') ++backslashes;
        if (backslashes % 2 == 0) break;
      }
    } else if (c == '{' || c == '[') {
      open.push_back(i);
    } else if ((c == '}' || c == ']') && !open.empty()) {
      const char opener = value[open.back()];
      if (opener != (c == '}' ? '{' : '[')) {
        return JsonStructureProblem{column_of_value + i,
                                    std::string("'") + c + "' closes the " + Kind(opener) +
                                        " opened at column " +
                                        std::to_string(column_of_value + open.back())};
      }
      open.pop_back();
      if (open.empty()) break;  // the value's end
    }
  }
  return std::nullopt;
}

bool ValueIsDueAt(std::string_view line, size_t at) {
  while (at > 0 && IsJsonSpace(line[at - 1])) --at;
  return at > 0 && (line[at - 1] == ':' || line[at - 1] == '[');
}

size_t JsonNumberLength(std::string_view text) {
  size_t at = 0;
  const auto digits = [&] {
    const size_t start = at;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') ++at;
    return at - start;
  };
  if (at < text.size() && text[at] == '-') ++at;
  const size_t whole = digits();
  if (whole == 0 || (whole > 1 && text[at - whole] == '0')) return 0;  // none, or 01
  if (at < text.size() && text[at] == '.') {
    ++at;
    if (digits() == 0) return 0;
  }
  if (at < text.size() && (text[at] == 'e' || text[at] == 'E')) {
    ++at;
    if (at < text.size() && (text[at] == '+' || text[at] == '-')) ++at;
    if (digits() == 0) return 0;
  }
  return at;
}

}  // namespace sluice::detail
