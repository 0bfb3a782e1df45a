#include "stages/parse_kv.h"

#include <algorithm>
#include <array>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "stages/line_checks.h"
#include "stages/parse_config.h"

namespace sluice {
namespace {

constexpr char kQuote = '"';

enum class PairStatus : uint8_t {
  kOk,
  kNoSeparator,
  kEmptyKey,
  kUnterminatedQuote,
  kJunkAfterQuote,
};

/// One pair found in a line: offsets into the line.
struct Pair {
  size_t begin = 0;  // where the pair starts (for error columns)
  std::string_view key;
  std::string_view value;  // unquoted text, or the inside of the quotes
  bool quoted = false;
  bool has_escapes = false;  // quoted value holding backslashes
  size_t error_column = 0;   // 1-based, when the status is not kOk
};

/// The text-level grammar of one configuration: separators, pair delimiter.
class KvSyntax {
 public:
  explicit KvSyntax(const ParseKvOptions& options)
      : separators_(options.separators), delimiter_(options.pair_delimiter) {
    // Longest first, so that "=>" wins over "=" where both start.
    std::stable_sort(
        separators_.begin(), separators_.end(),
        [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
    for (const std::string& separator : separators_) {
      starts_separator_[static_cast<unsigned char>(separator[0])] = true;
    }
  }

  /// Length of the pair delimiter at `i` (0 when there is none).
  size_t DelimiterAt(std::string_view text, size_t i) const {
    if (delimiter_.empty()) return IsBlank(text[i]) ? 1 : 0;
    return text.compare(i, delimiter_.size(), delimiter_) == 0 ? delimiter_.size() : 0;
  }

  /// Length of the separator at `i` (0 when there is none).
  size_t SeparatorAt(std::string_view text, size_t i) const {
    if (!starts_separator_[static_cast<unsigned char>(text[i])]) return 0;
    for (const std::string& separator : separators_) {
      if (text.compare(i, separator.size(), separator) == 0) return separator.size();
    }
    return 0;
  }

  /// Index of the first non-delimiter, non-blank byte at or after `i`.
  size_t SkipDelimiters(std::string_view text, size_t i) const {
    while (i < text.size()) {
      const size_t length = DelimiterAt(text, i);
      if (length != 0) {
        i += length;
      } else if (IsBlank(text[i])) {
        ++i;
      } else {
        break;
      }
    }
    return i;
  }

  /// Reads the pair starting at `i`; `i` ends after it. With `whole_line`, the pair runs
  /// to the end of the text (delimiters are not special).
  PairStatus ReadPair(std::string_view text, size_t& i, bool whole_line, Pair& pair) const;

 private:
  PairStatus ReadQuoted(std::string_view text, size_t& i, bool whole_line, Pair& pair) const;

  std::vector<std::string> separators_;
  std::string delimiter_;
  std::array<bool, 256> starts_separator_{};
};

PairStatus KvSyntax::ReadPair(std::string_view text, size_t& i, bool whole_line, Pair& pair) const {
  pair = Pair();
  pair.begin = i;
  size_t separator = 0;
  for (; i < text.size(); ++i) {
    if (!whole_line && DelimiterAt(text, i) != 0) break;
    if ((separator = SeparatorAt(text, i)) != 0) break;
  }
  if (separator == 0) {
    pair.error_column = pair.begin + 1;
    return PairStatus::kNoSeparator;
  }
  pair.key = TrimBlanks(text.substr(pair.begin, i - pair.begin));
  if (pair.key.empty()) {
    pair.error_column = pair.begin + 1;
    return PairStatus::kEmptyKey;
  }
  i += separator;
  while (i < text.size() && IsBlank(text[i]) && (whole_line || DelimiterAt(text, i) == 0)) ++i;
  if (i < text.size() && text[i] == kQuote) return ReadQuoted(text, i, whole_line, pair);
  const size_t value_begin = i;
  while (i < text.size() && (whole_line || DelimiterAt(text, i) == 0)) ++i;
  pair.value = TrimBlanks(text.substr(value_begin, i - value_begin));
  return PairStatus::kOk;
}

PairStatus KvSyntax::ReadQuoted(std::string_view text, size_t& i, bool whole_line,
                                Pair& pair) const {
  const size_t open = i++;
  const size_t begin = i;
  while (i < text.size() && text[i] != kQuote) {
    if (text[i] == '\\' && i + 1 < text.size()) {
      pair.has_escapes = true;
      ++i;
    }
    ++i;
  }
  if (i == text.size()) {
    pair.error_column = open + 1;
    return PairStatus::kUnterminatedQuote;
  }
  pair.value = text.substr(begin, i - begin);
  pair.quoted = true;
  ++i;  // past the closing quote
  size_t after = i;
  while (after < text.size() && IsBlank(text[after]) &&
         (whole_line || DelimiterAt(text, after) == 0)) {
    ++after;
  }
  if (after < text.size() && (whole_line || DelimiterAt(text, after) == 0)) {
    pair.error_column = after + 1;
    return PairStatus::kJunkAfterQuote;
  }
  return PairStatus::kOk;
}

/// The value of a pair: quoted values are strings (escapes resolved), others typed.
Value PairValue(const Pair& pair, ValueTyping types) {
  if (!pair.quoted) return InferValue(pair.value, types);
  if (!pair.has_escapes) return std::string(pair.value);
  std::string out;
  out.reserve(pair.value.size());
  for (size_t i = 0; i < pair.value.size(); ++i) {
    const char c = pair.value[i];
    if (c == '\\' && i + 1 < pair.value.size() &&
        (pair.value[i + 1] == kQuote || pair.value[i + 1] == '\\')) {
      out.push_back(pair.value[++i]);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

/// "expected key:value or key=value" for the configured separators.
std::string NoSeparatorMessage(const std::vector<std::string>& separators) {
  std::string message = "expected ";
  for (size_t i = 0; i < separators.size(); ++i) {
    if (i != 0) message += " or ";
    message += "key" + separators[i] + "value";
  }
  return message;
}

class KvWorker : public StageWorker {
 public:
  KvWorker(const ParseKvOptions& options, const FieldNeeds& needed)
      : options_(options),
        syntax_(options),
        no_separator_(NoSeparatorMessage(options.separators)),
        all_fields_(needed.all) {
    if (options_.layout == KvLayout::kKeyValue) {
      key_id_ = FieldNames::Intern(options_.key_field);
      value_id_ = FieldNames::Intern(options_.value_field);
    }
    if (!all_fields_) {
      for (FieldId id : needed.fields) wanted_.emplace_back(FieldNames::Name(id), id);
    }
  }

  Verdict Process(Item& item) override {
    std::string_view text;
    if (std::optional<Verdict> done = VerdictBeforeParsing(item, text)) return *done;
    item.record.Clear();
    const Verdict verdict = options_.layout == KvLayout::kKeyValue ? ParseKeyValue(text, item)
                                                                   : ParseFields(text, item);
    if (verdict == Verdict::kError) item.record.Clear();  // no half-parsed records
    return verdict;
  }

 private:
  Verdict ParseKeyValue(std::string_view text, Item& item);
  Verdict ParseFields(std::string_view text, Item& item);
  Verdict FailPair(Item& item, PairStatus status, const Pair& pair);
  std::optional<FieldId> WantedId(std::string_view key) const;

  const ParseKvOptions options_;
  const KvSyntax syntax_;
  const std::string no_separator_;
  const bool all_fields_;
  std::vector<std::pair<std::string, FieldId>> wanted_;  // when !all_fields_
  FieldId key_id_ = 0;
  FieldId value_id_ = 0;
  FieldIdCache ids_;
  FieldDeduper deduper_;
};

Verdict KvWorker::FailPair(Item& item, PairStatus status, const Pair& pair) {
  const std::string column = std::to_string(pair.error_column);
  switch (status) {
    case PairStatus::kNoSeparator:
      return item.Fail(ErrorCode::kInvalidInput, no_separator_ + " at column " + column);
    case PairStatus::kEmptyKey:
      return item.Fail(ErrorCode::kInvalidInput, "empty key at column " + column);
    case PairStatus::kUnterminatedQuote:
      return item.Fail(ErrorCode::kInvalidInput,
                       "unterminated quoted value starting at column " + column);
    case PairStatus::kJunkAfterQuote:
    case PairStatus::kOk: break;
  }
  return item.Fail(ErrorCode::kInvalidInput,
                   "unexpected character after closing quote at column " + column);
}

Verdict KvWorker::ParseKeyValue(std::string_view text, Item& item) {
  size_t i = syntax_.SkipDelimiters(text, 0);
  Pair pair;
  if (PairStatus status = syntax_.ReadPair(text, i, /*whole_line=*/true, pair);
      status != PairStatus::kOk) {
    return FailPair(item, status, pair);
  }
  item.record.Reserve(2);
  item.record.Append(key_id_, std::string(pair.key));
  item.record.Append(value_id_, PairValue(pair, options_.types));
  return Verdict::kPass;
}

std::optional<FieldId> KvWorker::WantedId(std::string_view key) const {
  for (const auto& [name, id] : wanted_) {
    if (name == key) return id;
  }
  return std::nullopt;
}

Verdict KvWorker::ParseFields(std::string_view text, Item& item) {
  deduper_.StartRecord();
  size_t position = 0;
  for (size_t i = syntax_.SkipDelimiters(text, 0); i < text.size();
       i = syntax_.SkipDelimiters(text, i)) {
    Pair pair;
    if (PairStatus status = syntax_.ReadPair(text, i, /*whole_line=*/false, pair);
        status != PairStatus::kOk) {
      return FailPair(item, status, pair);
    }
    std::optional<FieldId> id =
        all_fields_ ? ids_.Intern(pair.key, position++) : WantedId(pair.key);
    if (!id) {
      if (!all_fields_) continue;  // not read later: skip it
      return item.Fail(ErrorCode::kResourceExhausted, "too many distinct field names");
    }
    deduper_.Set(item.record, *id, PairValue(pair, options_.types));
  }
  return Verdict::kPass;
}

}  // namespace

namespace {

/// An option at fault and what is wrong with it.
struct KvProblem {
  std::string_view key;
  std::string message;
  std::string_view also = {};  // another option the problem comes of, if any
};

/// Every option at fault, each once (its first problem), in the order of the keys.
std::vector<KvProblem> FindKvProblems(const ParseKvOptions& options) {
  std::vector<KvProblem> problems;
  if (options.separators.empty()) {
    problems.push_back({"separators", "expected at least one separator"});
  }
  for (const std::string& separator : options.separators) {
    KvProblem problem{.key = "separators", .message = ""};
    if (separator.empty()) {
      problem.message = "a separator must not be empty";
    } else if (separator.find_first_of(" \t\"") != std::string::npos) {
      problem.message = "'" + separator + "' must not hold blanks or '\"'";
    } else if (!options.pair_delimiter.empty() &&
               separator.find(options.pair_delimiter) != std::string::npos) {
      problem.message =
          "'" + separator + "' holds the pair delimiter '" + options.pair_delimiter + "'";
      problem.also = "pair_delimiter";
    }
    if (!problem.message.empty()) {
      problems.push_back(std::move(problem));
      break;  // one problem an option
    }
  }
  if (options.pair_delimiter.find('"') != std::string::npos) {
    problems.push_back({"pair_delimiter", "must not hold '\"'"});
  }
  if (options.layout == KvLayout::kKeyValue) {
    if (options.key_field.empty()) problems.push_back({"key_field", "must not be empty"});
    if (options.value_field.empty()) {
      problems.push_back({"value_field", "must not be empty"});
    } else if (options.key_field == options.value_field) {
      problems.push_back(
          {"value_field", "must differ from key_field ('" + options.key_field + "')", "key_field"});
    }
  }
  return problems;
}

}  // namespace

std::string ValidateKvOptions(const ParseKvOptions& options) {
  std::string text;
  for (const KvProblem& problem : FindKvProblems(options)) {
    if (!text.empty()) text += "; ";
    text += std::string(problem.key) + ": " + problem.message;
  }
  return text;
}

ParseKvStage::ParseKvStage(ParseKvOptions options) : options_(std::move(options)) {
  if (std::string problem = ValidateKvOptions(options_); !problem.empty()) {
    throw std::invalid_argument("parse_kv: " + problem);
  }
}

std::unique_ptr<StageWorker> ParseKvStage::MakeWorker() {
  return std::make_unique<KvWorker>(options_, needed_);
}

void ParseKvStage::Project(const FieldNeeds& needed) { needed_ = needed; }

namespace {

std::unique_ptr<Stage> MakeParseKv(const ConfigNode& stage, ConfigErrors& errors) {
  const size_t errors_before = errors.size();
  ParseKvOptions options;
  if (const ConfigNode* node = stage.Get("as")) {
    if (std::optional<std::string> layout = node->AsString(errors)) {
      if (*layout == "fields") {
        options.layout = KvLayout::kFields;
      } else if (*layout == "key_value") {
        options.layout = KvLayout::kKeyValue;
      } else {
        errors.Add(node->mark(), "as: expected 'fields' or 'key_value', got '" + *layout + "'");
      }
    }
  }
  std::vector<std::string_view> unread;  // options given that could not be read
  const auto read = [&](std::string_view key, const auto& read_value) {
    const size_t before = errors.size();
    read_value();
    if (errors.size() != before) unread.push_back(key);
  };
  read("separators", [&] {
    if (const ConfigNode* node = stage.Get("separators")) {
      if (auto separators = node->AsStringList(errors)) options.separators = std::move(*separators);
    }
  });
  read("pair_delimiter", [&] {
    if (auto delimiter = ReadString(stage, "pair_delimiter", "", errors)) {
      options.pair_delimiter = *delimiter == "\\t" ? "\t" : *delimiter;
    }
  });
  read("key_field", [&] {
    if (auto key = ReadFieldName(stage, "key_field", "key", errors)) options.key_field = *key;
  });
  read("value_field", [&] {
    if (auto value = ReadFieldName(stage, "value_field", "value", errors)) {
      options.value_field = *value;
    }
  });
  if (auto types = ReadValueTyping(stage, "types", ValueTyping::kInfer, errors))
    options.types = *types;
  if (options.layout == KvLayout::kFields) {
    for (std::string_view key : {"key_field", "value_field"}) {
      if (const ConfigNode* node = stage.Get(key)) {
        errors.Add(node->key_mark(), std::string(key) + " applies only with `as: key_value`");
      }
    }
  }
  // An option that could not be read kept its default: a problem that comes of it would be
  // the default's, not the config's.
  const auto was_read = [&unread](std::string_view key) {
    return key.empty() || std::find(unread.begin(), unread.end(), key) == unread.end();
  };
  for (const KvProblem& problem : FindKvProblems(options)) {
    if (!was_read(problem.key) || !was_read(problem.also)) continue;
    const ConfigNode* node = stage.Get(problem.key);
    errors.Add(node ? node->mark() : stage.mark(),
               std::string(problem.key) + ": " + problem.message);
  }
  if (errors.size() != errors_before) return nullptr;
  return std::make_unique<ParseKvStage>(std::move(options));
}

}  // namespace

void RegisterParseKv(StageRegistry& registry) {
  registry.Register({
      .name = "parse_kv",
      .summary = "parses key:value / key=value lines into a record (fields or key/value layout)",
      .keys = {"as", "separators", "pair_delimiter", "key_field", "value_field", "types"},
      .make = MakeParseKv,
  });
}

}  // namespace sluice
