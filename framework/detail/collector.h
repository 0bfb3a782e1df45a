// Internal: the fan-in end of a pipeline. It restores input order when asked (a reorder
// buffer keyed by batch sequence), counts every item, and hands results and errors to the
// user's callbacks, or their bytes (encoded by the delivering worker) to the user's
// writers, one batch at a time.
//
// It has no thread of its own: the worker that hands over a batch emits it, when no other
// worker is emitting; otherwise the batch waits in a bounded queue for the worker that is,
// and the hand-over blocks while that queue is full (backpressure). An extra thread would
// cost a wake-up per batch and move every batch to a third core; on 2 cores it also takes
// its time from the workers.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "framework/bounded_queue.h"
#include "framework/detail/batch_pool.h"
#include "framework/error.h"
#include "framework/item.h"
#include "framework/record.h"

namespace sluice::detail {

struct CollectorCallbacks {
  std::function<void(const Record&)> on_result;
  std::function<void(const Error&)> on_error;
  // Encoders run in Deliver, on the delivering worker; the writers when the batch is
  // emitted. A set encoder takes the place of its on_* callback. encode_error gets the
  // whole raw line as the excerpt when the batch still holds it (see EncodeError).
  std::function<void(const Record&, std::string&)> encode_result;
  std::function<void(std::string_view, uint64_t)> write_results;
  std::function<void(const Error&, std::string&)> encode_error;
  std::function<void(std::string_view, uint64_t)> write_errors;
};

class Collector {
 public:
  /// `in_flight` (ordered mode only, else nullptr) gets one token back per emitted batch,
  /// which bounds the reorder buffer to the batches the source may have in flight.
  /// `errors_live` is bumped per batch for progress lines read from other threads.
  /// `capacity`: batches that may wait while another worker emits.
  Collector(bool ordered, CollectorCallbacks callbacks, size_t capacity,
            moodycamel::LightweightSemaphore* in_flight, std::atomic<uint64_t>& errors_live,
            BatchPool& spare_batches);

  /// Hands over a batch from a last-stage worker: encodes its items if encoders are set
  /// (here, in parallel with other workers), then emits it, or queues it for the worker
  /// that is emitting (blocking while that queue is full). Drops it once abandoned.
  void Deliver(Batch batch);
  /// The run was abandoned (a stage stalled, or the pipeline was destroyed mid-run):
  /// Deliver no longer blocks, and drops what it gets.
  void Abandon() {
    abandoned_ = true;
    waiting_.Abandon();
  }

  /// Delivers one result row made outside the stream (aggregate rows at Finish).
  void DeliverResult(const Record& record);

  /// Records that came through every stage (with the absorbed ones, the report's ok count).
  uint64_t ok() const { return ok_; }
  uint64_t errors() const { return errors_; }
  /// Rows delivered: ok() plus the rows made outside the stream (DeliverResult).
  uint64_t results() const { return results_; }
  /// Errors by stage name and code, in the order of each stage's first error.
  struct StageErrors {
    std::string stage;
    std::array<uint64_t, kErrorCodeCount> by_code{};
  };
  const std::vector<StageErrors>& errors_by_stage() const { return errors_by_stage_; }
  /// The first exception a callback threw; the collector keeps counting after it.
  std::exception_ptr failure() const { return failure_; }

 private:
  /// Fills batch.encoded; a throwing encoder's exception is kept there for Emit.
  void Encode(Batch& batch) const;
  /// Encodes an error item. Its Error keeps only the start of a long line, but the batch's
  /// text (alive here) has all of it: the encoder gets that, so that a dead letter holds
  /// the whole line. Only cut excerpts pay for the copy.
  void EncodeError(const Item& item, std::string& out) const;
  void EmitInOrder(Batch& batch);
  void Emit(Batch& batch);
  std::array<uint64_t, kErrorCodeCount>& ErrorCountsOf(std::string_view stage);
  /// Holding the emitter's turn: emits what waits, then gives the turn up, taking it
  /// back if a batch arrived meanwhile and no other worker took it.
  void EmitWaitingThenLeave();

  bool ordered_;
  CollectorCallbacks callbacks_;
  moodycamel::LightweightSemaphore* in_flight_;
  std::map<uint64_t, Batch> reorder_buffer_;
  uint64_t next_sequence_ = 0;
  uint64_t ok_ = 0, errors_ = 0, results_ = 0;
  std::atomic<uint64_t>& errors_live_;
  BatchPool& spare_batches_;
  std::vector<StageErrors> errors_by_stage_;  // a few stages: searched in turn
  std::exception_ptr failure_;

  BoundedQueue<Batch> waiting_;
  std::atomic<int64_t> waiting_count_{0};  // batches counted into waiting_, less those taken
  std::atomic<bool> emitting_{false};      // a worker holds the emitter's turn
  std::atomic<bool> abandoned_{false};     // what waits is dropped: the count stays above 0
};

}  // namespace sluice::detail
