// QuotedRecordScanner: finds where a record ends when line breaks inside quoted fields
// belong to it (RecordFraming with a quote: CSV read with parse_csv's `multiline: true`).
// Fed a record's text in pieces as reads bring it, it keeps its place in between.
//
//   detail::QuotedRecordScanner scanner({.quote = '"', .delimiter = ','});
//   const char* end = scanner.FindEnd(text, text + size);  // nullptr: read on, feed the rest
//   // ... emit [record start, end) as the record starting at line N, then:
//   next_line = N + 1 + scanner.quoted_breaks();
//   scanner.Reset();
#pragma once

#include <cstdint>

#include "framework/source.h"

namespace sluice::detail {

class QuotedRecordScanner {
 public:
  explicit QuotedRecordScanner(RecordFraming framing) : framing_(framing) {}

  /// The line break in [from, end) that ends the record, or nullptr when the record goes
  /// on past `end` (the next call continues with the text after it). Quoting as parse_csv
  /// reads it: a quote opens a field only at the field's start; inside, a doubled quote
  /// stands for one and a single one closes the field; anywhere else it is a character.
  const char* FindEnd(const char* from, const char* end);
  /// Line breaks inside quoted fields of the record so far.
  uint64_t quoted_breaks() const { return quoted_breaks_; }
  /// For the next record.
  void Reset() {
    state_ = State::kFieldStart;
    quoted_breaks_ = 0;
  }

 private:
  enum class State : uint8_t {
    kFieldStart,  // at the record's start or after a delimiter
    kUnquoted,    // in a field that did not start with a quote
    kQuoted,      // inside a quoted field
    kQuoteSeen,   // a quote inside a quoted field: it closes the field, or doubles
  };

  const RecordFraming framing_;
  State state_ = State::kFieldStart;
  uint64_t quoted_breaks_ = 0;
};

}  // namespace sluice::detail
