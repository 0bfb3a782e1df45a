// Sources: the file/stdin line reader (the replay pacer is in stages/paced_source.h).
//
//   auto source = sluice::OpenFileSource({.path = "events.jsonl"});    // or path "-" for stdin
//   if (!source.ok()) { std::cerr << source.error().message; ... }
//   sluice::RunReport report = pipeline.Run(**source);
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "framework/result.h"
#include "framework/source.h"

namespace sluice {

struct FileSourceOptions {
  std::string path;  // "-" or a name of stdin reads stdin; stdout's and stderr's are refused
  size_t max_line_bytes = size_t{1} << 20;  // longer lines become kTooLarge error items
  // Where records end: at every line break, or, with a quote, not at those inside quoted
  // CSV fields (a record is then a "line" above: max_line_bytes counts all of it).
  RecordFraming framing = {};
  // Once Interrupt came, the line being read is finished: its rest may pause this long (a
  // producer writing in chunks delivers within it, one that went quiet does not) and take
  // this long in all, before the line is taken as it is.
  std::chrono::milliseconds stop_grace{50};
  std::chrono::milliseconds stop_limit{1000};
};

/// Opens a file (or stdin) of newline-separated records (or CSV records whose quoted fields
/// may hold line breaks: options.framing). Handles CRLF, a missing final newline, a UTF-8
/// byte order mark at the start (skipped; offsets still count it), and lines of any length
/// without holding more than max_line_bytes of one.
Result<std::unique_ptr<Source>> OpenFileSource(const FileSourceOptions& options);

}  // namespace sluice
