// Internal: spare batches. The collector hands each batch it is done with back here, and
// the source fills it again: its items vector and text buffer keep their memory, and so
// do its spare Errors (at most one per item slot, detail/error_reuse.h), so steady-state
// runs allocate no batch memory and free none across threads.
#pragma once

#include <concurrentqueue.h>

#include <cstddef>
#include <utility>

#include "framework/item.h"

namespace sluice::detail {

class BatchPool {
 public:
  /// Batches whose text or encoded output grew past this (a few huge lines) are freed
  /// rather than kept.
  static constexpr size_t kMaxKeptTextBytes = size_t{4} << 20;

  /// Keeps at most `max_spares` batches. The pipeline passes the most batches that can be
  /// in flight at once: with fewer, the queues' filling and draining drops batches here
  /// and makes new ones there, and every new batch's memory is first touched, a page fault
  /// per 4 KiB (almost half the replay's page faults went that way: docs/benchmark-history.md).
  BatchPool(size_t batch_size, size_t max_spares)
      : batch_size_(batch_size), max_spares_(max_spares) {}

  /// A cleared batch: a spare one, or a new one with room for batch_size items.
  Batch Take() {
    Batch batch;
    if (!spares_.try_dequeue(batch)) batch.items.reserve(batch_size_);
    return batch;
  }

  /// Keeps `batch` for reuse (cleared here, on the releasing thread).
  void Give(Batch&& batch) {
    const size_t encoded_bytes = batch.encoded.results.capacity() + batch.encoded.errors.capacity();
    if (batch.text_bytes() > kMaxKeptTextBytes || encoded_bytes > kMaxKeptTextBytes ||
        spares_.size_approx() >= max_spares_) {
      return;
    }
    batch.Clear();
    spares_.enqueue(std::move(batch));
  }

 private:
  size_t batch_size_;
  size_t max_spares_;
  moodycamel::ConcurrentQueue<Batch> spares_;
};

}  // namespace sluice::detail
