#include "stages/text_values.h"

#include <charconv>
#include <string>
#include <system_error>
#include <variant>

namespace sluice {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

/// The shape of a candidate number, by JSON's grammar (no leading zeros, no '+', no
/// bare '.'), so that ids like "007" and "+1" keep their text.
enum class NumberShape : uint8_t { kNotANumber, kInteger, kReal };

NumberShape ShapeOf(std::string_view text) {
  size_t i = 0;
  const size_t n = text.size();
  if (i < n && text[i] == '-') ++i;
  if (i == n || !IsDigit(text[i])) return NumberShape::kNotANumber;
  if (text[i] == '0') {
    ++i;
  } else {
    while (i < n && IsDigit(text[i])) ++i;
  }
  NumberShape shape = NumberShape::kInteger;
  if (i < n && text[i] == '.') {
    ++i;
    if (i == n || !IsDigit(text[i])) return NumberShape::kNotANumber;
    while (i < n && IsDigit(text[i])) ++i;
    shape = NumberShape::kReal;
  }
  if (i < n && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < n && (text[i] == '+' || text[i] == '-')) ++i;
    if (i == n || !IsDigit(text[i])) return NumberShape::kNotANumber;
    while (i < n && IsDigit(text[i])) ++i;
    shape = NumberShape::kReal;
  }
  return i == n ? shape : NumberShape::kNotANumber;
}

Value InferNumber(std::string_view text, NumberShape shape) {
  const char* first = text.data();
  const char* last = text.data() + text.size();
  if (shape == NumberShape::kInteger) {
    int64_t as_int = 0;
    auto [end, ec] = std::from_chars(first, last, as_int);
    if (ec == std::errc() && end == last) return as_int;
    // Beyond int64: fall through to double (documented).
  }
  double as_double = 0;
  auto [end, ec] = std::from_chars(first, last, as_double);
  if (ec == std::errc() && end == last) return as_double;
  return std::string(text);  // overflows to infinity or underflows: keep the text
}

}  // namespace

std::optional<ValueTyping> ValueTypingFromName(std::string_view name) {
  if (name == "infer") return ValueTyping::kInfer;
  if (name == "string") return ValueTyping::kString;
  return std::nullopt;
}

Value InferValue(std::string_view text, ValueTyping typing) {
  if (typing == ValueTyping::kString) return std::string(text);
  if (text.empty()) return std::monostate{};
  const char first = text.front();
  if (first == '-' || IsDigit(first)) {
    const NumberShape shape = ShapeOf(text);
    if (shape != NumberShape::kNotANumber) return InferNumber(text, shape);
  } else if (text == "true") {
    return true;
  } else if (text == "false") {
    return false;
  }
  return std::string(text);
}

bool InfersAsString(std::string_view text) {
  if (text.empty() || text == "true" || text == "false") return false;
  const char first = text.front();
  if (first != '-' && !IsDigit(first)) return true;
  const NumberShape shape = ShapeOf(text);
  // A number out of double's range stays a string (rare: the copy is kept simple).
  return shape == NumberShape::kNotANumber ||
         std::holds_alternative<std::string>(InferNumber(text, shape));
}

std::optional<FieldId> FieldIdCache::Lookup(std::string_view name, size_t position, bool intern) {
  // At its position in the record before, or one on: this record left out a key that
  // one had, or the record before left out one of this record's (optional fields).
  if (position < by_position_.size() && by_position_[position].first == name) {
    return by_position_[position].second;
  }
  if (position + 1 < by_position_.size() && by_position_[position + 1].first == name) {
    return by_position_[position + 1].second;
  }
  std::optional<FieldId> id;
  if (auto it = by_name_.find(name); it != by_name_.end()) {
    id = it->second;
  } else {
    id = intern ? FieldNames::TryIntern(name) : FieldNames::Find(name);
    if (!id) return std::nullopt;
    if (by_name_.size() < kMaxNames) by_name_.emplace(std::string(name), *id);
  }
  // Remember it by position for the next record (only for the first positions, so that
  // a hostile record with endless keys cannot grow this without bound).
  if (position < by_position_.size()) {
    by_position_[position].first.assign(name);
    by_position_[position].second = *id;
  } else if (position == by_position_.size() && position < kMaxNames) {
    by_position_.emplace_back(std::string(name), *id);
  }
  return id;
}

Value& FieldDeduper::Repeated(Record& record, FieldId id) {
  constexpr size_t kScannedFields = 32;
  if (record.size() <= kScannedFields) return *record.Find(id);
  if (indexed_stamp_ != stamp_) {
    indexed_stamp_ = stamp_;
    indexed_ = 0;
  }
  if (positions_.size() < stamps_.size()) positions_.resize(stamps_.size());
  // Fields are only ever appended to the record being built: index the new ones.
  const std::span<const Field> fields = record.fields();
  for (; indexed_ < fields.size(); ++indexed_) {
    positions_[fields[indexed_].id] = static_cast<uint32_t>(indexed_);
  }
  return record.ValueAt(positions_[id]);
}

}  // namespace sluice
