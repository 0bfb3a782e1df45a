// Line checks: what every parse stage verifies about a raw input line before parsing it,
// so that all parsers reject empty lines, NUL bytes and invalid UTF-8 the same way.
//
//   sluice::Verdict Process(sluice::Item& item) override {
//     std::string_view text;
//     if (std::optional<sluice::Verdict> done = sluice::VerdictBeforeParsing(item, text)) {
//       return *done;  // kPass for a Record's item, kError (item.error says why) for a bad line
//     }
//     ...                // parse `text`
//   }
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "framework/item.h"

namespace sluice {

/// What CheckLine found.
enum class LineStatus : uint8_t {
  kText,      // a line to parse
  kNoText,    // the item carries no raw text (made from a Record): pass it on unchanged
  kRejected,  // the line cannot be parsed: the item has been failed with the reason
};

/// Whether CheckLine validates UTF-8 itself, or leaves it to a parser that validates as
/// it goes (simdjson does, in its first pass); such a parser must then report invalid
/// UTF-8 with InvalidUtf8Message(text).
enum class Utf8Check : uint8_t { kValidate, kLeaveToParser };

/// Checks `item.raw`. kNoText when the item was made from a Record (Item::from_line). kRejected,
/// with the item failed, when the line is empty or only whitespace (kInvalidInput "empty line"),
/// holds a NUL byte (kInvalidEncoding "NUL byte at column N") or is not valid UTF-8
/// (kInvalidEncoding "invalid UTF-8 at column N"; checked only with Utf8Check::kValidate).
/// Otherwise kText, with `text` set to the line without a trailing '\r' (CRLF input).
/// Columns are 1-based byte positions in the line.
LineStatus CheckLine(Item& item, std::string_view& text, Utf8Check utf8 = Utf8Check::kValidate);

/// CheckLine as a parser's first step: the verdict to return at once (kPass when there is
/// no text, kError when the line was rejected), or nullopt with `text` set to parse.
inline std::optional<Verdict> VerdictBeforeParsing(Item& item, std::string_view& text,
                                                   Utf8Check utf8 = Utf8Check::kValidate) {
  switch (CheckLine(item, text, utf8)) {
    case LineStatus::kNoText: return Verdict::kPass;
    case LineStatus::kRejected: return Verdict::kError;
    case LineStatus::kText: break;
  }
  return std::nullopt;
}

/// "invalid UTF-8 at column N" for the first bad byte of `text` (which must hold one).
std::string InvalidUtf8Message(std::string_view text);

/// The 0-based byte offset of the first byte of `text` that is not valid UTF-8
/// (overlong forms, surrogates and code points above U+10FFFF are invalid), or npos.
size_t FindInvalidUtf8(std::string_view text);

/// True for the ASCII blanks a line may consist of and still count as empty.
inline bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

/// `text` without leading and trailing ASCII blanks.
std::string_view TrimBlanks(std::string_view text);

}  // namespace sluice
