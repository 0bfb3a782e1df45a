// Internal: what one stage worker does to a batch, and the counters it keeps.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "framework/item.h"
#include "framework/stage.h"

namespace sluice::detail {

/// Per-stage counters, summed over its workers. Updated once per batch (relaxed atomics),
/// on cache lines of their own: the stage's other fields, read by its workers for every
/// batch, would otherwise wait for the line each time another worker counted.
struct alignas(64) StageCounters {
  std::atomic<uint64_t> in{0};
  std::atomic<uint64_t> out{0};
  std::atomic<uint64_t> filtered{0};
  std::atomic<uint64_t> errors{0};
  std::atomic<uint64_t> absorbed{0};
  std::atomic<int64_t> busy_nanos{0};
};

/// Where errors made in a stage come from, to fill in their position and excerpt.
struct ErrorContext {
  const std::string* stage;
  const std::string* source;
};

/// Completes an error that a stage (or source) raised with Item::Fail: stage, source,
/// position, and an excerpt of the raw line (or of the record, for items made from one).
void DecorateError(Item& item, const ErrorContext& context);

/// Which thread wrote the batch's items last: this one (a source read on the worker, or an
/// earlier stage of its group), or another (the batch came through a queue, or was pushed).
enum class ItemsFrom : uint8_t { kThisThread, kAnotherThread };

/// Runs `worker` on each ok item of `batch`: keeps passed and failed items (in order),
/// removes filtered and absorbed ones, turns exceptions into error items, and adds the
/// batch's figures to `counters`. Counts each item it comes to in `items_done` unless it
/// is null (the worker's own: the watchdog reads it to tell a slow batch from a stuck
/// record). Items from another thread are fetched a few items ahead: each item's line waits
/// on another core's cache otherwise.
void ProcessBatch(StageWorker& worker, Batch& batch, const ErrorContext& context,
                  StageCounters& counters, std::atomic<uint64_t>* items_done,
                  ItemsFrom items_from = ItemsFrom::kThisThread);

}  // namespace sluice::detail
