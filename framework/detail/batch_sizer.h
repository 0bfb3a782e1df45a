// Internal: how many records the next batch gets.
//
// A batch is the unit of work a worker takes, so with slow records a full batch is a long
// piece of work, and where the last batches land decides how long the run's tail is:
// 100 us records in batches of 1024 are 100 ms each, and 6,000 of them make 6 batches
// for 2 workers. So batches are cut to about `target` of work in the pipeline's slowest
// group of stages, and never hold more than `max_items` records: cheap records keep full
// batches (each batch's hand-off costs the same, whatever it holds), slow ones get small
// batches that spread evenly over the workers.
//
//   detail::BatchSizer sizer(/*max_items=*/1024, std::chrono::milliseconds(1), /*groups=*/2);
//   batch = Read(sizer.Next());                               // the thread that fills batches
//   sizer.Report(group, items, busy);                         // a worker, after each batch
//
// Until a first report, batches hold kFirstItems records: a producer faster than the
// workers would otherwise form every batch before any record's cost is known. From then
// on a batch may grow to twice the one before (one slow report must not cut batches to a
// few records for long, nor one fast report grow them to the full size) and shrinks at once.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>

namespace sluice::detail {

class BatchSizer {
 public:
  static constexpr size_t kFirstItems = 32;

  /// `target` zero: every batch gets `max_items`.
  BatchSizer(size_t max_items, std::chrono::nanoseconds target, size_t groups)
      : max_items_(std::max<size_t>(1, max_items)),
        target_nanos_(static_cast<double>(target.count())),
        groups_(groups),
        nanos_per_item_(std::make_unique<std::atomic<double>[]>(groups)),
        current_(target.count() > 0 ? std::min(kFirstItems, max_items_) : max_items_) {}

  /// A worker of `group` took `busy` to run a batch of `items` records through it. From
  /// any thread; the latest report of each group counts.
  void Report(size_t group, size_t items, std::chrono::nanoseconds busy) {
    if (items == 0 || target_nanos_ == 0) return;
    const double per_item = static_cast<double>(busy.count()) / static_cast<double>(items);
    nanos_per_item_[group].store(std::max(per_item, 1e-3), std::memory_order_relaxed);
  }

  /// Records for the next batch. From one thread at a time (the one that fills batches).
  size_t Next() {
    double slowest = 0;  // ns per record in the slowest group; 0 before any report
    for (size_t g = 0; g < groups_; ++g) {
      slowest = std::max(slowest, nanos_per_item_[g].load(std::memory_order_relaxed));
    }
    if (slowest == 0) return current_;
    const double fit = std::clamp(target_nanos_ / slowest, 1.0, static_cast<double>(max_items_));
    current_ = std::min(static_cast<size_t>(fit), 2 * current_);
    return current_;
  }

 private:
  const size_t max_items_;
  const double target_nanos_;
  const size_t groups_;
  std::unique_ptr<std::atomic<double>[]> nanos_per_item_;  // per group; 0 until reported
  // Written for every batch by the thread that fills them: on a line of its own, away from
  // the fields above, which every worker reads after each batch.
  alignas(64) size_t current_;
};

}  // namespace sluice::detail
