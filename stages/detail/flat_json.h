// Internal: parse_json's reader for the common log line, an object whose values are all
// scalars (strings without escapes, numbers, true, false, null). It reads such a line
// whole, or gives up, and parse_json then parses the line with simdjson. It accepts no line
// that simdjson refuses, and reads each value as simdjson does (numbers are correctly
// rounded by both), so the record is the same either way; tests/fuzz/fuzz_parse_json.cc
// checks this. For lines of about 100 bytes, simdjson's setup and its indexing pass cost
// more than this one pass.
//
//   detail::FlatJsonReader json(line);      // kReadAhead readable bytes after the line
//   if (!json.Open()) ...                    // gave up: not an object
//   using Step = detail::FlatJsonReader::Step;
//   for (Step step = json.NextKey(); step != Step::kEnd; step = json.NextKey()) {
//     std::string_view key;
//     if (step == Step::kGiveUp || !json.ReadKey(key) || !json.Colon()) ...  // gave up
//     if (!json.ReadValue(&value)) ...       // gave up (nullptr: skip an unwanted value)
//   }
//   if (!json.Finish()) ...                  // something after the object, or bad UTF-8
#pragma once

#include <simdjson.h>

#include <algorithm>
#include <bit>
#include <cfloat>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <system_error>
#include <utility>

#include "framework/detail/json_stop_bytes.h"
#include "framework/string_set.h"
#include "framework/value.h"

namespace sluice::detail {

// Words are loaded little-endian: a line's first byte is a word's lowest.
static_assert(std::endian::native == std::endian::little);
// The fast path's one multiply or divide rounds once, in double (SSE2, not x87).
static_assert(FLT_EVAL_METHOD == 0);

class FlatJsonReader {
 public:
  enum class Step : uint8_t { kKey, kEnd, kGiveUp };

  /// Reads past the end of `line`: at least kReadAhead bytes after it must be readable
  /// (Batch::kRawPadding are).
  static constexpr size_t kReadAhead = 8;

  explicit FlatJsonReader(std::string_view line)
      : line_(line), at_(line.data()), end_(line.data() + line.size()) {}

  /// Reads up to the first key: blanks, then '{'.
  bool Open() { return TakeAfterBlanks('{'); }
  /// After Open or a value: moves past the next key's opening quote (kKey, the key's bytes
  /// start at at()), or past the object's '}' (kEnd).
  Step NextKey() {
    if (first_) {
      first_ = false;
      if (TakeAfterBlanks('}')) return Step::kEnd;
      return TakeAfterBlanks('"') ? Step::kKey : Step::kGiveUp;
    }
    if (left() >= 2 && at_[0] == ',' && at_[1] == '"') {  // compact JSON
      at_ += 2;
      return Step::kKey;
    }
    if (!TakeAfterBlanks(',')) return TakeAfterBlanks('}') ? Step::kEnd : Step::kGiveUp;
    return TakeAfterBlanks('"') ? Step::kKey : Step::kGiveUp;
  }
  /// Where the reader stands, and how many bytes of the line are left from there.
  const char* at() const { return at_; }
  size_t left() const { return static_cast<size_t>(end_ - at_); }
  /// Moves past a key already known to be `length` bytes and then its closing quote.
  void SkipKey(size_t length) { at_ += length + 1; }
  /// Reads the key (false on an escape, a control character, no closing quote or invalid
  /// UTF-8). A key past ASCII is validated at once, not in Finish: parse_json remembers
  /// keys for the lines after, and interns them, before the line is finished.
  bool ReadKey(std::string_view& key) {
    const bool saw_before = std::exchange(saw_non_ascii_, false);
    if (!ReadString(key)) return false;
    if (saw_non_ascii_ && !simdjson::validate_utf8(key.data(), key.size())) return false;
    saw_non_ascii_ = saw_before;  // the key is valid: Finish need not check it again
    return true;
  }
  /// Reads the ':' after a key.
  bool Colon() { return TakeAfterBlanks(':'); }
  /// Reads a scalar value into `out`, or past it when `out` is null (checked alike);
  /// false (gave up) on an object, an array, a string with escapes, an integer of more
  /// than 18 digits, an exponent of more than 3 digits, a number of more than
  /// kMaxNumberBytes or one out of double's range.
  bool ReadValue(Value* out) {
    if (Byte(at_) <= ' ') SkipBlanks();
    if (at_ == end_) return false;
    switch (*at_) {
      case '"': {
        ++at_;
        std::string_view text;
        if (!ReadString(text)) return false;
        if (out != nullptr) SetString(*out, text);
        return true;
      }
      case 't': return ReadLiteral("true", out, true);
      case 'f': return ReadLiteral("false", out, false);
      case 'n': return ReadLiteral("null", out, std::monostate{});
      default: return ReadNumber(out);
    }
  }
  /// After kEnd: true when only blanks follow and the line is valid UTF-8.
  bool Finish() {
    SkipBlanks();
    if (at_ != end_) return false;
    return !saw_non_ascii_ || simdjson::validate_utf8(line_.data(), line_.size());
  }

 private:
  static unsigned Byte(const char* p) { return static_cast<unsigned char>(*p); }
  // JSON's blanks (a line holds no '\n').
  void SkipBlanks() {
    while (at_ != end_ && (*at_ == ' ' || *at_ == '\t' || *at_ == '\r')) {
      ++at_;
    }
  }
  // Blanks, then `c`. Reads the byte at end_ (padding).
  bool TakeAfterBlanks(char c) {
    if (*at_ != c) {
      SkipBlanks();
      if (*at_ != c) return false;
    }
    if (at_ == end_) return false;
    ++at_;
    return true;
  }
  // From after an opening quote to after the closing one, 8 bytes a step. Bytes past
  // ASCII are only noted here; Finish validates the line's UTF-8 once.
  bool ReadString(std::string_view& text) {
    const char* begin = at_;
    const char* p = at_;
    while (true) {
      const uint64_t stops = JsonStopBytes(LoadWord(p));
      if (stops == 0) {
        p += sizeof(uint64_t);
        if (p >= end_) return false;  // no closing quote on the line
        continue;
      }
      p += static_cast<size_t>(std::countr_zero(stops)) / 8;
      if (p >= end_ || *p == '\\' || Byte(p) < 0x20) return false;  // escapes: simdjson's
      if (*p == '"') break;
      saw_non_ascii_ = true;
      ++p;
    }
    text = std::string_view(begin, static_cast<size_t>(p - begin));
    at_ = p + 1;
    return true;
  }
  template <class T>
  bool ReadLiteral(std::string_view word, Value* out, T value) {
    if (left() < word.size() || std::string_view(at_, word.size()) != word) return false;
    at_ += word.size();  // NextKey checks that a ',' or '}' follows
    if (out != nullptr) out->emplace<T>(value);
    return true;
  }
  // JSON's number grammar, in one pass; the value into `out` unless it is null.
  bool ReadNumber(Value* out) {
    const char* begin = at_;
    const char* p = at_;
    const bool negative = *p == '-';
    p += negative;
    uint64_t mantissa = 0;       // the digits, without the point
    const auto digits = [&]() {  // up to 8 a step
      const char* first = p;
      for (size_t n = 8; n == 8; p += n) {
        const uint64_t word = string_set_detail::Load8(p);
        n = std::min(LeadingDigits(word), static_cast<size_t>(end_ - p));
        if (n == 0) break;
        mantissa = mantissa * kPowersOfTenInt[n] + DigitsValue(word, n);
      }
      return static_cast<size_t>(p - first);
    };
    const size_t integer_digits = digits();
    if (integer_digits == 0 || (integer_digits > 1 && begin[negative] == '0')) return false;
    size_t fraction_digits = 0;
    bool integer = true;
    if (p != end_ && *p == '.') {
      ++p;
      integer = false;
      if ((fraction_digits = digits()) == 0) return false;
    }
    int exponent = 0;
    if (p != end_ && (*p == 'e' || *p == 'E')) {
      ++p;
      integer = false;
      const bool negative_exponent = p != end_ && *p == '-';
      if (p != end_ && (*p == '-' || *p == '+')) ++p;
      const char* first = p;
      for (unsigned d; p != end_ && (d = Byte(p) - '0') < 10 && p - first < 3; ++p) {
        exponent = exponent * 10 + static_cast<int>(d);
      }
      if (p == first || (p != end_ && Byte(p) - '0' < 10)) return false;  // none, or 4+ digits
      if (negative_exponent) exponent = -exponent;
    }
    at_ = p;
    if (out == nullptr) return true;
    const size_t all_digits = integer_digits + fraction_digits;
    if (all_digits > kMaxExactDigits) return ReadNumberSlowly(begin, integer, out);
    if (integer) {
      const auto value = static_cast<int64_t>(mantissa);
      out->emplace<int64_t>(negative ? -value : value);
      return true;
    }
    // Clinger's fast path: a mantissa below 2^53 and a power of ten up to 22 are both exact
    // doubles, so one correctly rounded multiply or divide gives the correctly rounded value.
    const int power = exponent - static_cast<int>(fraction_digits);
    if (mantissa >= (uint64_t{1} << 53) || power < -22 || power > 22) {
      return ReadNumberSlowly(begin, integer, out);
    }
    double value = static_cast<double>(mantissa);
    value = power < 0 ? value / kPowersOfTen[-power] : value * kPowersOfTen[power];
    out->emplace<double>(negative ? -value : value);
    return true;
  }
  // How many of the word's bytes, from the first, are ASCII digits. Exact: no borrow or
  // carry reaches the first non-digit from the digits before it.
  static size_t LeadingDigits(uint64_t word) {
    const uint64_t non_digits =
        ((word + 0x4646464646464646ULL) | (word - 0x3030303030303030ULL)) & 0x8080808080808080ULL;
    return non_digits == 0 ? 8 : static_cast<size_t>(std::countr_zero(non_digits)) / 8;
  }
  // The value of the word's first `n` (1-8) digits, combined pairwise (as fast_float does):
  // the digits are moved to the word's top, behind zeros, which add nothing.
  static uint32_t DigitsValue(uint64_t word, size_t n) {
    word = (word & 0x0F0F0F0F0F0F0F0FULL) << (8 * (8 - n));
    word = (word * 2561) >> 8;                                // pairs
    word = ((word & 0x00FF00FF00FF00FFULL) * 6553601) >> 16;  // fours
    return static_cast<uint32_t>(((word & 0x0000FFFF0000FFFFULL) * 42949672960001ULL) >> 32);
  }
  // Long integers are left to simdjson (those past int64 become doubles there), as are
  // numbers of more than kMaxNumberBytes (simdjson rounds on its first 768 digits); other
  // numbers are read by from_chars, which rounds correctly too.
  bool ReadNumberSlowly(const char* begin, bool integer, Value* out) const {
    if (integer || static_cast<size_t>(at_ - begin) > kMaxNumberBytes) return false;
    double value = 0;
    const std::from_chars_result read = std::from_chars(begin, at_, value);
    if (read.ec != std::errc() || read.ptr != at_) return false;  // out of double's range
    out->emplace<double>(value);
    return true;
  }

  // Every integer of up to 18 digits fits int64 (10^18 < 2^63).
  static constexpr size_t kMaxExactDigits = 18;
  static constexpr size_t kMaxNumberBytes = 100;
  static constexpr uint64_t kPowersOfTenInt[] = {1,      10,      100,      1000,     10000,
                                                 100000, 1000000, 10000000, 100000000};
  static constexpr double kPowersOfTen[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                            1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                            1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

  std::string_view line_;
  const char* at_;
  const char* end_;
  bool first_ = true;  // no key read yet
  bool saw_non_ascii_ = false;
};

}  // namespace sluice::detail
