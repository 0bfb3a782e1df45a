// Internal to parse_regex: finds patterns on which std::regex's backtracking engine may take
// polynomial time. Two repeats that can each take the text the other needs, as in
// `(.*),(.*),(.*);`, make a line that fails to match cost n^k steps for k of them: 42 s for
// a 300-byte line of commas with five. Such patterns go to the linear engine.
#pragma once

#include <string_view>

namespace sluice::detail {

/// How many unbounded repeats (`*`, `+`, `{n,}`) of a broad atom in an ECMAScript
/// `pattern` can also take the literal byte that follows them: `.*,` and `[^;]*,` can,
/// `[^,]*,`, `\S+ ` and `\d+\.` cannot. A repeat of `.` counts whatever follows it; one of
/// a negated class or of \D \S \W \d \s \w only when a literal follows that it takes (a
/// heuristic: the common, costly case, without flagging every pattern). Other atoms (a
/// literal, a positive class, a group) are not counted: they are narrow, or
/// nested_quantifiers covers them.
int OverlappingRepeats(std::string_view pattern);

}  // namespace sluice::detail
