// Internal: the fan-in end of a pipeline. One thread takes batches from the last queue,
// restores input order when asked (a reorder buffer keyed by batch sequence), counts
// every item, and hands results and errors to the user's callbacks.
#pragma once


#include <array>
#include <atomic>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <string>

#include "framework/bounded_queue.h"
#include "framework/detail/batch_pool.h"
#include "framework/error.h"
#include "framework/item.h"
#include "framework/record.h"

namespace sluice::detail {

struct CollectorCallbacks {
  std::function<void(const Record&)> on_result;
  std::function<void(const Error&)> on_error;
};

class Collector {
 public:
  /// `in_flight` (ordered mode only, else nullptr) gets one token back per emitted batch,
  /// which bounds the reorder buffer to the batches the source may have in flight.
  /// `errors_live` is bumped per batch for progress lines read from other threads.
  Collector(bool ordered, CollectorCallbacks callbacks,
            moodycamel::LightweightSemaphore* in_flight, std::atomic<uint64_t>& errors_live,
            BatchPool& spare_batches);

  /// The thread body: drains `input` until it is closed.
  void Run(BoundedQueue<Batch>& input);

  /// Delivers one result row made outside the stream (aggregate rows at Finish).
  void DeliverResult(const Record& record);

  uint64_t ok() const { return ok_; }
  uint64_t errors() const { return errors_; }
  uint64_t results() const { return results_; }
  const std::map<std::string, std::array<uint64_t, kErrorCodeCount>>& errors_by_stage() const {
    return errors_by_stage_;
  }
  /// The first exception a callback threw; the collector keeps counting after it.
  std::exception_ptr failure() const { return failure_; }

 private:
  void Emit(Batch& batch);

  bool ordered_;
  CollectorCallbacks callbacks_;
  moodycamel::LightweightSemaphore* in_flight_;
  std::map<uint64_t, Batch> reorder_buffer_;
  uint64_t next_sequence_ = 0;
  uint64_t ok_ = 0, errors_ = 0, results_ = 0;
  std::atomic<uint64_t>& errors_live_;
  BatchPool& spare_batches_;
  std::map<std::string, std::array<uint64_t, kErrorCodeCount>> errors_by_stage_;
  std::exception_ptr failure_;
};

}  // namespace sluice::detail
