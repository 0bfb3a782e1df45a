// PacedSource: replays another source's items at the pace of their event times.
//
//   auto source = sluice::OpenFileSource({.path = "events.jsonl"});
//   // Replay at 60x the recorded pace, event time read by `event_time_ms`:
//   auto paced = sluice::MakePacedSource(std::move(*source), {.speed = 60}, event_time_ms,
//                                        sluice::SystemClock::Instance());
//   sluice::RunReport report = pipeline.Run(*paced);
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include "framework/clock.h"
#include "framework/item.h"
#include "framework/source.h"

namespace sluice {

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
/// until (T - first event time) / speed has passed since the first item, by `clock`, which
/// must outlive the source. Interrupted, it stops pacing: the items it holds go in the next
/// Read, whatever max_items. Throws std::invalid_argument for a speed that is not above 0.
std::unique_ptr<Source> MakePacedSource(std::unique_ptr<Source> inner, ReplayOptions options,
                                        EventTimeFn event_time_ms, Clock& clock);

}  // namespace sluice
