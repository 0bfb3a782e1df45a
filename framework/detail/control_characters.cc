#include "framework/detail/control_characters.h"

#include <cstdio>

namespace sluice::detail {

void AppendEscapingControls(std::string_view text, std::string& out) {
  for (size_t i = 0; i < text.size();) {
    const size_t bytes = ControlCharacterBytes(text, i);
    if (bytes == 0) {
      out += text[i++];
      continue;
    }
    char escaped[8];
    std::snprintf(escaped, sizeof escaped, "\\u%04x", ControlCodePoint(text, i, bytes));
    out += escaped;
    i += bytes;
  }
}

std::string ControlCharacterProblem(std::string_view name) {
  for (size_t i = 0; i < name.size(); ++i) {
    if (const size_t bytes = ControlCharacterBytes(name, i); bytes != 0) {
      char where[64];
      std::snprintf(where, sizeof where, "a control character (U+%04X at byte %zu)",
                    ControlCodePoint(name, i, bytes), i + 1);
      return std::string("holds ") + where + ", which a terminal would act on";
    }
  }
  return "";
}

}  // namespace sluice::detail
