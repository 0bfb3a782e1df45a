// Internal to the YAML loader (not a public API): screens config text before yaml-cpp sees
// it. yaml-cpp's parser recurses once per nesting level, so a 100k-deep `[[[[...` or a
// staircase of indented maps would overflow the stack inside it; and it passes bytes that
// are not UTF-8 through silently. Both are refused here, with a 1-based line:column.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "framework/config_node.h"

namespace sluice::detail {

/// The first problem in `text`, or nullopt: a byte sequence that is not UTF-8, a NUL or
/// other control character, or nesting (flow brackets plus block indentation levels)
/// clearly deeper than `max_depth`. The nesting count is a quick over-estimate (it may
/// count a scalar list item as a level), so it refuses only nesting clearly too deep, at
/// the point where its estimate passed `max_depth` (exact for flow brackets under block
/// maps, at most a level or two early otherwise); the loader checks the exact depth while
/// building.
/// Columns count bytes, as yaml-cpp's marks do.
std::optional<ConfigError> ScreenYamlText(std::string_view text, const std::string& file,
                                          int max_depth);

/// True when the quoted scalar whose opening quote is at byte `offset` of `text` is never
/// closed: yaml-cpp ends such a scalar at the end of the text without a word, so a stray
/// quote would swallow the rest of the config. False where `offset` is not at a quote.
bool QuoteLeftOpen(std::string_view text, size_t offset);

/// True when the `{` or `[` at byte `offset` of `text` has no closing bracket after it
/// (brackets in quoted scalars and comments do not count; `}` and `]` close either kind).
/// False where `offset` is not at a bracket.
bool BracketLeftOpen(std::string_view text, size_t offset);

}  // namespace sluice::detail
