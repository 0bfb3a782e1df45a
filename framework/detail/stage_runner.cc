#include "framework/detail/stage_runner.h"

#include <algorithm>
#include <exception>
#include <new>
#include <optional>
#include <string>

#include "framework/detail/error_reuse.h"

namespace sluice::detail {
namespace {

// Inlined into each of ProcessBatch's loops: a call of its own cost 16 instructions per
// item and stage.
[[gnu::always_inline]] inline Verdict ProcessGuarded(StageWorker& worker, Item& item) {
  try {
    return worker.Process(item);
  } catch (const std::bad_alloc&) {
    return item.Fail(ErrorCode::kResourceExhausted, "out of memory (std::bad_alloc)");
  } catch (const std::exception& e) {
    return item.Fail(ErrorCode::kStageFailure, std::string("stage threw: ") + e.what());
  } catch (...) {
    return item.Fail(ErrorCode::kStageFailure, "stage threw a non-standard exception");
  }
}

// What an item's verdict comes to: a Fail() wins over whatever was returned, and an error
// verdict without one, or a value that is no Verdict, is the stage's bug (counted as an
// error, not passed on as if it were kPass). Error items are decorated here.
Verdict Settle(Verdict verdict, Item& item, const ErrorContext& context) {
  if (!item.ok()) {
    verdict = Verdict::kError;
  } else if (verdict == Verdict::kError) {
    item.Fail(ErrorCode::kInternal, "stage returned an error verdict without an error");
  } else if (verdict > Verdict::kAbsorb) {
    verdict = item.Fail(ErrorCode::kInternal, "stage returned verdict " +
                                                  std::to_string(static_cast<int>(verdict)) +
                                                  ", which is none of Verdict's values");
  }
  if (verdict == Verdict::kError) DecorateError(item, context);
  return verdict;
}

}  // namespace

void DecorateError(Item& item, const ErrorContext& context) {
  Error& error = *item.error;
  error.stage = *context.stage;
  error.source = *context.source;
  error.line = item.line;
  error.offset = item.offset;
  // A source that kept only the start of a long line has set raw_bytes already.
  if (item.from_line() || item.record.empty()) {
    error.excerpt.assign(item.raw.substr(0, Error::kMaxExcerptBytes));
    error.raw_bytes = std::max<uint64_t>(error.raw_bytes, item.raw.size());
  } else {
    std::string json = item.record.ToJson();
    error.raw_bytes = json.size();
    if (json.size() > Error::kMaxExcerptBytes) json.resize(Error::kMaxExcerptBytes);
    error.excerpt = std::move(json);
  }
}

namespace {

// What ProcessBatch makes of a batch's items, in order: kept items move down over the
// filtered and absorbed ones before them.
class ItemSorter {
 public:
  ItemSorter(Item* items, size_t kept, uint64_t in) : items_(items), kept_(kept), in_(in) {}

  // items[i] was run and returned `verdict`.
  [[gnu::always_inline]] void Place(size_t i, Verdict verdict, const ErrorContext& context) {
    if (verdict != Verdict::kPass || !items_[i].ok()) [[unlikely]] {
      switch (Settle(verdict, items_[i], context)) {
        case Verdict::kPass: break;
        case Verdict::kFilter: ++filtered_; return;
        case Verdict::kAbsorb: ++absorbed_; return;
        case Verdict::kError: ++errors_; break;
      }
    }
    Keep(i);
  }
  // items[i] stays: in place, or moved down over dropped items (also an item that failed
  // in an earlier stage, which was not run).
  void Keep(size_t i) {
    if (kept_ != i) items_[kept_] = std::move(items_[i]);
    ++kept_;
  }
  void CountRun() { ++in_; }

  size_t kept() const { return kept_; }
  void AddTo(StageCounters& counters) const {
    counters.in.fetch_add(in_, std::memory_order_relaxed);
    counters.out.fetch_add(in_ - filtered_ - errors_, std::memory_order_relaxed);  // absorbed: ok
    counters.filtered.fetch_add(filtered_, std::memory_order_relaxed);
    counters.errors.fetch_add(errors_, std::memory_order_relaxed);
    counters.absorbed.fetch_add(absorbed_, std::memory_order_relaxed);
  }

 private:
  Item* items_;
  size_t kept_;
  uint64_t in_, filtered_ = 0, errors_ = 0, absorbed_ = 0;
};

// ProcessBatch's loop; with kCountItems it counts in items_done each item it comes to, with
// kPrefetch it fetches items ahead (template flags: a run without them pays nothing per item).
template <bool kCountItems, bool kPrefetch>
void RunItems(StageWorker& worker, Batch& batch, const ErrorContext& context,
              StageCounters& counters, std::atomic<uint64_t>* items_done) {
  const ErrorReuseScope reuse_errors(batch.spare_errors);
  // A stage sees one item at a time and never the batch, so its size and storage stay put.
  Item* const items = batch.items.data();
  const size_t size = batch.items.size();
  // Scenario 2's pushed items (0.2 us of work each): 0.71-0.81 -> 0.83-0.85 of the ideal
  // with 8 ahead, before PREFETCHW (the first read of each item had a third of the samples);
  // 16 no better.
  constexpr size_t kPrefetchAhead = 8;
  uint64_t done_before = 0;
  if constexpr (kCountItems) done_before = items_done->load(std::memory_order_relaxed);
  // Most batches pass whole: while every item passes, nothing moves and nothing is counted
  // but the place (callgrind, scenario 1: a loop that sorted as it went ran 26 instructions
  // an item and stage, this one 16).
  size_t i = 0;
  std::optional<Verdict> stopped_on;  // the verdict of the item this loop stopped at, if run
  for (; i < size; ++i) {
    if constexpr (kCountItems) items_done->store(done_before + i, std::memory_order_relaxed);
    if constexpr (kPrefetch) PrefetchAhead(items + i, kPrefetchAhead, items + size);
    Item& item = items[i];
    if (!item.ok()) [[unlikely]] {
      break;  // failed in an earlier stage: passed over below
    }
    const Verdict verdict = ProcessGuarded(worker, item);
    if (verdict != Verdict::kPass || !item.ok()) [[unlikely]] {
      stopped_on = verdict;
      break;
    }
  }
  ItemSorter sorter(items, /*kept=*/i, /*in=*/i);
  if (stopped_on) {
    sorter.CountRun();
    sorter.Place(i++, *stopped_on, context);
  }
  // From the first item that did not pass, item by item. (The count and the prefetch are
  // written out in each loop, not in a lambda: see PrefetchAhead.)
  for (; i < size; ++i) {
    if constexpr (kCountItems) items_done->store(done_before + i, std::memory_order_relaxed);
    if constexpr (kPrefetch) PrefetchAhead(items + i, kPrefetchAhead, items + size);
    if (items[i].ok()) {
      sorter.CountRun();
      sorter.Place(i, ProcessGuarded(worker, items[i]), context);
    } else [[unlikely]] {
      worker.PassOver(items[i]);
      sorter.Keep(i);
    }
  }
  if constexpr (kCountItems) items_done->store(done_before + size, std::memory_order_relaxed);
  batch.items.resize(sorter.kept());
  sorter.AddTo(counters);
}

}  // namespace

// Four loops, so that a run without a watchdog pays nothing per item for the count (it cost
// 5 instructions per item and stage: the loop is short of registers around the call), and
// items made on this thread nothing for the prefetch (3 instructions).
void ProcessBatch(StageWorker& worker, Batch& batch, const ErrorContext& context,
                  StageCounters& counters, std::atomic<uint64_t>* items_done,
                  ItemsFrom items_from) {
  const bool prefetch = items_from == ItemsFrom::kAnotherThread;
  if (items_done != nullptr) {
    (prefetch ? RunItems<true, true> : RunItems<true, false>)(worker, batch, context, counters,
                                                              items_done);
  } else {
    (prefetch ? RunItems<false, true> : RunItems<false, false>)(worker, batch, context, counters,
                                                                nullptr);
  }
}

}  // namespace sluice::detail
