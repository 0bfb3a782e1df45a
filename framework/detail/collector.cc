#include "framework/detail/collector.h"

namespace sluice::detail {

Collector::Collector(bool ordered, CollectorCallbacks callbacks, size_t capacity,
                     moodycamel::LightweightSemaphore* in_flight,
                     std::atomic<uint64_t>& errors_live, BatchPool& spare_batches)
    : ordered_(ordered),
      callbacks_(std::move(callbacks)),
      in_flight_(in_flight),
      errors_live_(errors_live),
      spare_batches_(spare_batches),
      waiting_(capacity, /*producers=*/1) {}

void Collector::Deliver(Batch batch) {
  if (!emitting_.exchange(true)) {
    EmitInOrder(batch);
    EmitWaitingThenLeave();
    return;
  }
  if (!waiting_.Push(std::move(batch))) return;  // abandoned
  // The emitter may have looked at the count before this batch and be leaving: if it
  // has left, take its turn. (seq_cst: this count and its exchange, against its store
  // and its load.)
  waiting_count_.fetch_add(1);
  if (!emitting_.exchange(true)) EmitWaitingThenLeave();
}

void Collector::EmitWaitingThenLeave() {
  do {
    Batch batch;
    while (waiting_.TryPop(batch)) {
      waiting_count_.fetch_sub(1);  // may go below 0 until that batch's worker counts it
      EmitInOrder(batch);
    }
    emitting_.store(false);
  } while (waiting_count_.load() > 0 && !abandoned_ && !emitting_.exchange(true));
}

void Collector::EmitInOrder(Batch& batch) {
  if (!ordered_) {
    Emit(batch);
    return;
  }
  if (batch.sequence != next_sequence_) {
    reorder_buffer_.emplace(batch.sequence, std::move(batch));
    return;
  }
  Emit(batch);
  for (auto it = reorder_buffer_.begin();
       it != reorder_buffer_.end() && it->first == next_sequence_;
       it = reorder_buffer_.erase(it)) {
    Emit(it->second);
  }
}

void Collector::DeliverResult(const Record& record) {
  ++results_;
  if (callbacks_.on_result && !failure_) callbacks_.on_result(record);
}

void Collector::Emit(Batch& batch) {
  uint64_t batch_errors = 0;
  for (Item& item : batch.items) {
    try {
      if (item.ok()) {
        ++ok_;
        ++results_;
        if (callbacks_.on_result && !failure_) callbacks_.on_result(item.record);
      } else {
        ++batch_errors;
        errors_by_stage_[item.error->stage][static_cast<size_t>(item.error->code)]++;
        if (callbacks_.on_error && !failure_) callbacks_.on_error(*item.error);
      }
    } catch (...) {
      // Keep draining so that no stage blocks on a full queue; Finish rethrows.
      if (!failure_) failure_ = std::current_exception();
    }
  }
  errors_ += batch_errors;
  errors_live_.fetch_add(batch_errors, std::memory_order_relaxed);
  ++next_sequence_;
  if (in_flight_) in_flight_->signal();
  spare_batches_.Give(std::move(batch));
}

}  // namespace sluice::detail
