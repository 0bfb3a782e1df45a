// parse_regex: lines matched by a regular expression with named groups -> a Record with
// one field per named group.
//
// YAML (an access log line; a quoted value may go on over lines, each break read as a space):
//   - name: parse
//     type: parse_regex
//     pattern: '(?<ip>\S+) \S+ (?<user>\S+) \[(?<ts>[^\]]+)\] "(?<request>[^"]*)"
//       (?<status>\d+) (?<bytes>\d+|-)'
//     search: false  # true: the pattern may match part of the line (default: all of it)
//     types: infer   # infer | string (see text_values.h)
//
// In code:
//   auto stage = sluice::ParseRegexStage::Create({.pattern = R"((?<user>\w+) (?<ms>\d+))"});
//   if (!stage.ok()) { std::cerr << stage.error().message; ... }   // "... at character 12"
//   pipeline.Add({.name = "parse"}, std::move(*stage));
//
// Syntax: ECMAScript (std::regex) plus named groups, written (?<name>...) or (?P<name>...),
// and named back-references \k<name> or (?P=name). Names are [A-Za-z_][A-Za-z0-9_]*,
// unique, and at least one is required. The pattern is translated to plain std::regex by
// turning each named group into a numbered one; unnamed groups (...) still count for \1..,
// and (?:...), (?=...), (?!...) are left alone.
//
// Engines: std::regex's backtracking engine is the fastest on ordinary lines, but it
// recurses once per character, so a long line would overflow the stack. Lines up to
// kBacktrackingLineBytes use it; longer ones use libstdc++'s linear-time (Thompson NFA)
// engine, which gives the same submatches without deep recursion or catastrophic
// backtracking. Patterns with nested quantifiers ((x+)*, (a|ab)+), which can make
// backtracking take exponential time, use the linear engine on every line. That engine
// cannot do back-references: with them, lines longer than kBacktrackingLineBytes fail
// with kTooLarge instead of risking the stack.
//
// A group that did not take part in the match (an optional one) gives no field. Values are
// typed by `types`. Errors (kInvalidInput): the shared line checks (line_checks.h); "line
// does not match pattern".
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "framework/field_names.h"
#include "framework/result.h"
#include "framework/stage.h"
#include "framework/stage_registry.h"
#include "stages/text_values.h"

namespace sluice {

/// A pattern with named groups, translated for std::regex.
struct TranslatedPattern {
  std::string regex;               // std::regex ECMAScript syntax, groups numbered
  std::vector<std::string> names;  // names[i]: the name of capture group group_numbers[i]
  std::vector<size_t> group_numbers;
  bool has_backreferences = false;
  /// A group holding a quantifier or '|' is itself repeated ((x+)*, (a|ab)+): the
  /// backtracking engine may take exponential time on such patterns.
  bool nested_quantifiers = false;
  /// Repeats that can run into each other, as in (.*),(.*) (detail::OverlappingRepeats):
  /// with two or more, backtracking may take polynomial time, n^k.
  int overlapping_repeats = 0;
};

/// Whether a pattern must name at least one group (parse_regex keeps only named groups;
/// validate's `pattern:` rule names none).
enum class NamedGroups : uint8_t { kRequired, kOptional };

/// Translates `pattern`, refusing what std::regex would mishandle (numbers that overflow
/// its compiler). On error: kInvalidInput with "... at character N" (1-based).
Result<TranslatedPattern> TranslatePattern(std::string_view pattern,
                                           NamedGroups named = NamedGroups::kRequired);

struct ParseRegexOptions {
  std::string pattern = "";  // with named groups
  bool search = false;       // match anywhere in the line, not the whole line
  ValueTyping types = ValueTyping::kInfer;
};

namespace detail {
struct RegexEngines;  // the compiled pattern (parse_regex.cc)
}

class ParseRegexStage : public Stage {
 public:
  /// Longest line matched by the (recursive) backtracking engine.
  static constexpr size_t kBacktrackingLineBytes = 1024;

  /// Compiles `options.pattern`; see Create for a non-throwing form.
  /// Throws std::invalid_argument when the pattern is bad.
  explicit ParseRegexStage(ParseRegexOptions options);
  ~ParseRegexStage() override;

  /// The stage, or the pattern's error (kInvalidInput, message says where).
  static Result<std::unique_ptr<ParseRegexStage>> Create(ParseRegexOptions options);

  std::unique_ptr<StageWorker> MakeWorker() override;
  FieldNeeds Reads() const override { return FieldNeeds::None(); }
  StageInput Input() const override { return StageInput::kRawLines; }
  /// Only the named groups later stages read become fields.
  void Project(const FieldNeeds& needed) override;

  const ParseRegexOptions& options() const { return options_; }
  const std::vector<std::string>& group_names() const { return translated_.names; }

 private:
  struct Uncompiled {};
  ParseRegexStage(Uncompiled, ParseRegexOptions options);
  void Init(TranslatedPattern translated, std::shared_ptr<const detail::RegexEngines> engines);

  ParseRegexOptions options_;
  TranslatedPattern translated_;
  std::shared_ptr<const detail::RegexEngines> engines_;  // shared, read-only, by all workers
  std::vector<FieldId> ids_;                             // per named group
  FieldNeeds needed_ = FieldNeeds::All();
};

/// Registers type `parse_regex` (keys: pattern, search, types).
void RegisterParseRegex(StageRegistry& registry);

}  // namespace sluice
