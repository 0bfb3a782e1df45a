#include "stages/validate.h"

#include <algorithm>
#include <charconv>
#include <functional>
#include <regex>
#include <stdexcept>
#include <string_view>
#include <unordered_set>
#include <utility>

#include "framework/string_set.h"
#include "stages/detail/short_string_index.h"
#include "stages/detail/value_checks.h"
#include "stages/parse_regex.h"

namespace sluice {
namespace {

using detail::AppendShortJson;
using detail::IsNumber;

// A rule's problem, with the rule's key it is about ("" for the whole rule), so that the
// config reader can point at it.
using ProblemFn =
    std::function<void(std::string_view key, size_t one_of_index, const std::string& message)>;
constexpr size_t kWholeList = static_cast<size_t>(-1);  // a one_of problem not about one item

bool IsNumeric(FieldType type) { return type == FieldType::kInt || type == FieldType::kNumber; }

bool FitsType(FieldType type, const Value& value) {
  switch (type) {
    case FieldType::kAny: return true;
    case FieldType::kInt: return std::holds_alternative<int64_t>(value);
    case FieldType::kNumber: return IsNumber(value);
    case FieldType::kString: return std::holds_alternative<std::string>(value);
    case FieldType::kBool: return std::holds_alternative<bool>(value);
  }
  return false;
}

std::string JsonText(const Value& value) {
  std::string out;
  AppendShortJson(value, out);
  return out;
}

// Reports every problem of one rule; shared by CheckValidateOptions and the config reader.
void ForEachRuleProblem(const FieldRule& rule, const ProblemFn& report) {
  const std::string type_name(FieldTypeName(rule.type));
  if (rule.field.empty()) report("", 0, "a rule needs a field name");
  for (auto [bound, key] : {std::pair{&rule.min, "min"}, std::pair{&rule.max, "max"}}) {
    if (!bound->has_value()) continue;
    if (!IsNumeric(rule.type)) {
      report(key, 0, std::string(key) + " needs type int or number, not " + type_name);
    } else if (!IsNumber(**bound) ||
               (std::holds_alternative<double>(**bound) && std::isnan(std::get<double>(**bound)))) {
      report(key, 0, std::string(key) + " must be a number, got " + detail::DescribeValue(**bound));
    }
  }
  if (rule.min && rule.max && IsNumber(*rule.min) && IsNumber(*rule.max) &&
      CompareNumbers(*rule.min, *rule.max) > 0) {
    report("min", 0, "min " + JsonText(*rule.min) + " is above max " + JsonText(*rule.max));
  }
  const bool is_string = rule.type == FieldType::kString;
  if (rule.min_length && !is_string) report("min_length", 0, "min_length needs type string");
  if (rule.max_length && !is_string) report("max_length", 0, "max_length needs type string");
  if (rule.min_length && rule.max_length && *rule.min_length > *rule.max_length) {
    report("min_length", 0,
           "min_length " + std::to_string(*rule.min_length) + " is above max_length " +
               std::to_string(*rule.max_length));
  }
  if (rule.pattern) {
    if (!is_string) report("pattern", 0, "pattern needs type string");
    // parse_regex's screen first: std::regex's compiler overflows on huge repeat counts
    // and back-reference numbers (undefined behaviour, found by fuzzing).
    if (Result<TranslatedPattern> screened =
            TranslatePattern(*rule.pattern, NamedGroups::kOptional);
        !screened.ok()) {
      report("pattern", 0, "bad pattern: " + screened.error().message);
    } else {
      try {
        std::regex compiled(*rule.pattern, std::regex::ECMAScript);
      } catch (const std::regex_error& e) {
        report("pattern", 0, "bad pattern: " + std::string(e.what()));
      }
    }
  }
  if (!rule.one_of.empty() && rule.type == FieldType::kAny) {
    report("one_of", kWholeList, "one_of needs a type (string, int, number or bool)");
  } else {
    for (size_t i = 0; i < rule.one_of.size(); ++i) {
      if (!FitsType(rule.type, rule.one_of[i])) {
        report("one_of", i, "one_of value " + JsonText(rule.one_of[i]) + " is not " + type_name);
      }
    }
  }
}

// The common rule shapes, whose passing values PassesQuickly recognises with a few
// comparisons; a value it does not pass (failing, or of a rarer shape) goes to Check.
enum class Shape : uint8_t {
  kTypeOnly,          // nothing beyond the type (and presence)
  kIntBounds,         // type int, int bounds (either may be absent), no one_of
  kStringOneOf,       // type string, one_of only
  kShortStringOneOf,  // kStringOneOf with a one_of that fits a ShortStringIndex
  kOther,
};

// Numbers by value, ints and doubles alike (1 and 1.0 are equal).
bool NumberLess(const Value& a, const Value& b) { return CompareNumbers(a, b) < 0; }

// One rule, ready for per-record checks.
struct CompiledRule {
  FieldId id = 0;
  FieldRule rule;
  StringSet strings = {};                       // one_of of a string field
  std::vector<Value> numbers = {};              // one_of of a number field, ascending
  detail::ShortStringIndex short_strings = {};  // the same, for kShortStringOneOf
  bool allow_true = false;                      // one_of of a bool field
  bool allow_false = false;
  std::string one_of_text = {};  // "view, click, purchase", for messages
  std::optional<std::regex> regex = {};
  Shape shape = Shape::kOther;
  // FitsType as a mask, bit i for Value alternative i: calling FitsType per rule and
  // record cost 43 instructions a line more on the replay (validate: 338 against 295).
  uint8_t fitting_types = 0;
  int64_t int_min = INT64_MIN;  // kIntBounds
  int64_t int_max = INT64_MAX;
};

Shape ShapeOf(const FieldRule& rule) {
  const bool bounds = rule.min || rule.max;
  const bool int_bounds = (!rule.min || std::holds_alternative<int64_t>(*rule.min)) &&
                          (!rule.max || std::holds_alternative<int64_t>(*rule.max));
  const bool string_checks = rule.min_length || rule.max_length || rule.pattern;
  switch (rule.type) {
    case FieldType::kAny: return Shape::kTypeOnly;
    case FieldType::kBool: return rule.one_of.empty() ? Shape::kTypeOnly : Shape::kOther;
    case FieldType::kInt:
    case FieldType::kNumber:
      if (!rule.one_of.empty()) return Shape::kOther;
      if (!bounds) return Shape::kTypeOnly;
      return rule.type == FieldType::kInt && int_bounds ? Shape::kIntBounds : Shape::kOther;
    case FieldType::kString:
      if (string_checks) return Shape::kOther;
      return rule.one_of.empty() ? Shape::kTypeOnly : Shape::kStringOneOf;
  }
  return Shape::kOther;
}

std::string OneOfText(const std::vector<Value>& values) {
  constexpr size_t kShown = 10;
  std::string text;
  for (size_t i = 0; i < values.size() && i < kShown; ++i) {
    if (i > 0) text += ", ";
    AppendText(values[i], text);
  }
  if (values.size() > kShown) text += ", ... (" + std::to_string(values.size()) + " in all)";
  return text;
}

CompiledRule Compile(const FieldRule& rule) {
  CompiledRule compiled{.id = FieldNames::Intern(rule.field), .rule = rule};
  for (const Value& allowed : rule.one_of) {
    if (const auto* s = std::get_if<std::string>(&allowed)) compiled.strings.Insert(*s);
    if (const auto* b = std::get_if<bool>(&allowed))
      (*b ? compiled.allow_true : compiled.allow_false) = true;
    if (std::holds_alternative<int64_t>(allowed) || std::holds_alternative<double>(allowed))
      compiled.numbers.push_back(allowed);
  }
  std::sort(compiled.numbers.begin(), compiled.numbers.end(), NumberLess);
  compiled.one_of_text = OneOfText(rule.one_of);
  if (rule.pattern)
    compiled.regex.emplace(*rule.pattern, std::regex::ECMAScript | std::regex::optimize);
  compiled.shape = ShapeOf(rule);
  if (compiled.shape == Shape::kStringOneOf) {
    bool fits = true;
    for (const Value& allowed : rule.one_of) {
      const auto* s = std::get_if<std::string>(&allowed);
      fits = fits && s != nullptr && compiled.short_strings.Add(*s, 0);
    }
    if (fits) compiled.shape = Shape::kShortStringOneOf;
  }
  const Value one_of_each[] = {std::monostate{}, false, int64_t{0}, 0.0, std::string()};
  for (const Value& sample : one_of_each) {
    if (FitsType(rule.type, sample)) compiled.fitting_types |= uint8_t{1} << sample.index();
  }
  if (compiled.shape == Shape::kIntBounds) {
    if (rule.min) compiled.int_min = std::get<int64_t>(*rule.min);
    if (rule.max) compiled.int_max = std::get<int64_t>(*rule.max);
  }
  return compiled;
}

size_t Utf8Length(std::string_view text) {
  size_t length = 0;
  for (const char c : text) length += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return length;
}

// A failure's message is built in the worker's own buffer (`out`), which Item::Fail then
// copies into a reused Error: no allocation per failed record (BENCHMARKS.md, section 6).

// Starts `out` with "field 'name': ".
std::string& FieldMessage(const CompiledRule& c, std::string& out) {
  out.assign("field '");
  out += c.rule.field;
  out += "': ";
  return out;
}

std::string& AppendNumber(uint64_t n, std::string& out) {
  char digits[20];
  out.append(digits, std::to_chars(digits, digits + sizeof digits, n).ptr);
  return out;
}

// Out of line: the search's results start zeroed by a 32-byte store, and inlined, that
// made Check realign its stack on every call (callgrind: 17 instructions a clean_events line).
[[gnu::noinline]] bool MatchesPattern(const std::regex& pattern, const std::string& text) {
  return std::regex_search(text, pattern);
}

std::optional<ErrorCode> CheckBounds(const CompiledRule& c, const Value& value, std::string& out) {
  const bool nan = std::holds_alternative<double>(value) && std::isnan(std::get<double>(value));
  const bool below = c.rule.min && (nan || CompareNumbers(value, *c.rule.min) < 0);
  const bool above = !below && c.rule.max && (nan || CompareNumbers(value, *c.rule.max) > 0);
  if (!below && !above) return std::nullopt;
  AppendShortJson(value, FieldMessage(c, out));
  out += below ? " is below min " : " is above max ";
  AppendShortJson(below ? *c.rule.min : *c.rule.max, out);
  return ErrorCode::kOutOfRange;
}

std::optional<ErrorCode> CheckString(const CompiledRule& c, const Value& value, std::string& out) {
  const std::string& text = std::get<std::string>(value);
  if (c.rule.min_length || c.rule.max_length) {
    const size_t length = Utf8Length(text);
    const bool too_short = c.rule.min_length && length < *c.rule.min_length;
    if (too_short || (c.rule.max_length && length > *c.rule.max_length)) {
      AppendNumber(length, FieldMessage(c, out).append("length "));
      out += too_short ? " is below min_length " : " is above max_length ";
      AppendNumber(too_short ? *c.rule.min_length : *c.rule.max_length, out);
      return ErrorCode::kOutOfRange;
    }
  }
  if (!c.rule.one_of.empty() && !c.strings.Contains(text)) {
    AppendShortJson(value, FieldMessage(c, out));
    out.append(" is not one of ").append(c.one_of_text);
    return ErrorCode::kNotAllowed;
  }
  if (c.regex && text.size() > kMaxPatternInputBytes) {
    AppendNumber(text.size(), FieldMessage(c, out));
    out += " bytes is too long to match a pattern (at most ";
    AppendNumber(kMaxPatternInputBytes, out) += ')';
    return ErrorCode::kOutOfRange;
  }
  if (c.regex && !MatchesPattern(*c.regex, text)) {
    AppendShortJson(value, FieldMessage(c, out));
    out.append(" does not match pattern ").append(*c.rule.pattern);
    return ErrorCode::kNotAllowed;
  }
  return std::nullopt;
}

// `allowed` ascending by NumberLess: a binary search, as a one_of of thousands of codes
// checked each by each cost 24 times a string one_of's hash lookup.
bool InNumberSet(const std::vector<Value>& allowed, const Value& value) {
  const auto at = std::lower_bound(allowed.begin(), allowed.end(), value, NumberLess);
  return at != allowed.end() && CompareNumbers(*at, value) == 0;
}

// True when `value` (nullptr when absent) passes rule `c` for sure: Check would find
// nothing. False sends it to Check.
bool PassesQuickly(const CompiledRule& c, const Value* value) {
  if (value == nullptr) return !c.rule.required;
  if ((c.fitting_types >> value->index() & 1) == 0) return false;
  switch (c.shape) {
    case Shape::kTypeOnly: return true;
    case Shape::kIntBounds: {
      const int64_t x = *std::get_if<int64_t>(value);
      return x >= c.int_min && x <= c.int_max;
    }
    case Shape::kStringOneOf: return c.strings.Contains(*std::get_if<std::string>(value));
    case Shape::kShortStringOneOf:
      return c.short_strings.Contains(*std::get_if<std::string>(value));
    case Shape::kOther: return false;
  }
  return false;
}

// The first failure of `value` (nullptr when absent) against rule `c`, its message in
// `out`; nullopt when it passes. Out of line: inlined into the worker's loop, it cost each
// clickstream line 8-14 instructions (callgrind), where PassesQuickly settles every rule.
[[gnu::noinline]] std::optional<ErrorCode> Check(const CompiledRule& c, const Value* value,
                                                 std::string& out) {
  if (value == nullptr) {
    if (!c.rule.required) return std::nullopt;
    out.assign("missing required field '").append(c.rule.field) += '\'';
    return ErrorCode::kMissingField;
  }
  if (!FitsType(c.rule.type, *value)) {
    FieldMessage(c, out).append("expected ").append(FieldTypeName(c.rule.type)) += ", got ";
    detail::AppendDescription(*value, out);
    return ErrorCode::kWrongType;
  }
  switch (c.rule.type) {
    case FieldType::kInt:
    case FieldType::kNumber: {
      if (auto failure = CheckBounds(c, *value, out)) return failure;
      if (!c.rule.one_of.empty() && !InNumberSet(c.numbers, *value)) break;
      return std::nullopt;
    }
    case FieldType::kString: return CheckString(c, *value, out);
    case FieldType::kBool: {
      const bool b = std::get<bool>(*value);
      if (!c.rule.one_of.empty() && !(b ? c.allow_true : c.allow_false)) break;
      return std::nullopt;
    }
    case FieldType::kAny: return std::nullopt;
  }
  AppendShortJson(*value, FieldMessage(c, out));
  out.append(" is not one of ").append(c.one_of_text);
  return ErrorCode::kNotAllowed;
}

}  // namespace

struct ValidateStage::Compiled {
  std::vector<CompiledRule> rules;
  OnInvalid on_invalid = OnInvalid::kError;
};

namespace {

class ValidateWorker final : public StageWorker {
 public:
  explicit ValidateWorker(std::shared_ptr<const ValidateStage::Compiled> compiled)
      : compiled_(std::move(compiled)) {}

  Verdict Process(Item& item) override {
    for (const CompiledRule& rule : compiled_->rules) {
      const Value* value = item.record.Find(rule.id);
      if (PassesQuickly(rule, value)) continue;
      const std::optional<ErrorCode> failure = Check(rule, value, message_);
      if (!failure) continue;
      if (compiled_->on_invalid == OnInvalid::kDrop) return Verdict::kFilter;
      return item.Fail(*failure, message_);
    }
    return Verdict::kPass;
  }

 private:
  std::shared_ptr<const ValidateStage::Compiled> compiled_;
  std::string message_;  // the failure being reported (Check), kept for its memory
};

}  // namespace

std::string_view FieldTypeName(FieldType type) {
  switch (type) {
    case FieldType::kAny: return "any";
    case FieldType::kInt: return "int";
    case FieldType::kNumber: return "number";
    case FieldType::kString: return "string";
    case FieldType::kBool: return "bool";
  }
  return "?";
}

std::vector<std::string> CheckValidateOptions(const ValidateOptions& options) {
  std::vector<std::string> problems;
  std::unordered_set<std::string_view> seen;
  for (const FieldRule& rule : options.rules) {
    if (!seen.insert(rule.field).second)
      problems.push_back("two rules for field '" + rule.field + "'");
    ForEachRuleProblem(rule, [&](std::string_view, size_t, const std::string& message) {
      problems.push_back("rule '" + rule.field + "': " + message);
    });
  }
  return problems;
}

ValidateStage::ValidateStage(ValidateOptions options) : options_(std::move(options)) {
  if (std::vector<std::string> problems = CheckValidateOptions(options_); !problems.empty()) {
    std::string message = "invalid validate options:";
    for (const std::string& p : problems) message += "\n  " + p;
    throw std::invalid_argument(message);
  }
  auto compiled = std::make_shared<Compiled>();
  compiled->on_invalid = options_.on_invalid;
  for (const FieldRule& rule : options_.rules) compiled->rules.push_back(Compile(rule));
  compiled_ = std::move(compiled);
}

ValidateStage::~ValidateStage() = default;

std::unique_ptr<StageWorker> ValidateStage::MakeWorker() {
  return std::make_unique<ValidateWorker>(compiled_);
}

FieldNeeds ValidateStage::Reads() const {
  FieldNeeds needs = FieldNeeds::None();
  for (const CompiledRule& rule : compiled_->rules) needs.Add(rule.id);
  return needs;
}

// ---- Config -------------------------------------------------------------------------

namespace {

const std::vector<std::string> kRuleKeys = {"type",   "required", "min",        "max",
                                            "one_of", "pattern",  "min_length", "max_length"};

std::optional<FieldType> ReadType(const ConfigNode& node, ConfigErrors& errors) {
  std::optional<std::string> name = node.AsString(errors);
  if (!name) return std::nullopt;
  for (FieldType t : {FieldType::kInt, FieldType::kNumber, FieldType::kString, FieldType::kBool}) {
    if (*name == FieldTypeName(t)) return t;
  }
  static const std::vector<std::pair<std::string_view, std::string_view>> kAliases = {
      {"integer", "int"},  {"long", "int"},   {"float", "number"}, {"double", "number"},
      {"boolean", "bool"}, {"str", "string"}, {"text", "string"}};
  std::string message = "unknown type '" + *name + "'; expected int, number, string or bool";
  std::string near = DidYouMean(*name, {"int", "number", "string", "bool"});
  for (const auto& [alias, type] : kAliases) {
    if (*name == alias) near = type;
  }
  if (!near.empty()) message += " (did you mean '" + near + "'?)";
  errors.Add(node.mark(), message);
  return std::nullopt;
}

// An int when the text is one, else a double.
std::optional<Value> ReadNumber(const ConfigNode& node, ConfigErrors& errors) {
  ConfigErrors ignored;
  if (std::optional<int64_t> i = node.AsInt(ignored)) return Value{*i};
  if (std::optional<double> d = node.AsNumber(errors)) return Value{*d};
  return std::nullopt;
}

std::optional<uint64_t> ReadLength(const ConfigNode& node, ConfigErrors& errors) {
  std::optional<int64_t> length = node.AsInt(errors);
  if (!length) return std::nullopt;
  if (*length < 0) {
    errors.Add(node.mark(), "a length cannot be negative, got " + std::to_string(*length));
    return std::nullopt;
  }
  return static_cast<uint64_t>(*length);
}

// The one_of values, read as `type` (kAny: left for ForEachRuleProblem to report).
std::vector<Value> ReadOneOf(const ConfigNode& node, FieldType type, ConfigErrors& errors) {
  std::vector<Value> values;
  if (!node.is_list() || node.children().empty()) {
    errors.Add(node.mark(), "one_of must be a non-empty list, got " +
                                (node.is_list() ? "an empty one" : node.Describe()));
    return values;
  }
  for (const ConfigNode& item : node.children()) {
    std::optional<Value> value;
    switch (type) {
      case FieldType::kInt:
        if (auto i = item.AsInt(errors)) value = Value{*i};
        break;
      case FieldType::kNumber: value = ReadNumber(item, errors); break;
      case FieldType::kBool:
        if (auto b = item.AsBool(errors)) value = Value{*b};
        break;
      case FieldType::kString:
      case FieldType::kAny:
        if (auto s = item.AsString(errors)) value = Value{std::move(*s)};
        break;
    }
    if (value) values.push_back(std::move(*value));
  }
  return values;
}

// Reads one `field: { ... }` rule; nullopt when it has errors (all reported).
std::optional<FieldRule> ReadRule(const ConfigNode& node, ConfigErrors& errors) {
  const size_t errors_before = errors.size();
  FieldRule rule{.field = node.key()};
  if (node.is_scalar()) {  // `latency_ms: number`
    if (auto type = ReadType(node, errors)) rule.type = *type;
    return errors.size() == errors_before ? std::optional(rule) : std::nullopt;
  }
  if (!node.is_map()) {
    errors.Add(node.mark(), "rule for '" + rule.field +
                                "' must be a map like { type: int, required: true } or a type "
                                "name, got " +
                                node.Describe());
    return std::nullopt;
  }
  node.CheckKeys(kRuleKeys, errors);
  const size_t errors_after_key_check = errors.size();
  bool type_ok = true;
  if (const ConfigNode* type = node.Get("type")) {
    std::optional<FieldType> t = ReadType(*type, errors);
    type_ok = t.has_value();
    if (t) rule.type = *t;
  }
  if (const ConfigNode* required = node.Get("required")) {
    rule.required = required->AsBool(errors).value_or(false);
  }
  if (const ConfigNode* min = node.Get("min")) rule.min = ReadNumber(*min, errors);
  if (const ConfigNode* max = node.Get("max")) rule.max = ReadNumber(*max, errors);
  if (const ConfigNode* n = node.Get("min_length")) rule.min_length = ReadLength(*n, errors);
  if (const ConfigNode* n = node.Get("max_length")) rule.max_length = ReadLength(*n, errors);
  if (const ConfigNode* pattern = node.Get("pattern")) rule.pattern = pattern->AsString(errors);
  if (const ConfigNode* one_of = node.Get("one_of"); one_of && type_ok) {
    const size_t errors_before_one_of = errors.size();
    rule.one_of = ReadOneOf(*one_of, rule.type, errors);
    // Reported; the values read would no longer match the list's positions below.
    if (errors.size() != errors_before_one_of) rule.one_of.clear();
  }
  // The checks across keys take the values that could be read (one that could not is left
  // unset), so that a bad value hides no other problem. Not without a type: a misspelt key
  // may be `type`, and every type check would then be wrong.
  const bool misspelt_key = errors_after_key_check != errors_before;
  if (!type_ok || (misspelt_key && !node.Get("type"))) return std::nullopt;

  ForEachRuleProblem(rule, [&](std::string_view key, size_t index, const std::string& message) {
    const ConfigNode* at = key.empty() ? &node : node.Get(key);
    if (key == "one_of" && at && index < at->children().size()) at = &at->children()[index];
    errors.Add(at ? at->mark() : node.mark(), "rule '" + rule.field + "': " + message);
  });
  return errors.size() == errors_before ? std::optional(rule) : std::nullopt;
}

std::optional<OnInvalid> ReadOnInvalid(const ConfigNode& node, ConfigErrors& errors) {
  std::optional<std::string> text = node.AsString(errors);
  if (!text) return std::nullopt;
  if (*text == "error") return OnInvalid::kError;
  if (*text == "drop") return OnInvalid::kDrop;
  std::string message = "on_invalid must be error or drop, got '" + *text + "'";
  if (std::string near = DidYouMean(*text, {"error", "drop"}); !near.empty()) {
    message += " (did you mean '" + near + "'?)";
  }
  errors.Add(node.mark(), message);
  return std::nullopt;
}

std::unique_ptr<Stage> MakeValidateFromConfig(const ConfigNode& stage, ConfigErrors& errors) {
  const size_t errors_before = errors.size();
  ValidateOptions options;
  if (const ConfigNode* on_invalid = stage.Get("on_invalid")) {
    options.on_invalid = ReadOnInvalid(*on_invalid, errors).value_or(OnInvalid::kError);
  }
  if (const ConfigNode* rules = stage.Require("rules", errors)) {
    if (!rules->is_map() || rules->children().empty()) {
      errors.Add(rules->mark(), "rules must be a non-empty map of field: { type: ..., ... }, got " +
                                    (rules->is_map() ? "an empty one" : rules->Describe()));
    } else {
      std::unordered_set<std::string_view> seen;
      for (const ConfigNode& child : rules->children()) {
        if (child.key().empty()) {
          errors.Add(child.key_mark(), "rule field name is empty");
        } else if (!seen.insert(child.key()).second) {
          errors.Add(child.key_mark(), "a second rule for field '" + child.key() + "'");
        } else if (std::optional<FieldRule> rule = ReadRule(child, errors)) {
          options.rules.push_back(std::move(*rule));
        }
      }
    }
  }
  if (errors.size() != errors_before) return nullptr;
  return std::make_unique<ValidateStage>(std::move(options));
}

}  // namespace

void RegisterValidate(StageRegistry& registry) {
  registry.Register({
      .name = "validate",
      .summary = "checks fields against rules (type, required, min/max, one_of, length, "
                 "pattern); bad records become errors or are dropped",
      .keys = {"rules", "on_invalid"},
      .make = MakeValidateFromConfig,
  });
}

}  // namespace sluice
