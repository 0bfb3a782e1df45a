// Sources: the file/stdin line reader and the replay pacer.
//
//   auto source = sluice::OpenFileSource({.path = "events.jsonl"});    // or path "-" for stdin
//   if (!source.ok()) { std::cerr << source.error().message; ... }
//   sluice::RunReport report = pipeline.Run(**source);
//
//   // Replay at 60x the recorded pace, event time read by `event_time_ms`:
//   auto paced = sluice::MakePacedSource(std::move(*source), {.speed = 60}, event_time_ms,
//                                        sluice::SystemClock::Instance());
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "framework/clock.h"
#include "framework/item.h"
#include "framework/result.h"
#include "framework/source.h"

namespace sluice {

struct FileSourceOptions {
  std::string path;                         // "-" reads stdin
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

struct ReplayOptions {
  double speed = 1.0;  // 60 = sixty times the recorded pace
  // The most a line that jumps ahead in event time waits; the next timed line tells a
  // log that jumped (the time skipped is cut) from a clock that ran ahead (pacing goes on
  // from before the jump). 0: no limit.
  std::chrono::milliseconds max_gap{0};
};

/// Reads an item's event time in epoch milliseconds; nullopt when it has none (such
/// items pass at once).
using EventTimeFn = std::function<std::optional<int64_t>(const Item& item)>;

/// Releases `inner`'s items paced by event time: an item whose event time is T waits
/// until (T - first event time) / speed has passed since the first item. Interrupted, it
/// stops pacing: the items it holds go in the next Read, whatever max_items.
std::unique_ptr<Source> MakePacedSource(std::unique_ptr<Source> inner, ReplayOptions options,
                                        EventTimeFn event_time_ms, Clock& clock);

}  // namespace sluice
