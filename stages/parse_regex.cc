#include "stages/parse_regex.h"

#include <algorithm>
#include <optional>
#include <regex>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "stages/detail/regex_repeats.h"
#include "stages/line_checks.h"
#include "stages/parse_config.h"

namespace sluice {
namespace {

bool IsNameStart(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }

Error PatternError(std::string message, size_t offset) {
  return Error{.code = ErrorCode::kInvalidInput,
               .message = std::move(message) + " at character " + std::to_string(offset + 1)};
}

/// Longest number a pattern may hold in a back-reference or a repeat count; std::regex
/// refuses counts this large anyway (its NFA is capped at 100,000 states).
constexpr size_t kMaxNumberDigits = 6;

/// Turns a pattern with named groups into std::regex syntax, one pass, tracking escapes
/// and character classes so that \( and [(] are not taken for groups.
class PatternTranslator {
 public:
  PatternTranslator(std::string_view pattern, NamedGroups named)
      : pattern_(pattern), named_(named) {}

  Result<TranslatedPattern> Run() {
    out_.regex.reserve(pattern_.size());
    while (i_ < pattern_.size()) {
      const char c = pattern_[i_];
      const bool after_group = after_group_;
      after_group_ = false;
      if (c == '\\') {
        SLUICE_RETURN_IF_ERROR(Escape());
      } else if (in_class_) {
        if (c == ']') in_class_ = false;
        Copy(1);
      } else if (c == '[') {
        in_class_ = true;
        Copy(1);
        if (i_ < pattern_.size() && pattern_[i_] == '^') Copy(1);
      } else if (c == '(') {
        SLUICE_RETURN_IF_ERROR(Group());
      } else if (c == ')') {
        CloseGroup();
        Copy(1);
      } else {
        if (c == '{') SLUICE_RETURN_IF_ERROR(CheckBraces());
        NoteOperator(c, after_group);
        Copy(1);
      }
    }
    if (named_ == NamedGroups::kRequired && out_.names.empty()) {
      return Error{
          .code = ErrorCode::kInvalidInput,
          .message = "pattern has no named group; name the parts to keep with (?<name>...)"};
    }
    out_.overlapping_repeats = detail::OverlappingRepeats(out_.regex);
    return std::move(out_);
  }

 private:
  void Copy(size_t n) {
    n = std::min(n, pattern_.size() - i_);
    out_.regex.append(pattern_.substr(i_, n));
    i_ += n;
  }

  /// Group bookkeeping for nested_quantifiers: does the open group hold a quantifier or
  /// an alternation, and did the group that just closed?
  void OpenGroup() { open_groups_.push_back(false); }
  void CloseGroup() {
    if (open_groups_.empty()) return;  // unbalanced: std::regex reports it
    closed_group_inner_ = open_groups_.back();
    open_groups_.pop_back();
    if (!open_groups_.empty() && closed_group_inner_) open_groups_.back() = true;
    after_group_ = true;
  }
  void NoteOperator(char c, bool after_group) {
    const bool quantifier = c == '*' || c == '+' || c == '{' || c == '?';
    if (!quantifier && c != '|') return;
    // (x+)* or (a|ab)+: backtracking may take exponential time on a line that fails.
    if (after_group && closed_group_inner_ && c != '?') out_.nested_quantifiers = true;
    if (!open_groups_.empty()) open_groups_.back() = true;
  }

  bool At(size_t offset, std::string_view text) const {
    return pattern_.substr(i_ + offset, text.size()) == text;
  }

  /// Reads a name at i_ + offset, ending with `close`; advances past the close.
  Result<std::string> Name(size_t offset, char close) {
    const size_t start = i_ + offset;
    size_t end = start;
    if (end < pattern_.size() && IsNameStart(pattern_[end])) {
      while (end < pattern_.size() && IsNameChar(pattern_[end])) ++end;
    }
    if (end == start || end >= pattern_.size() || pattern_[end] != close) {
      return PatternError(
          "bad group name (expected [A-Za-z_][A-Za-z0-9_]* then '" + std::string(1, close) + "')",
          start);
    }
    i_ = end + 1;
    return std::string(pattern_.substr(start, end - start));
  }

  /// The group number of a back-reference to `name`.
  Result<size_t> GroupOf(const std::string& name, size_t offset) const {
    for (size_t k = 0; k < out_.names.size(); ++k) {
      if (out_.names[k] == name) return out_.group_numbers[k];
    }
    return PatternError("back-reference to unknown group '" + name + "'", offset);
  }

  /// Refuses a run of digits at `offset` (a back-reference number, a repeat count) longer
  /// than kMaxNumberDigits: libstdc++ reads such numbers into a long with no overflow
  /// check (undefined behaviour), then narrows them to int, so x{4294967297} would mean x{1}.
  Status CheckNumber(size_t offset, const char* what) const {
    size_t end = offset;
    while (end < pattern_.size() && pattern_[end] >= '0' && pattern_[end] <= '9') ++end;
    if (end - offset <= kMaxNumberDigits) return Status::Ok();
    return PatternError(
        std::string(what) + " has more than " + std::to_string(kMaxNumberDigits) + " digits",
        offset);
  }

  /// A repeat count {n}, {n,} or {n,m} at i_ (the '{'): checks its numbers.
  Status CheckBraces() const {
    for (size_t at = i_ + 1; at < pattern_.size(); ++at) {
      const char c = pattern_[at];
      if (c >= '0' && c <= '9' && (at == i_ + 1 || pattern_[at - 1] == ',')) {
        SLUICE_RETURN_IF_ERROR(CheckNumber(at, "repeat count"));
      } else if (c != ',' && (c < '0' || c > '9')) {
        break;
      }
    }
    return Status::Ok();
  }

  Status Escape() {
    SLUICE_RETURN_IF_ERROR(CheckNumber(i_ + 1, "back-reference number"));
    if (!in_class_ && At(1, "k<")) {  // \k<name>
      const size_t start = i_;
      SLUICE_ASSIGN_OR_RETURN(std::string name, Name(3, '>'));
      SLUICE_ASSIGN_OR_RETURN(size_t group, GroupOf(name, start));
      // Wrapped, so that digits after \k<name> do not extend the group number.
      out_.regex += "(?:\\" + std::to_string(group) + ")";
      out_.has_backreferences = true;
      return Status::Ok();
    }
    if (!in_class_ && i_ + 1 < pattern_.size() && pattern_[i_ + 1] >= '1' &&
        pattern_[i_ + 1] <= '9') {
      out_.has_backreferences = true;
    }
    // \cX takes X whatever it is, as std::regex's scanner does: in \c\{ or [\c\] the second
    // backslash is X, so the '{' or ']' after it is live, not escaped.
    Copy(At(1, "c") ? 3 : 2);  // the escape and the character(s) it escapes
    return Status::Ok();
  }

  Status Group() {
    const size_t start = i_;
    const bool named = At(1, "?<") && i_ + 3 < pattern_.size() && pattern_[i_ + 3] != '=' &&
                       pattern_[i_ + 3] != '!';  // not a look-behind
    if (named || At(1, "?P<")) {
      SLUICE_ASSIGN_OR_RETURN(std::string name, Name(named ? 3 : 4, '>'));
      if (std::find(out_.names.begin(), out_.names.end(), name) != out_.names.end()) {
        return PatternError("duplicate group name '" + name + "'", start);
      }
      out_.names.push_back(std::move(name));
      out_.group_numbers.push_back(++groups_);
      out_.regex += '(';
      OpenGroup();
      return Status::Ok();
    }
    if (At(1, "?P=")) {  // (?P=name)
      SLUICE_ASSIGN_OR_RETURN(std::string name, Name(4, ')'));
      SLUICE_ASSIGN_OR_RETURN(size_t group, GroupOf(name, start));
      out_.regex += "(?:\\" + std::to_string(group) + ")";
      out_.has_backreferences = true;
      return Status::Ok();
    }
    if (!At(1, "?")) ++groups_;  // a plain capturing group keeps its number
    Copy(1);
    OpenGroup();
    return Status::Ok();
  }

  std::string_view pattern_;
  NamedGroups named_;
  size_t i_ = 0;
  bool in_class_ = false;
  size_t groups_ = 0;
  std::vector<bool> open_groups_;  // per open group: holds a quantifier or '|'
  bool closed_group_inner_ = false;
  bool after_group_ = false;  // the previous token closed a group
  TranslatedPattern out_;
};

}  // namespace

namespace detail {
/// The compiled pattern: the backtracking engine always; the linear one when the pattern
/// allows it (no back-references, libstdc++).
struct RegexEngines {
  std::regex backtracking;
  std::optional<std::regex> linear;
  bool linear_always = false;  // never risk exponential or polynomial backtracking
};
}  // namespace detail

namespace {

using Engines = detail::RegexEngines;

Result<std::shared_ptr<const Engines>> Compile(const TranslatedPattern& translated, bool search) {
  const auto flags = std::regex::ECMAScript | std::regex::optimize;
  auto engines = std::make_shared<Engines>();
  try {
    engines->backtracking.assign(translated.regex, flags);
  } catch (const std::regex_error& error) {
    return Error{.code = ErrorCode::kInvalidInput,
                 .message = std::string("invalid regular expression: ") + error.what()};
  }
#if defined(__GLIBCXX__)
  if (!translated.has_backreferences) {
    try {
      engines->linear.emplace(translated.regex, flags | std::regex_constants::__polynomial);
      // Exponential or polynomial backtracking: the linear engine is about 1.5x slower on
      // ordinary lines, and takes no risk. A search tries every start, a factor n more:
      // there one repeat that runs on is enough.
      engines->linear_always =
          translated.nested_quantifiers || translated.overlapping_repeats >= (search ? 1 : 2);
    } catch (const std::regex_error&) {
      engines->linear.reset();  // long lines will fail with kTooLarge instead
    }
  }
#endif
  return std::shared_ptr<const Engines>(std::move(engines));
}

// Whether a group's edge at byte `at` of a valid UTF-8 line falls inside a character: a
// byte-wise match may split one, and the field would then not be valid UTF-8.
bool InsideCharacter(std::string_view text, size_t at) {
  return at < text.size() && (static_cast<unsigned char>(text[at]) & 0xC0) == 0x80;
}

class RegexWorker : public StageWorker {
 public:
  struct NamedGroup {
    size_t number;  // in the translated pattern
    FieldId id;
    bool kept;  // a field a later stage reads (projection)
  };

  RegexWorker(std::shared_ptr<const Engines> engines, bool search, ValueTyping types,
              std::vector<NamedGroup> groups)
      : engines_(std::move(engines)), search_(search), types_(types), groups_(std::move(groups)) {}

  Verdict Process(Item& item) override {
    std::string_view text;
    if (std::optional<Verdict> done = VerdictBeforeParsing(item, text)) return *done;
    const std::regex* engine = &engines_->backtracking;
    if (engines_->linear_always) {
      engine = &*engines_->linear;
    } else if (text.size() > ParseRegexStage::kBacktrackingLineBytes) {
      if (!engines_->linear) {
        return item.Fail(ErrorCode::kTooLarge,
                         "line of " + std::to_string(text.size()) +
                             " bytes is too long for a pattern with back-references (limit " +
                             std::to_string(ParseRegexStage::kBacktrackingLineBytes) + ")");
      }
      engine = &*engines_->linear;
    }
    item.record.Clear();
    const char* begin = text.data();
    const char* end = text.data() + text.size();
    bool matched = false;
    try {
      matched = search_ ? std::regex_search(begin, end, match_, *engine)
                        : std::regex_match(begin, end, match_, *engine);
    } catch (const std::regex_error& error) {
      return item.Fail(ErrorCode::kStageFailure,
                       std::string("regex engine gave up: ") + error.what());
    }
    if (!matched) return item.Fail(ErrorCode::kInvalidInput, "line does not match pattern");
    item.record.Reserve(groups_.size());
    // Every named group is checked, kept or not, so that projection changes no verdict.
    for (const NamedGroup& named : groups_) {
      const std::csub_match& group = match_[named.number];
      if (!group.matched) continue;  // an optional group that took no part
      const auto from = static_cast<size_t>(group.first - begin);
      for (const size_t edge : {from, from + static_cast<size_t>(group.length())}) {
        if (InsideCharacter(text, edge)) {
          return item.Fail(ErrorCode::kInvalidInput,
                           "group '" + std::string(FieldNames::Name(named.id)) +
                               "' cuts a UTF-8 character at column " + std::to_string(edge + 1) +
                               " (the pattern matches bytes: '.' is one byte)");
        }
      }
      if (named.kept) {
        item.record.Append(named.id,
                           InferValue(std::string_view(group.first, group.length()), types_));
      }
    }
    return Verdict::kPass;
  }

 private:
  const std::shared_ptr<const Engines> engines_;
  const bool search_;
  const ValueTyping types_;
  const std::vector<NamedGroup> groups_;
  std::cmatch match_;  // reused: no allocation per line
};

}  // namespace

Result<TranslatedPattern> TranslatePattern(std::string_view pattern, NamedGroups named) {
  return PatternTranslator(pattern, named).Run();
}

Result<std::unique_ptr<ParseRegexStage>> ParseRegexStage::Create(ParseRegexOptions options) {
  SLUICE_ASSIGN_OR_RETURN(TranslatedPattern translated, TranslatePattern(options.pattern));
  SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<const Engines> engines,
                          Compile(translated, options.search));
  std::unique_ptr<ParseRegexStage> stage(new ParseRegexStage(Uncompiled{}, std::move(options)));
  stage->Init(std::move(translated), std::move(engines));
  return stage;
}

ParseRegexStage::ParseRegexStage(Uncompiled, ParseRegexOptions options)
    : options_(std::move(options)) {}

ParseRegexStage::ParseRegexStage(ParseRegexOptions options) : options_(std::move(options)) {
  Result<TranslatedPattern> translated = TranslatePattern(options_.pattern);
  if (!translated.ok()) throw std::invalid_argument("parse_regex: " + translated.error().message);
  Result<std::shared_ptr<const Engines>> engines = Compile(*translated, options_.search);
  if (!engines.ok()) throw std::invalid_argument("parse_regex: " + engines.error().message);
  Init(std::move(*translated), std::move(*engines));
}

ParseRegexStage::~ParseRegexStage() = default;

void ParseRegexStage::Init(TranslatedPattern translated,
                           std::shared_ptr<const detail::RegexEngines> engines) {
  translated_ = std::move(translated);
  engines_ = std::move(engines);
  ids_.clear();
  for (const std::string& name : translated_.names) ids_.push_back(FieldNames::Intern(name));
}

std::unique_ptr<StageWorker> ParseRegexStage::MakeWorker() {
  std::vector<RegexWorker::NamedGroup> groups;
  for (size_t k = 0; k < ids_.size(); ++k) {
    const bool kept = needed_.all || std::find(needed_.fields.begin(), needed_.fields.end(),
                                               ids_[k]) != needed_.fields.end();
    groups.push_back({.number = translated_.group_numbers[k], .id = ids_[k], .kept = kept});
  }
  return std::make_unique<RegexWorker>(engines_, options_.search, options_.types,
                                       std::move(groups));
}

void ParseRegexStage::Project(const FieldNeeds& needed) { needed_ = needed; }

namespace {

std::unique_ptr<Stage> MakeParseRegex(const ConfigNode& stage, ConfigErrors& errors) {
  const size_t errors_before = errors.size();
  ParseRegexOptions options;
  std::optional<std::string> pattern;
  const ConfigNode* pattern_node = stage.Require("pattern", errors);
  if (pattern_node != nullptr) pattern = pattern_node->AsString(errors);
  if (auto search = ReadBool(stage, "search", false, errors)) options.search = *search;
  if (auto types = ReadValueTyping(stage, "types", ValueTyping::kInfer, errors))
    options.types = *types;
  if (!pattern) return nullptr;
  options.pattern = std::move(*pattern);
  Result<std::unique_ptr<ParseRegexStage>> made = ParseRegexStage::Create(std::move(options));
  if (!made.ok()) {
    errors.Add(pattern_node->mark(), "pattern: " + made.error().message);
    return nullptr;
  }
  if (errors.size() != errors_before) return nullptr;
  return std::move(*made);
}

}  // namespace

void RegisterParseRegex(StageRegistry& registry) {
  registry.Register({
      .name = "parse_regex",
      .summary = "parses lines with a regular expression's named groups into a record",
      .keys = {"pattern", "search", "types"},
      .make = MakeParseRegex,
  });
}

}  // namespace sluice
