#include "stages/parse_json.h"

#include <simdjson.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "framework/string_set.h"
#include "stages/detail/flat_json.h"
#include "stages/detail/json_structure.h"
#include "stages/detail/simdjson_number.h"
#include "stages/line_checks.h"
#include "stages/parse_config.h"
#include "stages/text_values.h"

namespace sluice {
namespace {

namespace ondemand = simdjson::ondemand;
using simdjson::error_code;

/// The parser starts with this capacity and grows geometrically; after a line longer than
/// kShrinkAboveBytes the worker drops its big buffers so that one huge line does not pin
/// its memory for the rest of the run.
constexpr size_t kInitialCapacity = size_t{64} << 10;
constexpr size_t kShrinkAboveBytes = size_t{4} << 20;

// Lines are parsed where they lie, in the batch's text: Batch::Seal leaves the padding
// simdjson reads ahead into (its content does not affect the parse).
static_assert(Batch::kRawPadding >= simdjson::SIMDJSON_PADDING);
static_assert(Batch::kRawPadding >= detail::FlatJsonReader::kReadAhead);

/// A reason for people, for the simdjson errors a line can cause.
std::string Reason(error_code error, int max_depth) {
  switch (error) {
    case simdjson::TAPE_ERROR:
      return "malformed structure (missing or extra comma, colon, brace or key)";
    case simdjson::INCOMPLETE_ARRAY_OR_OBJECT:
      return "unclosed object or array, or content after it";
    case simdjson::NUMBER_ERROR: return "invalid number";
    case simdjson::STRING_ERROR: return "invalid string escape";
    case simdjson::UNCLOSED_STRING: return "unterminated string";
    case simdjson::UNESCAPED_CHARS: return "control character inside a string must be escaped";
    case simdjson::T_ATOM_ERROR:
    case simdjson::F_ATOM_ERROR:
    case simdjson::N_ATOM_ERROR:
    case simdjson::INCORRECT_TYPE:
      return "invalid value (expected a string, number, object, array, true, false or null)";
    case simdjson::DEPTH_ERROR:
      return "nested deeper than " + std::to_string(max_depth) + " levels";
    case simdjson::UTF8_ERROR: return "invalid UTF-8";
    default: return simdjson::error_message(error);
  }
}

/// The fields later stages read, found by key. Keys are bucketed by length, so that most
/// keys of a line are told apart without comparing bytes (records often carry keys
/// nothing reads).
class WantedFields {
 public:
  explicit WantedFields(const std::vector<FieldId>& ids) {
    for (FieldId id : ids) fields_.push_back({std::string(FieldNames::Name(id)), id});
    std::sort(fields_.begin(), fields_.end(),
              [](const Field& a, const Field& b) { return a.name.size() < b.name.size(); });
    for (size_t i = 0; i < fields_.size(); ++i) {
      const size_t length = fields_[i].name.size();
      if (length >= by_length_.size()) by_length_.resize(length + 1, {i, i});
      by_length_[length].second = i + 1;
    }
  }

  std::optional<FieldId> Find(std::string_view key) const {
    if (key.size() >= by_length_.size()) return std::nullopt;
    const auto [begin, end] = by_length_[key.size()];
    for (size_t i = begin; i < end; ++i) {
      if (SameBytes(fields_[i].name.data(), key.data(), key.size())) return fields_[i].id;
    }
    return std::nullopt;
  }
  size_t size() const { return fields_.size(); }

 private:
  struct Field {
    std::string name;
    FieldId id;
  };
  std::vector<Field> fields_;                         // by name length
  std::vector<std::pair<size_t, size_t>> by_length_;  // length -> range of fields_
};

/// What the keys of the record before meant, by position: log lines repeat their keys in
/// the same order, so a key is first compared, raw, with the key at its position last time,
/// then with the one after it (this line left out a key of the line before, or the line
/// before left out one of this line's: optional fields; BENCHMARKS.md: learning the keys
/// again at every change ran 11% more instructions on lines alternating so). A match needs
/// neither unescaping nor a lookup. Only keys without a quote or a backslash are
/// remembered: for those, the raw bytes followed by the closing quote are the key.
class KeyMemo {
 public:
  struct Key {
    bool known = false;
    std::string name;
    std::optional<FieldId> id;  // nullopt: not wanted
    uint64_t quoted_word = 0;   // name + '"' as loaded from memory, when they fit in 8 bytes
    uint64_t quoted_mask = 0;   // those bytes of a load; 0 when they do not fit
  };

  /// The key remembered at `position`, or else at the position after it, if the raw key at
  /// `raw` (after its opening quote, with `readable` bytes readable from there) is that
  /// key; else null.
  const Key* Match(size_t position, const char* raw, size_t readable) const {
    if (const Key* key = MatchAt(position, raw, readable)) [[likely]] {
      return key;
    }
    return MatchAt(position + 1, raw, readable);
  }
  /// Remembers that the key at `position` was `name` (unescaped), meaning `id`.
  void Remember(size_t position, std::string_view name, std::optional<FieldId> id) {
    if (position >= kMaxPositions) return;  // a record with endless keys grows nothing
    if (position >= keys_.size()) keys_.resize(position + 1);
    Key& key = keys_[position];
    // A key is known by its raw bytes only if they are its name: no escapes, and no
    // control character (escaped in this line, since simdjson took it; raw in another,
    // which must then be refused).
    key.known = std::none_of(name.begin(), name.end(), [](char c) {
      return c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20;
    });
    key.name.assign(name);
    key.id = id;
    key.quoted_word = key.quoted_mask = 0;
    if (key.known && name.size() < sizeof(uint64_t)) {  // most keys: the name and its quote
      const std::string quoted = key.name + '"';        // fit in one word
      unsigned char mask[sizeof(uint64_t)] = {};
      std::memset(mask, 0xff, quoted.size());
      std::memcpy(&key.quoted_word, quoted.data(), quoted.size());
      std::memcpy(&key.quoted_mask, mask, sizeof mask);
    }
  }

 private:
  static constexpr size_t kMaxPositions = 256;

  const Key* MatchAt(size_t position, const char* raw, size_t readable) const {
    if (position >= keys_.size()) return nullptr;
    const Key& key = keys_[position];
    if (key.quoted_mask != 0 && readable >= sizeof(uint64_t)) {  // one compare, quote included
      return (string_set_detail::Load8(raw) & key.quoted_mask) == key.quoted_word ? &key : nullptr;
    }
    const size_t n = key.name.size();
    if (!key.known || n >= readable || raw[n] != '"' || !SameBytes(raw, key.name.data(), n)) {
      return nullptr;
    }
    return &key;
  }

  std::vector<Key> keys_;
};

class JsonWorker : public StageWorker {
 public:
  JsonWorker(const ParseJsonOptions& options, const FieldNeeds& needed)
      : max_depth_(options.max_depth),
        all_fields_(needed.all),
        wanted_(needed.fields),
        flat_reader_(options.flat_reader) {}

  Verdict Process(Item& item) override {
    // A line the flat reader takes would pass the line checks (it is not blank, holds no
    // NUL byte, and its UTF-8 is checked): they are left for the lines it gives up on.
    if (item.from_line()) {
      item.record.Clear();
      if (TryFlat(item.raw, item.record)) return Verdict::kPass;
    }
    std::string_view text;
    // simdjson validates UTF-8 as it parses.
    if (std::optional<Verdict> done = VerdictBeforeParsing(item, text, Utf8Check::kLeaveToParser)) {
      return *done;
    }
    item.record.Clear();
    const Verdict verdict = ParseWithSimdjson(text, item);
    if (verdict == Verdict::kError) item.record.Clear();  // no half-parsed records
    if (text.size() > kShrinkAboveBytes) ReleaseBigBuffers();
    return verdict;
  }

 private:
  Verdict ParseWithSimdjson(std::string_view text, Item& item);
  bool ReadFlat(std::string_view text, Record& record);
  bool TryFlat(std::string_view text, Record& record);
  error_code ParseFields(ondemand::object& object, Record& record, Verdict& verdict, Item& item);
  error_code ReadValue(ondemand::value value, int depth, Value& out);
  error_code ValidateValue(ondemand::value value, int depth);
  Verdict FailAt(Item& item, error_code error) { return FailSyntax(item, error, CurrentColumn()); }
  Verdict FailSyntax(Item& item, error_code error, size_t column);
  size_t CurrentColumn();
  void ReserveCapacity(size_t line_bytes);
  void ReleaseBigBuffers();

  const int max_depth_;
  const bool all_fields_;
  const WantedFields wanted_;  // when !all_fields_

  ondemand::parser parser_;
  ondemand::document document_;
  const char* line_begin_ = nullptr;  // of the line being parsed, for error columns
  const char* line_end_ = nullptr;    // its end; Batch::kRawPadding bytes after are readable

  KeyMemo keys_;                       // the keys of the record before, by position
  FieldIdCache ids_;                   // all-fields mode: key -> FieldId
  FieldDeduper deduper_;               // duplicate keys
  size_t last_field_count_ = 8;        // records of a stream tend to have the same size
  std::vector<size_t> open_brackets_;  // FindMismatchedBracket's scratch

  // The flat reader rests for kFlatRestLines lines after giving up on kFlatGiveUpsToRest
  // lines in a row: a log whose lines nest or escape would otherwise pay for every try.
  static constexpr int kFlatGiveUpsToRest = 8;
  static constexpr int kFlatRestLines = 1024;
  int flat_give_ups_ = 0;   // in a row
  int flat_rest_left_ = 0;  // lines before the next try
  const bool flat_reader_;  // ParseJsonOptions::flat_reader
};

void JsonWorker::ReserveCapacity(size_t line_bytes) {
  if (line_bytes <= parser_.capacity()) return;
  // Grow geometrically; iterate() alone would reallocate to the exact size every time.
  const size_t capacity = std::max(line_bytes, std::max(parser_.capacity() * 2, kInitialCapacity));
  // On failure iterate() tries again with the exact size and reports MEMALLOC.
  const error_code grown = parser_.allocate(capacity);
  (void)grown;
}

void JsonWorker::ReleaseBigBuffers() {
  document_ = ondemand::document();
  parser_ = ondemand::parser();
  open_brackets_ = {};  // 8 bytes a level of the deepest value skipped
}

size_t JsonWorker::CurrentColumn() {
  const char* location = nullptr;
  if (document_.current_location().get(location) != simdjson::SUCCESS) return 0;
  return static_cast<size_t>(location - line_begin_) + 1;
}

// `column`: where simdjson stopped, 0 when unknown. Errors of the line's brackets and
// strings take the position a scan of the line finds (detail/json_structure.h): simdjson
// finds most of them before it knows a position.
Verdict JsonWorker::FailSyntax(Item& item, error_code error, size_t column) {
  std::string reason = Reason(error, max_depth_);
  if (error == simdjson::TAPE_ERROR || error == simdjson::INCOMPLETE_ARRAY_OR_OBJECT ||
      error == simdjson::OUT_OF_BOUNDS || error == simdjson::UNESCAPED_CHARS ||
      error == simdjson::STRING_ERROR || error == simdjson::UNCLOSED_STRING) {
    const std::string_view line(line_begin_, static_cast<size_t>(line_end_ - line_begin_));
    if (std::optional<detail::JsonStructureProblem> problem =
            detail::FindJsonStructureProblem(line)) {
      column = problem->column;
      reason = std::move(problem->reason);
    } else if (error == simdjson::TAPE_ERROR && column != 0 &&
               detail::ValueIsDueAt(line, column - 1)) {
      // simdjson calls a byte that cannot start a value a structure error, as it does a
      // misplaced comma: after ':' or '[' the value is what is wrong.
      const char c = line[column - 1];
      reason = c == '+' || c == '.' || c == '-' ? Reason(simdjson::NUMBER_ERROR, max_depth_)
                                                : Reason(simdjson::T_ATOM_ERROR, max_depth_);
    }
  }
  if (error == simdjson::NUMBER_ERROR && column != 0) {
    const std::string_view rest(line_begin_ + column - 1,
                                static_cast<size_t>(line_end_ - line_begin_) - (column - 1));
    const size_t length = detail::JsonNumberLength(rest);
    if (length != 0 && (length == rest.size() || std::string_view(",}] \t\r").find(rest[length]) !=
                                                     std::string_view::npos)) {
      reason = "number out of range (beyond the largest double, about 1.8e308)";
    }
  }
  std::string message = "invalid JSON";
  if (column != 0) message += " at column " + std::to_string(column);
  message += ": " + reason;
  return item.Fail(ErrorCode::kInvalidInput, std::move(message));
}

Verdict JsonWorker::ParseWithSimdjson(std::string_view text, Item& item) {
  ReserveCapacity(text.size());
  line_begin_ = text.data();
  line_end_ = text.data() + text.size();
  if (error_code error = parser_.iterate(text.data(), text.size(), text.size() + Batch::kRawPadding)
                             .get(document_)) {
    if (error == simdjson::MEMALLOC) {
      return item.Fail(ErrorCode::kResourceExhausted, "out of memory parsing a JSON line");
    }
    if (error == simdjson::UTF8_ERROR) {
      return item.Fail(ErrorCode::kInvalidEncoding, InvalidUtf8Message(text));
    }
    if (error == simdjson::CAPACITY) {
      return item.Fail(ErrorCode::kTooLarge, "line too large for the JSON parser (4 GiB at most)");
    }
    if (error == simdjson::UNCLOSED_STRING) {  // found before any token: it runs to the end
      return FailSyntax(item, error, /*column=*/text.size() + 1);  // or where the string opens
    }
    return FailSyntax(item, error, /*column=*/0);  // no document to ask for a position
  }
  ondemand::json_type type;
  if (error_code error = document_.type().get(type)) return FailAt(item, error);
  if (type != ondemand::json_type::object) {
    return item.Fail(ErrorCode::kInvalidInput, "expected a JSON object");
  }
  ondemand::object object;
  if (error_code error = document_.get_object().get(object)) return FailAt(item, error);
  Verdict verdict = Verdict::kPass;
  if (error_code error = ParseFields(object, item.record, verdict, item)) {
    return FailAt(item, error);
  }
  if (verdict != Verdict::kPass) return verdict;
  if (const size_t column = CurrentColumn(); column != 0) {
    return item.Fail(ErrorCode::kInvalidInput, "invalid JSON at column " + std::to_string(column) +
                                                   ": unexpected content after the JSON object");
  }
  return Verdict::kPass;
}

bool JsonWorker::TryFlat(std::string_view text, Record& record) {
  // Big lines go to simdjson, whose size and memory errors they may meet.
  if (!flat_reader_ || text.size() > kShrinkAboveBytes) return false;
  if (flat_rest_left_ > 0) {
    --flat_rest_left_;
    return false;
  }
  if (ReadFlat(text, record)) {
    flat_give_ups_ = 0;
    return true;
  }
  record.Clear();
  if (++flat_give_ups_ == kFlatGiveUpsToRest) {
    flat_give_ups_ = 0;
    flat_rest_left_ = kFlatRestLines;
  }
  return false;
}

// ParseFields' twin for lines the flat reader takes: the same key memo and deduper, but
// names FieldNames does not have yet are left to ParseFields to intern.
bool JsonWorker::ReadFlat(std::string_view text, Record& record) {
  detail::FlatJsonReader json(text);
  if (!json.Open()) return false;
  deduper_.StartRecord();
  record.Reserve(all_fields_ ? std::min<size_t>(last_field_count_, 64) : wanted_.size());
  size_t position = 0;
  using Step = detail::FlatJsonReader::Step;
  for (Step step = json.NextKey(); step != Step::kEnd; step = json.NextKey()) {
    if (step == Step::kGiveUp) return false;
    std::optional<FieldId> id;
    if (const KeyMemo::Key* known = keys_.Match(position, json.at(), json.left())) {
      id = known->id;
      json.SkipKey(known->name.size());
    } else {
      // A new name is left to simdjson's path to intern: this line may yet prove invalid.
      std::string_view key;
      if (!json.ReadKey(key)) return false;
      id = all_fields_ ? ids_.Find(key, position) : wanted_.Find(key);
      if (all_fields_ && !id) return false;
      keys_.Remember(position, key, id);
    }
    ++position;
    if (!json.Colon()) return false;
    if (!json.ReadValue(id ? &deduper_.Slot(record, *id) : nullptr)) return false;
  }
  if (!json.Finish()) return false;
  last_field_count_ = record.size();
  return true;
}

error_code JsonWorker::ParseFields(ondemand::object& object, Record& record, Verdict& verdict,
                                   Item& item) {
  deduper_.StartRecord();
  record.Reserve(all_fields_ ? std::min<size_t>(last_field_count_, 64) : wanted_.size());
  size_t position = 0;
  for (auto field_result : object) {
    ondemand::field field;
    SIMDJSON_TRY(std::move(field_result).get(field));
    const char* raw_key = field.key().raw();
    std::optional<FieldId> id;
    if (const KeyMemo::Key* known = keys_.Match(position, raw_key, line_end_ - raw_key)) {
      id = known->id;
    } else {
      std::string_view key;
      SIMDJSON_TRY(field.unescaped_key().get(key));
      if (all_fields_) {
        id = ids_.Intern(key, position);
        if (!id) {
          verdict = item.Fail(ErrorCode::kResourceExhausted, "too many distinct field names");
          return simdjson::SUCCESS;
        }
      } else {
        id = wanted_.Find(key);
      }
      keys_.Remember(position, key, id);
    }
    ++position;
    if (!id) {  // not wanted: skipped unparsed, but for an object's or array's brackets
      ondemand::json_type type;
      SIMDJSON_TRY(field.value().type().get(type));
      if (type == ondemand::json_type::object || type == ondemand::json_type::array) {
        // simdjson skips a value by counting its brackets, not matching them: "[}" passed.
        // The scan runs from the value's first byte and stops where the value ends.
        const char* start = field.value().raw_json_token().data();
        const std::string_view rest(start, static_cast<size_t>(line_end_ - start));
        if (std::optional<detail::JsonStructureProblem> problem = detail::FindMismatchedBracket(
                rest, static_cast<size_t>(start - line_begin_) + 1, open_brackets_)) {
          verdict = item.Fail(
              ErrorCode::kInvalidInput,
              "invalid JSON at column " + std::to_string(problem->column) + ": " + problem->reason);
          return simdjson::SUCCESS;
        }
      }
      continue;
    }
    // Read straight into the record (on an error the caller clears it).
    SIMDJSON_TRY(ReadValue(field.value(), /*depth=*/2, deduper_.Slot(record, *id)));
  }
  last_field_count_ = record.size();
  return simdjson::SUCCESS;
}

error_code JsonWorker::ReadValue(ondemand::value value, int depth, Value& out) {
  ondemand::json_type type;
  SIMDJSON_TRY(value.type().get(type));
  switch (type) {
    case ondemand::json_type::number: {
      // One pass over the digits (get_number_type() then get_int64() read them twice).
      const std::string_view token = value.raw_json_token();
      ondemand::number number;
      if (value.get_number().get(number) == simdjson::SUCCESS) {
        if (number.is_int64()) {
          out.emplace<int64_t>(number.get_int64());
        } else {  // a double, or an integer past int64 (the double nearest to it)
          out.emplace<double>(detail::DoubleOf(number, token));
        }
        return simdjson::SUCCESS;
      }
      double as_double = 0;  // integers past uint64 too: get_number() refuses them
      SIMDJSON_TRY(value.get_double().get(as_double));
      out.emplace<double>(as_double);
      return simdjson::SUCCESS;
    }
    case ondemand::json_type::string: {
      std::string_view text;
      SIMDJSON_TRY(value.get_string().get(text));
      SetString(out, text);
      return simdjson::SUCCESS;
    }
    case ondemand::json_type::boolean: {
      bool flag = false;
      SIMDJSON_TRY(value.get_bool().get(flag));
      out.emplace<bool>(flag);
      return simdjson::SUCCESS;
    }
    case ondemand::json_type::null: {
      bool is_null = false;
      SIMDJSON_TRY(value.is_null().get(is_null));
      if (!is_null) return simdjson::N_ATOM_ERROR;
      out = std::monostate{};
      return simdjson::SUCCESS;
    }
    case ondemand::json_type::object:
    case ondemand::json_type::array: {
      const char* begin = value.raw_json_token().data();
      SIMDJSON_TRY(ValidateValue(value, depth));
      // The value ends before the next token (',' or '}'); trim the blanks before it.
      const char* end = nullptr;
      SIMDJSON_TRY(document_.current_location().get(end));
      while (end > begin &&
             (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r')) {
        --end;
      }
      SetString(out, std::string_view(begin, static_cast<size_t>(end - begin)));
      return simdjson::SUCCESS;
    }
  }
  return simdjson::INCORRECT_TYPE;
}

/// Walks a nested value to its end, checking every part of it (the on-demand API checks
/// only what is read) and its depth. Recursive: max_depth bounds the stack.
error_code JsonWorker::ValidateValue(ondemand::value value, int depth) {
  ondemand::json_type type;
  SIMDJSON_TRY(value.type().get(type));
  switch (type) {
    case ondemand::json_type::object: {
      if (depth > max_depth_) return simdjson::DEPTH_ERROR;
      ondemand::object object;
      SIMDJSON_TRY(value.get_object().get(object));
      for (auto field_result : object) {
        ondemand::field field;
        SIMDJSON_TRY(std::move(field_result).get(field));
        std::string_view key;
        SIMDJSON_TRY(field.unescaped_key().get(key));
        SIMDJSON_TRY(ValidateValue(field.value(), depth + 1));
      }
      return simdjson::SUCCESS;
    }
    case ondemand::json_type::array: {
      if (depth > max_depth_) return simdjson::DEPTH_ERROR;
      ondemand::array array;
      SIMDJSON_TRY(value.get_array().get(array));
      for (auto element_result : array) {
        ondemand::value element;
        // get() is &&-qualified: the move picks that overload and moves nothing.
        // NOLINTNEXTLINE(performance-move-const-arg)
        SIMDJSON_TRY(std::move(element_result).get(element));
        SIMDJSON_TRY(ValidateValue(element, depth + 1));
      }
      return simdjson::SUCCESS;
    }
    case ondemand::json_type::number: {
      double ignored = 0;
      return value.get_double().get(ignored);
    }
    case ondemand::json_type::string: {
      std::string_view ignored;
      return value.get_string().get(ignored);
    }
    case ondemand::json_type::boolean: {
      bool ignored = false;
      return value.get_bool().get(ignored);
    }
    case ondemand::json_type::null: {
      bool is_null = false;
      SIMDJSON_TRY(value.is_null().get(is_null));
      return is_null ? simdjson::SUCCESS : simdjson::N_ATOM_ERROR;
    }
  }
  return simdjson::INCORRECT_TYPE;
}

}  // namespace

ParseJsonStage::ParseJsonStage(ParseJsonOptions options) : options_(options) {
  options_.max_depth = std::clamp(options_.max_depth, 1, ParseJsonOptions::kMaxDepthLimit);
}

std::unique_ptr<StageWorker> ParseJsonStage::MakeWorker() {
  return std::make_unique<JsonWorker>(options_, needed_);
}

void ParseJsonStage::Project(const FieldNeeds& needed) { needed_ = needed; }

void RegisterParseJson(StageRegistry& registry) {
  registry.Register({
      .name = "parse_json",
      .summary = "parses one JSON object per line into a record (simdjson, projected)",
      .keys = {"max_depth"},
      .make = [](const ConfigNode& stage, ConfigErrors& errors) -> std::unique_ptr<Stage> {
        const size_t errors_before = errors.size();
        ParseJsonOptions options;
        if (const ConfigNode* node = stage.Get("max_depth")) {
          if (std::optional<int64_t> depth = node->AsInt(errors)) {
            if (*depth < 1 || *depth > ParseJsonOptions::kMaxDepthLimit) {
              errors.Add(node->mark(), "max_depth: expected 1.." +
                                           std::to_string(ParseJsonOptions::kMaxDepthLimit) +
                                           ", got " + std::to_string(*depth));
            } else {
              options.max_depth = static_cast<int>(*depth);
            }
          }
        }
        if (errors.size() != errors_before) return nullptr;
        return std::make_unique<ParseJsonStage>(options);
      },
  });
}

}  // namespace sluice
