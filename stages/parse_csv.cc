#include "stages/parse_csv.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "framework/string_set.h"
#include "stages/line_checks.h"
#include "stages/parse_config.h"

namespace sluice {

namespace detail {

/// The header row shared by one stage's workers when the names come from line 1.
struct CsvHeaderSlot {
  enum class State : uint8_t { kPending, kReady, kFailed };

  std::atomic<int> workers{0};  // MakeWorker calls: 1 means nobody else can fill it
  std::mutex mutex;
  std::condition_variable changed;
  State state = State::kPending;  // guarded by mutex
  std::vector<FieldId> ids;       // when kReady: one per column
  std::string failure;            // when kFailed: why line 1 is no header
  bool gave_up = false;           // a worker timed out waiting: later ones do not wait
};

}  // namespace detail

namespace {

using detail::CsvHeaderSlot;

constexpr const char* kMultilineWithoutQuote =
    "multiline needs a quote: line breaks are kept only inside quoted fields";
// A row never holds a line break outside quotes (it ends the row), nor a CR before its end.
constexpr const char* kLineEndAsSeparator =
    "cannot be CR or LF: a line break ends a row (multiline keeps them inside quotes)";

bool IsLineEnd(char c) { return c == '\n' || c == '\r'; }

/// One field of a row: [begin, end) in the line, and how it was written.
struct Span {
  enum class Kind : uint8_t { kPlain, kQuoted, kQuotedWithDoubledQuotes };
  size_t begin;
  size_t end;
  Kind kind;
};

enum class RowStatus : uint8_t { kOk, kUnterminatedQuote, kJunkAfterQuote };

/// Splits `text` into fields. On failure `error_column` is the 1-based column at fault.
RowStatus SplitRow(std::string_view text, char delimiter, char quote, std::vector<Span>& spans,
                   size_t& error_column) {
  spans.clear();
  const size_t n = text.size();
  const char* data = text.data();
  size_t i = 0;
  while (true) {
    if (quote != '\0' && i < n && data[i] == quote) {
      const size_t open = i++;
      const size_t begin = i;
      Span::Kind kind = Span::Kind::kQuoted;
      while (true) {
        const void* found = i < n ? std::memchr(data + i, quote, n - i) : nullptr;
        if (found == nullptr) {
          error_column = open + 1;
          return RowStatus::kUnterminatedQuote;
        }
        i = static_cast<const char*>(found) - data;
        if (i + 1 < n && data[i + 1] == quote) {  // "" inside quotes: one literal quote
          kind = Span::Kind::kQuotedWithDoubledQuotes;
          i += 2;
          continue;
        }
        break;
      }
      spans.push_back({begin, i, kind});
      ++i;  // past the closing quote
      if (i == n) return RowStatus::kOk;
      if (data[i] != delimiter) {
        error_column = i + 1;
        return RowStatus::kJunkAfterQuote;
      }
      ++i;
      continue;
    }
    const void* found = i < n ? std::memchr(data + i, delimiter, n - i) : nullptr;
    const size_t end = found ? static_cast<const char*>(found) - data : n;
    spans.push_back({i, end, Span::Kind::kPlain});
    if (found == nullptr) return RowStatus::kOk;
    i = end + 1;
  }
}

std::string SplitError(RowStatus status, size_t column) {
  if (status == RowStatus::kUnterminatedQuote) {
    return "unterminated quoted field starting at column " + std::to_string(column);
  }
  return "unexpected character after closing quote at column " + std::to_string(column);
}

/// The text of a field, with doubled quotes made single.
std::string FieldText(std::string_view text, const Span& span, char quote) {
  std::string_view raw = text.substr(span.begin, span.end - span.begin);
  if (span.kind != Span::Kind::kQuotedWithDoubledQuotes) return std::string(raw);
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    out.push_back(raw[i]);
    if (raw[i] == quote) ++i;  // skip the second of the pair
  }
  return out;
}

/// What is wrong with a list of column names, or "". Sets `*at`, where given, to the index
/// of the name it is about (the second of two the same), for a config's position.
std::string CheckColumnNames(const std::vector<std::string>& names, size_t* at = nullptr) {
  StringSet seen;  // seeded: a header is input
  for (size_t i = 0; i < names.size(); ++i) {
    if (at != nullptr) *at = i;
    if (names[i].empty()) return "column " + std::to_string(i + 1) + " has an empty name";
    if (!seen.Insert(names[i])) return "duplicate column '" + names[i] + "'";
  }
  return "";
}

class CsvWorker : public StageWorker {
 public:
  CsvWorker(const ParseCsvOptions& options, const FieldNeeds& needed,
            std::shared_ptr<CsvHeaderSlot> slot)
      : options_(options), needed_(needed), slot_(std::move(slot)) {
    if (!options_.columns.empty()) {
      std::vector<FieldId> ids;
      for (const std::string& name : options_.columns) ids.push_back(FieldNames::Intern(name));
      Adopt(ids);
    }
  }

  Verdict Process(Item& item) override {
    std::string_view text;
    const LineStatus status = CheckLine(item, text);
    if (status == LineStatus::kNoText) return Verdict::kPass;
    const bool header_row = options_.header && item.line == 1;
    if (status == LineStatus::kRejected) {
      NoteFailedLine(item);
      return Verdict::kError;
    }
    item.record.Clear();
    if (header_row) {
      return options_.columns.empty() ? ReadHeaderRow(text, item) : SkipHeaderRow(text, item);
    }
    if (ids_.empty() && !AwaitHeader(item)) return Verdict::kError;
    return ParseRow(text, item);
  }

  // A line failed before this stage (by the source: too long, say).
  void PassOver(const Item& failed) noexcept override { NoteFailedLine(failed); }

 private:
  void Adopt(const std::vector<FieldId>& ids);
  Verdict ParseRow(std::string_view text, Item& item);
  Verdict SkipHeaderRow(std::string_view text, Item& item);
  Verdict ReadHeaderRow(std::string_view text, Item& item);
  bool AwaitHeader(Item& item);
  // A failed line 1, here or before, is no header: the workers waiting for it stop.
  void NoteFailedLine(const Item& failed) {
    if (options_.header && options_.columns.empty() && failed.line == 1) {
      Publish({}, "line 1: " + failed.error->message);
    }
  }
  bool Publish(const std::vector<FieldId>& ids, std::string failure);
  bool MatchesPublished(const std::vector<FieldId>& ids);

  const ParseCsvOptions options_;
  const FieldNeeds needed_;
  std::shared_ptr<CsvHeaderSlot> slot_;
  std::vector<FieldId> ids_;  // per column; empty until the header is known
  std::vector<bool> keep_;    // per column: materialize it (projection)
  size_t kept_ = 0;
  std::vector<Span> spans_;
};

void CsvWorker::Adopt(const std::vector<FieldId>& ids) {
  ids_ = ids;
  keep_.assign(ids_.size(), true);
  if (!needed_.all) {
    for (size_t i = 0; i < ids_.size(); ++i) {
      keep_[i] =
          std::find(needed_.fields.begin(), needed_.fields.end(), ids_[i]) != needed_.fields.end();
    }
  }
  kept_ = static_cast<size_t>(std::count(keep_.begin(), keep_.end(), true));
}

Verdict CsvWorker::ParseRow(std::string_view text, Item& item) {
  size_t error_column = 0;
  const RowStatus status = SplitRow(text, options_.delimiter, options_.quote, spans_, error_column);
  if (status != RowStatus::kOk) {
    return item.Fail(ErrorCode::kInvalidInput, SplitError(status, error_column));
  }
  if (spans_.size() != ids_.size()) {
    return item.Fail(ErrorCode::kInvalidInput, "expected " + std::to_string(ids_.size()) +
                                                   " columns, got " +
                                                   std::to_string(spans_.size()));
  }
  item.record.Reserve(kept_);
  for (size_t i = 0; i < spans_.size(); ++i) {
    if (!keep_[i]) continue;
    const Span& span = spans_[i];
    if (span.kind == Span::Kind::kPlain) {
      item.record.Append(
          ids_[i], InferValue(text.substr(span.begin, span.end - span.begin), options_.types));
    } else {
      item.record.Append(ids_[i], FieldText(text, span, options_.quote));
    }
  }
  return Verdict::kPass;
}

/// Line 1 when `columns:` names the fields: dropped as the header, if it has their count.
Verdict CsvWorker::SkipHeaderRow(std::string_view text, Item& item) {
  size_t error_column = 0;
  const RowStatus status = SplitRow(text, options_.delimiter, options_.quote, spans_, error_column);
  if (status != RowStatus::kOk) {
    return item.Fail(ErrorCode::kInvalidInput, "header row: " + SplitError(status, error_column));
  }
  if (spans_.size() != ids_.size()) {
    return item.Fail(ErrorCode::kInvalidInput, "header row: expected " +
                                                   std::to_string(ids_.size()) + " columns, got " +
                                                   std::to_string(spans_.size()));
  }
  return Verdict::kFilter;
}

/// Line 1 when the names come from the input: fills the shared slot either way.
Verdict CsvWorker::ReadHeaderRow(std::string_view text, Item& item) {
  size_t error_column = 0;
  const RowStatus status = SplitRow(text, options_.delimiter, options_.quote, spans_, error_column);
  std::string failure;
  ErrorCode code = ErrorCode::kInvalidInput;
  std::vector<FieldId> ids;
  if (status != RowStatus::kOk) {
    failure = SplitError(status, error_column);
  } else {
    std::vector<std::string> names;
    for (const Span& span : spans_) names.push_back(FieldText(text, span, options_.quote));
    failure = CheckColumnNames(names);
    for (size_t i = 0; failure.empty() && i < names.size(); ++i) {
      if (std::optional<FieldId> id = FieldNames::TryIntern(names[i])) {
        ids.push_back(*id);
      } else {
        failure = "too many distinct field names";
        code = ErrorCode::kResourceExhausted;
      }
    }
  }
  if (failure.empty()) {
    if (Publish(ids, "") || MatchesPublished(ids)) return Verdict::kFilter;
    // Line 1 of a later input (Pipeline::SetSourceName): its rows are named by the first.
    return item.Fail(ErrorCode::kInvalidInput,
                     "header row: the names differ from the first input's, which name every "
                     "input's rows (one parse_csv stage reads one header)");
  }
  Publish({}, "line 1: " + failure);
  return item.Fail(code, "header row: " + failure);
}

/// Fills the slot with the column `ids` (or with `failure` when ids is empty) and wakes
/// the workers waiting for it. False when the slot was filled already (a later input's
/// line 1).
bool CsvWorker::Publish(const std::vector<FieldId>& ids, std::string failure) {
  {
    std::lock_guard lock(slot_->mutex);
    if (slot_->state != CsvHeaderSlot::State::kPending) return false;
    if (!ids.empty()) {
      slot_->ids = ids;
      slot_->state = CsvHeaderSlot::State::kReady;
    } else {
      slot_->failure = std::move(failure);
      slot_->state = CsvHeaderSlot::State::kFailed;
    }
  }
  slot_->changed.notify_all();
  if (!ids.empty()) Adopt(ids);
  return true;
}

bool CsvWorker::MatchesPublished(const std::vector<FieldId>& ids) {
  std::lock_guard lock(slot_->mutex);
  return slot_->state == CsvHeaderSlot::State::kReady && slot_->ids == ids;
}

/// Waits, when it can help, for the worker that has line 1. False: item failed.
bool CsvWorker::AwaitHeader(Item& item) {
  std::unique_lock lock(slot_->mutex);
  using State = CsvHeaderSlot::State;
  if (slot_->state == State::kPending && !slot_->gave_up && slot_->workers.load() > 1) {
    if (!slot_->changed.wait_for(lock, ParseCsvStage::kHeaderWait,
                                 [&] { return slot_->state != State::kPending; })) {
      slot_->gave_up = true;
    }
  }
  switch (slot_->state) {
    case State::kReady: Adopt(slot_->ids); return true;
    case State::kFailed:
      item.Fail(ErrorCode::kInvalidInput, "no valid header row (" + slot_->failure + ")");
      return false;
    case State::kPending: break;
  }
  item.Fail(ErrorCode::kInvalidInput,
            "no header row: line 1 has not reached this stage (give `columns:`)");
  return false;
}

}  // namespace

std::string ValidateCsvOptions(const ParseCsvOptions& options) {
  if (options.columns.empty() && !options.header) {
    return "needs `columns:` when `header: false` (nothing names the fields)";
  }
  if (std::string problem = CheckColumnNames(options.columns); !problem.empty()) {
    return "columns: " + problem;
  }
  if (options.delimiter == '\0') return "delimiter: must not be empty";
  if (options.delimiter == options.quote) return "delimiter and quote must differ";
  if (options.multiline && options.quote == '\0') return kMultilineWithoutQuote;
  if (IsLineEnd(options.delimiter)) return std::string("delimiter: ") + kLineEndAsSeparator;
  if (IsLineEnd(options.quote)) return std::string("quote: ") + kLineEndAsSeparator;
  return "";
}

ParseCsvStage::ParseCsvStage(ParseCsvOptions options)
    : options_(std::move(options)), header_slot_(std::make_shared<detail::CsvHeaderSlot>()) {
  if (std::string problem = ValidateCsvOptions(options_); !problem.empty()) {
    throw std::invalid_argument("parse_csv: " + problem);
  }
}

ParseCsvStage::~ParseCsvStage() = default;

std::unique_ptr<StageWorker> ParseCsvStage::MakeWorker() {
  header_slot_->workers.fetch_add(1);
  return std::make_unique<CsvWorker>(options_, needed_, header_slot_);
}

void ParseCsvStage::Project(const FieldNeeds& needed) { needed_ = needed; }

RecordFraming ParseCsvStage::Framing() const {
  if (!options_.multiline) return {};
  return {.quote = options_.quote, .delimiter = options_.delimiter};
}

namespace {

std::unique_ptr<Stage> MakeParseCsv(const ConfigNode& stage, ConfigErrors& errors) {
  const size_t errors_before = errors.size();
  ParseCsvOptions options;
  const ConfigNode* columns = stage.Get("columns");
  if (columns != nullptr) {
    if (std::optional<std::vector<std::string>> names = columns->AsStringList(errors)) {
      options.columns = std::move(*names);
      if (options.columns.empty())
        errors.Add(columns->mark(), "columns: expected at least one name");
      size_t at = 0;
      if (std::string problem = CheckColumnNames(options.columns, &at); !problem.empty()) {
        errors.Add(columns->is_list() ? columns->children()[at].mark() : columns->mark(),
                   "columns: " + problem);
      }
    }
  }
  std::optional<bool> header = ReadBool(stage, "header", true, errors);
  std::optional<char> delimiter = ReadChar(stage, "delimiter", ',', false, errors);
  std::optional<char> quote = ReadChar(stage, "quote", '"', true, errors);
  std::optional<ValueTyping> types = ReadValueTyping(stage, "types", ValueTyping::kInfer, errors);
  std::optional<bool> multiline = ReadBool(stage, "multiline", false, errors);
  if (header) options.header = *header;
  if (delimiter) options.delimiter = *delimiter;
  if (quote) options.quote = *quote;
  if (types) options.types = *types;
  if (multiline) options.multiline = *multiline;
  if (header && !*header && columns == nullptr) {
    const ConfigNode* node = stage.Get("header");
    errors.Add(node->mark(), "parse_csv needs `columns:` when `header: false`");
  }
  if (delimiter && quote && *delimiter == *quote) {
    const ConfigNode* node = stage.Get("delimiter") ? stage.Get("delimiter") : stage.Get("quote");
    errors.Add(node->mark(), "delimiter and quote must differ");
  }
  for (const auto& [key, read] : {std::pair{"delimiter", delimiter}, std::pair{"quote", quote}}) {
    if (read && IsLineEnd(*read)) {
      errors.Add(stage.Get(key)->mark(), std::string(key) + ": " + kLineEndAsSeparator);
    }
  }
  if (multiline && *multiline && options.quote == '\0') {
    errors.Add(stage.Get("multiline")->mark(), kMultilineWithoutQuote);
  }
  if (errors.size() != errors_before) return nullptr;
  return std::make_unique<ParseCsvStage>(std::move(options));
}

}  // namespace

void RegisterParseCsv(StageRegistry& registry) {
  registry.Register({
      .name = "parse_csv",
      .summary = "parses one CSV row per line into a record (RFC 4180 quoting, header row)",
      .keys = {"columns", "header", "delimiter", "quote", "types", "multiline"},
      .make = MakeParseCsv,
  });
}

}  // namespace sluice
