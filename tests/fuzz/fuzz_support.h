// Shared pieces of the libFuzzer targets: run fuzz input through one worker of a parse
// stage as lines, and check what must hold for ANY input, so that the fuzzer finds wrong
// answers as well as crashes (ASan/UBSan find the memory and UB errors).
//
//   extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
//     sluice::fuzz::Input input(data, size);
//     const uint8_t flags = input.TakeByte();             // options from the first byte
//     sluice::ParseJsonStage stage({.max_depth = 16});
//     sluice::fuzz::RunLines(stage, input.rest());        // aborts on a broken invariant
//     return 0;
//   }
//
// Invariants checked on every item (see CheckItem): an error verdict comes with an Error
// whose message is non-empty valid UTF-8; its dead-letter JSON (with the raw excerpt the
// runner would attach) is valid JSON; a passing record serializes (as the jsonl output
// does) to valid JSON holding only valid UTF-8 strings. A violation prints what broke and
// aborts, which libFuzzer reports as a crash with the input that caused it.
#pragma once

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "framework/error.h"
#include "framework/field_names.h"
#include "framework/item.h"
#include "framework/record.h"
#include "framework/stage.h"
#include "framework/value.h"
#include "stages/line_checks.h"

namespace sluice::fuzz {

/// The fuzz input, consumed from the front: option bytes first, then text.
class Input {
 public:
  Input(const uint8_t* data, size_t size) : rest_(reinterpret_cast<const char*>(data), size) {}
  /// The next byte, or 0 once the input is used up.
  uint8_t TakeByte() {
    if (rest_.empty()) return 0;
    const auto byte = static_cast<uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    return byte;
  }
  /// Everything up to the next '\n' (which is consumed), or the rest.
  std::string_view TakeLine() {
    const size_t end = rest_.find('\n');
    const std::string_view line = rest_.substr(0, end);
    rest_.remove_prefix(end == std::string_view::npos ? rest_.size() : end + 1);
    return line;
  }
  std::string_view rest() const { return rest_; }

 private:
  std::string_view rest_;
};

/// Prints `what` with the offending text and aborts (libFuzzer saves the input).
[[noreturn]] inline void Violated(const char* what, std::string_view detail) {
  std::fprintf(stderr, "fuzz invariant broken: %s\n  %.*s\n", what,
               static_cast<int>(detail.size() > 400 ? 400 : detail.size()), detail.data());
  std::abort();
}

// A strict RFC 8259 checker for the flat JSON sluice writes (records, dead letters):
// unlike simdjson's DOM it takes integers of any size, which sluice may print (a double
// such as 9.2e19 comes out as 92233720368547758080). Strings are checked for escapes and
// control characters here and for UTF-8 by ExpectValidUtf8.
class JsonChecker {
 public:
  explicit JsonChecker(std::string_view text) : text_(text) {}
  bool Valid() {
    Blanks();
    if (!Value(0)) return false;
    Blanks();
    return at_ == text_.size();
  }

 private:
  bool Value(int depth) {
    if (depth > 64 || at_ >= text_.size()) return false;
    switch (text_[at_]) {
      case '{': return Container(depth, '}', true);
      case '[': return Container(depth, ']', false);
      case '"': return String();
      case 't': return Literal("true");
      case 'f': return Literal("false");
      case 'n': return Literal("null");
      default: return Number();
    }
  }
  bool Container(int depth, char close, bool object) {
    ++at_;
    Blanks();
    if (Peek() == close) return ++at_, true;
    while (true) {
      Blanks();
      if (object) {
        if (Peek() != '"' || !String()) return false;
        Blanks();
        if (Peek() != ':') return false;
        ++at_;
        Blanks();
      }
      if (!Value(depth + 1)) return false;
      Blanks();
      if (Peek() == close) return ++at_, true;
      if (Peek() != ',') return false;
      ++at_;
    }
  }
  bool String() {
    ++at_;
    while (at_ < text_.size()) {
      const auto c = static_cast<unsigned char>(text_[at_++]);
      if (c == '"') return true;
      if (c < 0x20) return false;
      if (c != '\\') continue;
      const char e = Peek();
      ++at_;
      if (e == 'u') {
        for (int i = 0; i < 4; ++i, ++at_) {
          if (!std::isxdigit(static_cast<unsigned char>(Peek()))) return false;
        }
      } else if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos || e == 0) {
        return false;
      }
    }
    return false;
  }
  bool Number() {
    if (Peek() == '-') ++at_;
    if (Peek() == '0') {
      ++at_;
    } else if (!Digits()) {
      return false;
    }
    if (Peek() == '.') {
      ++at_;
      if (!Digits()) return false;
    }
    if (Peek() == 'e' || Peek() == 'E') {
      ++at_;
      if (Peek() == '+' || Peek() == '-') ++at_;
      if (!Digits()) return false;
    }
    return true;
  }
  bool Digits() {
    const size_t start = at_;
    while (std::isdigit(static_cast<unsigned char>(Peek()))) ++at_;
    return at_ > start;
  }
  bool Literal(std::string_view word) {
    if (text_.substr(at_, word.size()) != word) return false;
    at_ += word.size();
    return true;
  }
  void Blanks() {
    while (Peek() == ' ' || Peek() == '\t' || Peek() == '\n' || Peek() == '\r') ++at_;
  }
  char Peek() const { return at_ < text_.size() ? text_[at_] : '\0'; }

  std::string_view text_;
  size_t at_ = 0;
};

inline void ExpectValidJson(std::string_view json, const char* what) {
  if (!JsonChecker(json).Valid()) Violated(what, json);
  if (FindInvalidUtf8(json) != std::string_view::npos) Violated(what, json);
}

inline void ExpectValidUtf8(std::string_view text, const char* what) {
  if (FindInvalidUtf8(text) != std::string_view::npos) Violated(what, text);
}

/// Checks one processed item against the invariants in the header comment.
inline void CheckItem(const Item& item, Verdict verdict) {
  switch (verdict) {
    case Verdict::kError: {
      if (item.error == nullptr) Violated("kError without an Error", item.raw);
      if (item.error->message.empty()) Violated("error without a reason", item.raw);
      ExpectValidUtf8(item.error->message, "error message is not valid UTF-8");
      Error dead_letter = *item.error;  // what the runner sends to the dead-letter file
      dead_letter.excerpt.assign(item.raw.substr(0, Error::kMaxExcerptBytes));
      ExpectValidJson(dead_letter.ToJson(), "dead letter is not valid JSON");
      return;
    }
    case Verdict::kPass:
    case Verdict::kFilter: {
      if (item.error != nullptr) Violated("an Error on a passing item", item.error->message);
      if (verdict == Verdict::kFilter) return;
      for (const Field& field : item.record.fields()) {
        if (const auto* text = std::get_if<std::string>(&field.value)) {
          ExpectValidUtf8(*text, "a string value is not valid UTF-8");
        }
      }
      ExpectValidJson(item.record.ToJson(), "record does not serialize to valid JSON");
      return;
    }
    case Verdict::kAbsorb: Violated("a parse stage absorbed a record", item.raw);
  }
  Violated("unknown verdict", item.raw);
}

/// A sealed batch of `text`'s '\n'-separated lines, numbered from 1 as the file source
/// does.
inline Batch LinesBatch(std::string_view text) {
  Batch batch;
  uint64_t offset = 0;
  uint64_t line_number = 1;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    batch.AddLine(line, line_number++, offset);
    offset += line.size() + 1;
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
  }
  batch.Seal();
  return batch;
}

/// Runs each line of `text` through `worker`, in order, and checks every item.
inline void RunLinesWith(StageWorker& worker, std::string_view text) {
  Batch batch = LinesBatch(text);
  for (Item& item : batch.items) CheckItem(item, worker.Process(item));
}

/// Runs `text`'s lines through a new worker of `stage`.
inline void RunLines(Stage& stage, std::string_view text) {
  std::unique_ptr<StageWorker> worker = stage.MakeWorker();
  RunLinesWith(*worker, text);
}

/// Field needs for projection tests: every field, or only `names`.
inline FieldNeeds NeedsFrom(bool all, std::initializer_list<std::string_view> names) {
  return all ? FieldNeeds::All() : FieldNeeds::Only(names);
}

}  // namespace sluice::fuzz
