// Control characters: what a terminal acts on instead of showing. C0 (bytes below 0x20),
// DEL (0x7F) and the C1 controls U+0080-U+009F (in UTF-8, 0xC2 then 0x80-0x9F; U+009B, CSI,
// starts an escape sequence as ESC [ does).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sluice::detail {

/// Bytes of the control character at text[i] (i < text.size()): 1 for C0 and DEL, 2 for
/// C1, 0 for none.
inline size_t ControlCharacterBytes(std::string_view text, size_t i) {
  const auto byte = static_cast<unsigned char>(text[i]);
  if (byte < 0x20 || byte == 0x7F) return 1;
  if (byte != 0xC2 || i + 1 == text.size()) return 0;
  const auto next = static_cast<unsigned char>(text[i + 1]);
  return next >= 0x80 && next < 0xA0 ? 2 : 0;
}

/// The code point of the control character of `bytes` bytes at text[i]: 0xC2 XX is U+00XX.
inline unsigned ControlCodePoint(std::string_view text, size_t i, size_t bytes) {
  return static_cast<unsigned char>(text[i + bytes - 1]);
}

/// Appends `text` with each control character written as \u00XX (\u000a for a line break,
/// \u001b, \u009b), the rest as it is: one line, safe to print to a terminal.
void AppendEscapingControls(std::string_view text, std::string& out);

/// Why `name` cannot be a stage's: it holds a control character, which the summary would
/// send to a terminal raw. "" when fine.
std::string ControlCharacterProblem(std::string_view name);

}  // namespace sluice::detail
