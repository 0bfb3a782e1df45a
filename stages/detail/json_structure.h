// Internal: where a JSON line's structure breaks, for error messages. simdjson finds
// unbalanced brackets while it indexes the whole line, before it knows a position, and
// reports them at the line's start ("unclosed object or array, or content after it"):
// a truncated line, the commonest bad line in a log, would get no useful column.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::detail {

struct JsonStructureProblem {
  size_t column = 0;  // 1-based; one past the end when the line ends too soon
  std::string reason;
};

/// Scans a line that starts (after spaces) with '{': strings are skipped, brackets
/// matched. Finds an unterminated string, a raw control character or a bad escape in a
/// string, a key that is not a string (or missing after a comma), a closing bracket of the
/// wrong kind, content after the object, and a line that ends inside an object or array. nullopt
/// when the brackets are sound (the problem is elsewhere) or the line does not start with '{'. Runs
/// on failed lines only.
std::optional<JsonStructureProblem> FindJsonStructureProblem(std::string_view line);

/// Where a bracket of the JSON object or array that `value` starts with (one that simdjson
/// skipped, counting its brackets) closes one of the other kind: that bracket's column and
/// a message ("'}' closes the array opened at column M"), columns counted from
/// `column_of_value`. The scan ends where the value does; strings are stepped over, and
/// nothing else is checked. `open` is scratch, kept by the caller: a line allocates nothing.
std::optional<JsonStructureProblem> FindMismatchedBracket(std::string_view value,
                                                          size_t column_of_value,
                                                          std::vector<size_t>& open);

/// Whether line[at] stands where a value is due: after ':' or '[' (and spaces).
bool ValueIsDueAt(std::string_view line, size_t at);

/// Bytes of the JSON number that `text` starts with (RFC 8259's grammar, whatever its
/// magnitude); 0 when it starts with none. Tells a number too large for a double, which
/// simdjson refuses as it refuses a malformed one, from a malformed one.
size_t JsonNumberLength(std::string_view text);

}  // namespace sluice::detail
