#include "stages/detail/json_structure.h"

#include <vector>

namespace sluice::detail {
namespace {

bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string Kind(char opener) { return opener == '{' ? "object" : "array"; }

}  // namespace

std::optional<JsonStructureProblem> FindJsonStructureProblem(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && IsJsonSpace(line[i])) ++i;
  if (i == line.size() || line[i] != '{') return std::nullopt;
  std::vector<size_t> open;  // positions of the unclosed brackets, innermost last
  bool closed = false;       // the object has ended: only spaces may follow
  for (; i < line.size(); ++i) {
    const char c = line[i];
    if (closed) {
      if (IsJsonSpace(c)) continue;
      return JsonStructureProblem{i + 1, "unexpected content after the JSON object"};
    }
    if (c == '"') {
      const size_t start = i;
      for (++i;; ++i) {
        if (i >= line.size()) return JsonStructureProblem{start + 1, "unterminated string"};
        const auto byte = static_cast<unsigned char>(line[i]);
        if (byte == '"') break;
        if (byte == '\\') {
          ++i;  // the escaped byte; past the end, the string is unterminated
        } else if (byte < 0x20) {
          return JsonStructureProblem{i + 1, "control character inside a string must be escaped"};
        }
      }
    } else if (c == '{' || c == '[') {
      open.push_back(i);
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

}  // namespace sluice::detail
