#include "stages/detail/quoted_records.h"

#include <cstring>

namespace sluice::detail {

const char* QuotedRecordScanner::FindEnd(const char* from, const char* end) {
  const char quote = framing_.quote;
  const char delimiter = framing_.delimiter;
  for (const char* p = from; p < end; ++p) {
    const char c = *p;
    switch (state_) {
      case State::kQuoted: {
        // Most of a quoted field is text: jump to its next quote, counting the breaks.
        const auto* closing =
            static_cast<const char*>(std::memchr(p, quote, static_cast<size_t>(end - p)));
        const char* stop = closing != nullptr ? closing : end;
        for (const char* q = p; q < stop; ++q) quoted_breaks_ += *q == '\n';
        if (closing == nullptr) return nullptr;
        p = closing;
        state_ = State::kQuoteSeen;
        break;
      }
      case State::kQuoteSeen:
        if (c == quote) {  // doubled: one literal quote, still inside
          state_ = State::kQuoted;
          break;
        }
        [[fallthrough]];  // closed: what follows is as after an unquoted field's text
      case State::kUnquoted:
        if (c == '\n') return p;
        state_ = c == delimiter ? State::kFieldStart : State::kUnquoted;
        break;
      case State::kFieldStart:
        if (c == '\n') return p;
        state_ = c == quote       ? State::kQuoted
                 : c == delimiter ? State::kFieldStart
                                  : State::kUnquoted;
        break;
    }
  }
  return nullptr;
}

}  // namespace sluice::detail
