// Internal to parse_regex: finds patterns on which std::regex's backtracking engine may take
// polynomial time. Two repeats that can each take the text the other needs, as in
// `(.*),(.*),(.*);`, make a line that fails to match cost n^k steps for k of them: 42 s for
// a 300-byte line of commas with five. Such patterns go to the linear engine, which is
// about 1.5x slower on ordinary lines: the check errs towards flagging.
#pragma once

#include <string_view>

namespace sluice::detail {

/// How many repeats in an ECMAScript `pattern` may run into what follows them. A repeat
/// is unbounded (`*`, `+`, `{n,}`, or `{n,m}` with m of 16 or more) of a one-byte atom (`.`,
/// a class, \d \s \w and their negations, a literal byte). It counts unless the next thing
/// the pattern requires is one literal byte that the atom cannot match: `\S+ `, `[^"]*"`,
/// `\d+\.` do not count; `.*,`, `[^;]*,`, `\S*\s*` (optional), `[^,]*,?` and a repeat at
/// the end do. A class it cannot read byte by byte (\x{...}, \u) matches anything here.
int OverlappingRepeats(std::string_view pattern);

}  // namespace sluice::detail
