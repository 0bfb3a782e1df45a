// A deterministic clickstream log with hostile lines mixed in, and what the clickstream
// pipeline (configs/clickstream.yaml: parse_json -> validate -> aggregate) must make of
// each line: ok, or an error from a given stage with a given code.
//
//   sluice::reliability::HostileLog log = sluice::reliability::WriteHostileLog(
//       dir.File("hostile.jsonl"), {.lines = 100'000, .hostile_ratio = 0.1});
//   log.kinds[41];                       // what line 42 is
//   ExpectedFor(log.kinds[41]).error;    // whether it must become an error item
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "framework/error.h"

namespace sluice::reliability {

enum class LineKind : uint8_t {
  kGood,              // a valid click event
  kInvalidUtf8,       // a stray byte, an overlong form, a surrogate, > U+10FFFF, a cut sequence
  kNulByte,           // a NUL inside a string value
  kTruncatedJson,     // a good line cut short
  kDeepNesting,       // 10,000 nested arrays in a field the pipeline reads
  kDeepUnreadField,   // 10,000 nested arrays in a field nobody reads (skipped by projection)
  kLineUnder1MiB,     // a valid line just under max_line_bytes (1 MiB)
  kLineOver1MiB,      // a line one byte over max_line_bytes
  kLine64MiB,         // a 64 MiB line
  kCrlf,              // a good line ending in "\r\n"
  kIntBeyondInt64,    // "bytes": 99999999999999999999 (read as a double: not an int)
  kDuplicateKeyBad,   // "bytes" twice, the last one negative (the last one wins)
  kDuplicateKeySame,  // "event" twice, both allowed
  kNoFinalNewline,    // a good last line without its '\n'
};

std::string_view LineKindName(LineKind kind);

/// What the clickstream pipeline must do with a line of `kind`.
struct Expected {
  bool error = false;
  std::string_view stage = "";  // the stage that fails it ("source" for the reader)
  ErrorCode code = ErrorCode::kInternal;
};
Expected ExpectedFor(LineKind kind);

struct HostileLogOptions {
  uint64_t lines = 1'000'000;
  double hostile_ratio = 0.1;  // share of hostile lines, about
  uint64_t seed = 1;
  int deep_lines = 20;     // of each deep kind
  int mib_lines = 2;       // of each 1 MiB kind
  bool line_64mib = true;  // one 64 MiB line, in the middle
};

struct HostileLog {
  std::vector<LineKind> kinds;  // kinds[i]: line i + 1
  uint64_t hostile = 0;         // lines that are not kGood
  uint64_t expected_ok = 0;
  uint64_t expected_errors = 0;
  uint64_t bytes = 0;
  std::map<LineKind, uint64_t> per_kind;
};

/// Writes the log to `path` (throws std::runtime_error when it cannot).
HostileLog WriteHostileLog(const std::string& path, const HostileLogOptions& options);

}  // namespace sluice::reliability
