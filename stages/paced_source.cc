#include "stages/paced_source.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace sluice {
namespace {

// Holds one batch read from the inner source and releases its items as their event times
// come due; due items are handed over at once, and Read sleeps only when it has nothing
// due to hand over.
class PacedSource final : public Source {
 public:
  PacedSource(std::unique_ptr<Source> inner, ReplayOptions options, EventTimeFn event_time_ms,
              Clock& clock)
      : inner_(std::move(inner)),
        speed_(options.speed),
        max_gap_ms_(static_cast<double>(options.max_gap.count())),
        event_time_ms_(std::move(event_time_ms)),
        clock_(clock) {
    if (!(speed_ > 0)) {
      throw std::invalid_argument("replay speed must be > 0, got " + std::to_string(speed_));
    }
  }

  std::string_view name() const override { return inner_->name(); }
  std::optional<RecordFraming> framing() const override { return inner_->framing(); }
  uint64_t bytes_read() const override { return inner_->bytes_read(); }
  uint64_t total_bytes() const override { return inner_->total_bytes(); }
  void Interrupt() override {
    interrupted_.store(true, std::memory_order_relaxed);
    inner_->Interrupt();
  }

  SourceStatus Read(Batch& batch, size_t max_items) override;

 private:
  // How long one sleep may last before checking for Interrupt.
  static constexpr Clock::Duration kMaxSleepSlice = std::chrono::milliseconds(50);

  // When `item` is due: nullopt for "now" (untimed, failed, or the anchor).
  std::optional<Clock::TimePoint> DueTime(const Item& item);
  // Decides, on the next timed line, whether the jump past max_gap held back was the log's.
  void SettleJump(int64_t next_event_ms);
  // The wall time `span_ms` of event time after the first line, at speed_.
  Clock::TimePoint DueAfter(double span_ms) const;
  void Release(Item& item, Batch& out);
  void ReleaseHeld(Batch& out);
  SourceStatus ReadAtStop(Batch& batch, size_t max_items);
  bool PendingLeft() const { return next_pending_ < pending_.size(); }
  bool Stopping() const { return interrupted_.load(std::memory_order_relaxed); }
  SourceStatus StatusAfter() const { return PendingLeft() ? SourceStatus::kMore : inner_status_; }

  std::unique_ptr<Source> inner_;
  const double speed_;
  const double max_gap_ms_;  // 0: no limit
  const EventTimeFn event_time_ms_;
  Clock& clock_;

  Batch pending_;
  size_t next_pending_ = 0;
  SourceStatus inner_status_ = SourceStatus::kMore;  // kEnd or kStopped: read no more
  bool read_at_stop_ = false;                        // ReadAtStop read the inner source
  std::atomic<bool> interrupted_{false};

  bool anchored_ = false;
  int64_t first_event_ms_ = 0;
  Clock::TimePoint first_wall_{};
  int64_t latest_event_ms_ = 0;     // latest event time released; pacing never goes back
  double skipped_ms_ = 0;           // event time cut from jumps past max_gap
  std::optional<int64_t> jump_ms_;  // a jump past max_gap the next timed line settles
  // The due time of pending_.items[next_pending_], once known: DueTime moves the pacing
  // state, and a batch cut short asks for the same item again.
  struct {
    bool known = false;
    std::optional<Clock::TimePoint> due;
  } next_due_;
};

SourceStatus PacedSource::Read(Batch& batch, size_t max_items) {
  if (Stopping()) return ReadAtStop(batch, max_items);
  const size_t first_item = batch.size();
  // Interrupted during this read, the items held (read from the input, not due yet) go at
  // once, past max_items if need be: the pipeline reads only once more, and a pipe cannot
  // be read again.
  while (batch.size() < max_items || (Stopping() && PendingLeft())) {
    if (!PendingLeft()) {
      if (inner_status_ != SourceStatus::kMore) return inner_status_;
      // The inner read may block (a pipe): never hold due items back for it.
      if (batch.size() > first_item) return SourceStatus::kMore;
      pending_ = Batch{};
      next_pending_ = 0;
      inner_status_ = inner_->Read(pending_, max_items - batch.size());
      pending_.Seal();
      continue;
    }
    Item& item = pending_.items[next_pending_];
    if (!next_due_.known && !Stopping()) next_due_ = {.known = true, .due = DueTime(item)};
    if (const std::optional<Clock::TimePoint> due = Stopping() ? std::nullopt : next_due_.due;
        due.has_value() && *due > clock_.Now()) {
      if (batch.size() > first_item) return SourceStatus::kMore;  // cut the batch short
      while (clock_.Now() < *due && !Stopping()) {
        clock_.SleepUntil(std::min(*due, clock_.Now() + kMaxSleepSlice));
      }
    }
    Release(item, batch);
    ++next_pending_;
    next_due_ = {};
  }
  return StatusAfter();
}

// The read after a stop, the pipeline's last: the items held go at once, and the inner
// source is read once more for what it took from its input and holds (a pipe's lines,
// which cannot be read again), all of it. One that ignores Interrupt (a regular file's
// reader) gives a batch, and the input ends there all the same.
SourceStatus PacedSource::ReadAtStop(Batch& batch, size_t max_items) {
  ReleaseHeld(batch);
  if (inner_status_ == SourceStatus::kMore && !read_at_stop_) {
    read_at_stop_ = true;
    pending_ = Batch{};
    next_pending_ = 0;
    inner_status_ = inner_->Read(pending_, std::max<size_t>(max_items, 1));
    pending_.Seal();
    ReleaseHeld(batch);
  }
  return inner_status_ == SourceStatus::kEnd ? SourceStatus::kEnd : SourceStatus::kStopped;
}

void PacedSource::ReleaseHeld(Batch& out) {
  for (; PendingLeft(); ++next_pending_) Release(pending_.items[next_pending_], out);
}

std::optional<Clock::TimePoint> PacedSource::DueTime(const Item& item) {
  if (!item.ok()) return std::nullopt;
  const std::optional<int64_t> event_ms = event_time_ms_(item);
  if (!event_ms.has_value()) return std::nullopt;
  if (!anchored_) {
    anchored_ = true;
    first_event_ms_ = latest_event_ms_ = *event_ms;
    first_wall_ = clock_.Now();
    return std::nullopt;
  }
  if (jump_ms_) SettleJump(*event_ms);
  // Doubles: event spans up to centuries at any speed, without integer overflow.
  const double span_ms =
      static_cast<double>(latest_event_ms_) - static_cast<double>(first_event_ms_) - skipped_ms_;
  if (*event_ms > latest_event_ms_) {
    const double gap = static_cast<double>(*event_ms) - static_cast<double>(latest_event_ms_);
    if (max_gap_ms_ > 0 && gap > max_gap_ms_) {
      // Due max_gap after the latest time. The next timed line tells a log that jumped
      // (it stays near the jump) from a line whose clock ran ahead (it goes back).
      jump_ms_ = *event_ms;
      return DueAfter(span_ms + max_gap_ms_);
    }
    latest_event_ms_ = *event_ms;
    return DueAfter(span_ms + gap);
  }
  return DueAfter(span_ms);
}

void PacedSource::SettleJump(int64_t next_event_ms) {
  const int64_t jump = *jump_ms_;
  jump_ms_.reset();
  if (static_cast<double>(next_event_ms) >= static_cast<double>(jump) - max_gap_ms_) {
    // The log did jump: the time it skipped past max_gap is cut.
    skipped_ms_ += static_cast<double>(jump) - static_cast<double>(latest_event_ms_) - max_gap_ms_;
    latest_event_ms_ = jump;
  } else {
    skipped_ms_ -= max_gap_ms_;  // an outlier: the replay goes on from its release
  }
}

Clock::TimePoint PacedSource::DueAfter(double span_ms) const {
  const double wait_ns = std::min(span_ms * 1e6 / speed_, 1e18);
  return first_wall_ + std::chrono::duration_cast<Clock::Duration>(
                           std::chrono::duration<double, std::nano>(wait_ns));
}

void PacedSource::Release(Item& item, Batch& out) {
  Item* moved = nullptr;
  if (item.from_line()) {
    moved = &out.AddLine(item.raw, item.line, item.offset);
    moved->record = std::move(item.record);
  } else {
    moved = &out.AddRecord(std::move(item.record), item.line);
  }
  moved->error = std::move(item.error);
}

}  // namespace

std::unique_ptr<Source> MakePacedSource(std::unique_ptr<Source> inner, ReplayOptions options,
                                        EventTimeFn event_time_ms, Clock& clock) {
  return std::make_unique<PacedSource>(std::move(inner), options, std::move(event_time_ms), clock);
}

}  // namespace sluice
