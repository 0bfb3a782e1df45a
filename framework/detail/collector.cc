#include "framework/detail/collector.h"

#include "framework/detail/error_reuse.h"

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
  if (abandoned_) return;
  Encode(batch);
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
       it != reorder_buffer_.end() && it->first == next_sequence_; it = reorder_buffer_.erase(it)) {
    Emit(it->second);
  }
}

void Collector::Encode(Batch& batch) const {
  if (!callbacks_.encode_result && !callbacks_.encode_error) return;
  try {
    // The stages walked the whole batch since its errors were made: an Error's lines are
    // fetched a few items ahead, and its strings' memory one ahead, once those lines are
    // near (BENCHMARKS.md, section 6).
    const std::vector<Item>& items = batch.items;
    constexpr size_t kFetchAhead = 4;
    for (size_t i = 0; i < items.size(); ++i) {
      const Item& item = items[i];
      if (i + kFetchAhead < items.size()) {
        PrefetchError(items[i + kFetchAhead].error.get(), /*for_writing=*/false);
      }
      if (i + 1 < items.size() && !items[i + 1].ok()) PrefetchErrorText(*items[i + 1].error);
      if (item.ok()) {
        if (callbacks_.encode_result) callbacks_.encode_result(item.record, batch.encoded.results);
      } else if (callbacks_.encode_error) {
        EncodeError(item, batch.encoded.errors);
      }
    }
  } catch (...) {
    batch.encoded.failure = std::current_exception();
  }
}

void Collector::EncodeError(const Item& item, std::string& out) const {
  const Error& error = *item.error;
  // raw is the whole line unless the source kept only its start (a too_large line).
  if (!error.excerpt_truncated() || item.raw.size() != error.raw_bytes) {
    callbacks_.encode_error(error, out);
    return;
  }
  Error whole = error;
  whole.excerpt.assign(item.raw);
  callbacks_.encode_error(whole, out);
}

void Collector::DeliverResult(const Record& record) {
  ++results_;
  if (failure_) return;
  if (callbacks_.encode_result) {
    std::string bytes;
    callbacks_.encode_result(record, bytes);
    callbacks_.write_results(bytes, 1);
  } else if (callbacks_.on_result) {
    callbacks_.on_result(record);
  }
}

std::array<uint64_t, kErrorCodeCount>& Collector::ErrorCountsOf(std::string_view stage) {
  for (StageErrors& errors : errors_by_stage_) {
    if (errors.stage == stage) return errors.by_code;
  }
  return errors_by_stage_.emplace_back(StageErrors{.stage = std::string(stage)}).by_code;
}

void Collector::Emit(Batch& batch) {
  if (batch.encoded.failure && !failure_) failure_ = batch.encoded.failure;
  const bool call_on_result = callbacks_.on_result && !callbacks_.encode_result;
  const bool call_on_error = callbacks_.on_error && !callbacks_.encode_error;
  uint64_t batch_results = 0, batch_errors = 0;
  // Keep draining after a callback throws, so that no stage blocks on a full queue;
  // Finish rethrows.
  const auto call = [this](const auto& callback, const auto&... args) {
    if (failure_) return;
    try {
      callback(args...);
    } catch (...) {
      failure_ = std::current_exception();
    }
  };
  for (Item& item : batch.items) {
    if (item.ok()) {
      ++batch_results;
      if (call_on_result) call(callbacks_.on_result, item.record);
    } else {
      ++batch_errors;
      ErrorCountsOf(item.error->stage)[static_cast<size_t>(item.error->code)]++;
      if (call_on_error) call(callbacks_.on_error, *item.error);
      KeepError(std::move(item.error), batch);
    }
  }
  if (callbacks_.encode_result && batch_results > 0) {
    call(callbacks_.write_results, std::string_view(batch.encoded.results), batch_results);
  }
  if (callbacks_.encode_error && batch_errors > 0) {
    call(callbacks_.write_errors, std::string_view(batch.encoded.errors), batch_errors);
  }
  ok_ += batch_results;
  results_ += batch_results;
  errors_ += batch_errors;
  errors_live_.fetch_add(batch_errors, std::memory_order_relaxed);
  ++next_sequence_;
  if (in_flight_) in_flight_->signal();
  spare_batches_.Give(std::move(batch));
}

}  // namespace sluice::detail
