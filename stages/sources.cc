#include "stages/sources.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace sluice {
namespace {

// ---------------------------------------------------------------------------------------
// FileSource

// Bytes asked of each read(2): enough to amortise the syscall, about a batch's worth (1024
// lines of 130 bytes), so that no single Read holds a pipeline's workers waiting for their
// turn to read much longer than others do (1 MiB blocks: 0.29 s on the replay, 0.27 s).
// The buffer also holds the unfinished line carried over from the previous block.
constexpr size_t kReadBlockBytes = size_t{128} << 10;
// A batch stops growing once it holds this much text, so that batches of long lines do
// not pin (max_items x max_line_bytes) of memory per queue slot.
constexpr size_t kMaxBatchTextBytes = size_t{8} << 20;

std::string TooLargeMessage(uint64_t length, size_t max_line_bytes) {
  return "line is " + std::to_string(length) + " bytes, over max_line_bytes " +
         std::to_string(max_line_bytes);
}

// Reads newline-separated lines with large read(2) calls into one reusable buffer; lines
// are copied once, into the batch. A line over max_line_bytes is never held whole: the
// reader keeps its first Error::kMaxExcerptBytes and skips the rest.
class FileSource final : public Source {
 public:
  FileSource(int fd, bool owns_fd, std::string name, size_t max_line_bytes, uint64_t total_bytes)
      : fd_(fd),
        owns_fd_(owns_fd),
        name_(std::move(name)),
        max_line_bytes_(max_line_bytes),
        total_bytes_(total_bytes) {}
  ~FileSource() override {
    if (owns_fd_) ::close(fd_);
  }
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  std::string_view name() const override { return name_; }
  uint64_t bytes_read() const override { return bytes_read_; }
  uint64_t total_bytes() const override { return total_bytes_; }

  SourceStatus Read(Batch& batch, size_t max_items) override;

 private:
  // Emits complete lines from the buffer into `batch`; returns when the batch is full or
  // no complete line is left.
  void EmitLines(Batch& batch, size_t max_items);
  // Continues skipping an over-long line; true when its end was found (and it was emitted).
  bool SkipLongLine(Batch& batch);
  void EmitLine(Batch& batch, std::string_view line, uint64_t offset);
  void StartLongLine();
  void FinishLongLine(Batch& batch);
  // Emits whatever follows the last newline at end of input.
  void EmitTail(Batch& batch);
  // Moves the unfinished line to the buffer's front and reads more after it.
  void FillBuffer();
  bool BatchFull(const Batch& batch, size_t max_items) const {
    return batch.size() >= max_items || batch.text_bytes() >= kMaxBatchTextBytes;
  }
  size_t pending() const { return end_ - begin_; }

  const int fd_;
  const bool owns_fd_;
  const std::string name_;
  const size_t max_line_bytes_;
  const uint64_t total_bytes_;

  std::unique_ptr<char[]> buffer_;
  size_t capacity_ = 0;
  size_t begin_ = 0;           // first unconsumed byte
  size_t end_ = 0;             // one past the last byte read
  uint64_t begin_offset_ = 0;  // input offset of buffer_[begin_]
  uint64_t bytes_read_ = 0;
  uint64_t next_line_ = 1;
  bool at_eof_ = false;
  bool last_read_short_ = false;  // the last read got less than asked: a drained pipe
  bool ended_ = false;

  // The over-long line being skipped, if any.
  bool in_long_line_ = false;
  std::string long_excerpt_;
  uint64_t long_offset_ = 0;
  uint64_t long_length_ = 0;  // bytes seen so far, without the newline
  bool long_ends_with_cr_ = false;
};

SourceStatus FileSource::Read(Batch& batch, size_t max_items) {
  if (ended_) return SourceStatus::kEnd;
  batch.items.reserve(std::min<size_t>(max_items, 4096));
  const size_t first_item = batch.size();
  while (true) {
    // While a long line is skipped, the whole buffer may belong to it: then read on.
    const bool still_in_long_line = in_long_line_ && !SkipLongLine(batch);
    if (!still_in_long_line) {
      EmitLines(batch, max_items);
      if (BatchFull(batch, max_items)) return SourceStatus::kMore;
    }
    if (at_eof_) {
      if (in_long_line_) {
        FinishLongLine(batch);
      } else {
        EmitTail(batch);
      }
      ended_ = true;
      return SourceStatus::kEnd;
    }
    // A pipe that had no more to give at the last read: hand over what we have rather than
    // block, so that a live stream's lines are not held back until a batch fills.
    if (last_read_short_ && batch.size() > first_item) return SourceStatus::kMore;
    FillBuffer();
  }
}

void FileSource::EmitLines(Batch& batch, size_t max_items) {
  while (!BatchFull(batch, max_items) && begin_ < end_) {
    const char* start = buffer_.get() + begin_;
    const auto* newline = static_cast<const char*>(std::memchr(start, '\n', pending()));
    if (newline == nullptr) {
      // An unfinished line: if it already cannot fit (even allowing for a '\r' whose '\n'
      // has not arrived yet), stop buffering it.
      if (pending() > max_line_bytes_ + 1) StartLongLine();
      return;
    }
    const size_t length = static_cast<size_t>(newline - start);
    EmitLine(batch, std::string_view(start, length), begin_offset_);
    begin_ += length + 1;
    begin_offset_ += length + 1;
  }
}

void FileSource::EmitLine(Batch& batch, std::string_view line, uint64_t offset) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  const uint64_t line_number = next_line_++;
  if (line.size() <= max_line_bytes_) {
    batch.AddLine(line, line_number, offset);
    return;
  }
  batch.AddLine(line.substr(0, Error::kMaxExcerptBytes), line_number, offset)
      .Fail(ErrorCode::kTooLarge, TooLargeMessage(line.size(), max_line_bytes_));
}

void FileSource::StartLongLine() {
  in_long_line_ = true;
  long_excerpt_.assign(buffer_.get() + begin_, std::min(pending(), Error::kMaxExcerptBytes));
  long_offset_ = begin_offset_;
  long_length_ = pending();
  long_ends_with_cr_ = buffer_[end_ - 1] == '\r';
  begin_offset_ += pending();
  begin_ = end_;
}

bool FileSource::SkipLongLine(Batch& batch) {
  const char* start = buffer_.get() + begin_;
  const auto* newline = static_cast<const char*>(std::memchr(start, '\n', pending()));
  const size_t skipped = newline ? static_cast<size_t>(newline - start) : pending();
  if (skipped > 0) {
    // With a max_line_bytes under the excerpt size, the excerpt fills up across reads.
    const size_t excerpt_room = Error::kMaxExcerptBytes - long_excerpt_.size();
    long_excerpt_.append(start, std::min(skipped, excerpt_room));
    long_length_ += skipped;
    long_ends_with_cr_ = start[skipped - 1] == '\r';
  }
  const size_t consumed = newline ? skipped + 1 : skipped;
  begin_ += consumed;
  begin_offset_ += consumed;
  if (newline == nullptr) return false;
  FinishLongLine(batch);
  return true;
}

void FileSource::FinishLongLine(Batch& batch) {
  in_long_line_ = false;
  const uint64_t length = long_length_ - (long_ends_with_cr_ ? 1 : 0);
  batch.AddLine(long_excerpt_, next_line_++, long_offset_)
      .Fail(ErrorCode::kTooLarge, TooLargeMessage(length, max_line_bytes_));
}

void FileSource::EmitTail(Batch& batch) {
  if (begin_ == end_) return;  // the input ended with a newline (or was empty)
  EmitLine(batch, std::string_view(buffer_.get() + begin_, pending()), begin_offset_);
  begin_offset_ += pending();
  begin_ = end_;
}

void FileSource::FillBuffer() {
  // The carried-over line is at most max_line_bytes + 1 bytes (longer ones are skipped),
  // so this capacity always leaves a whole block free after compaction.
  const size_t max_capacity = max_line_bytes_ + 2 + kReadBlockBytes;
  const size_t needed = std::min(pending() + kReadBlockBytes, max_capacity);
  if (capacity_ < needed) {
    const size_t new_capacity = std::max(needed, std::min(capacity_ * 2, max_capacity));
    auto bigger = std::make_unique_for_overwrite<char[]>(new_capacity);
    if (pending() > 0) std::memcpy(bigger.get(), buffer_.get() + begin_, pending());
    buffer_ = std::move(bigger);
    capacity_ = new_capacity;
  } else if (begin_ > 0) {
    std::memmove(buffer_.get(), buffer_.get() + begin_, pending());
  }
  end_ = pending();
  begin_ = 0;
  const size_t want = capacity_ - end_;
  while (true) {
    const ssize_t got = ::read(fd_, buffer_.get() + end_, want);
    if (got > 0) {
      end_ += static_cast<size_t>(got);
      bytes_read_ += static_cast<uint64_t>(got);
      last_read_short_ = static_cast<size_t>(got) < want;
      return;
    }
    if (got == 0) {
      at_eof_ = true;
      return;
    }
    if (errno == EINTR) continue;
    throw std::runtime_error("reading " + name_ + ": " + std::strerror(errno));
  }
}

// ---------------------------------------------------------------------------------------
// PacedSource

// Holds one batch read from the inner source and releases its items as their event times
// come due; due items are handed over at once, and Read sleeps only when it has nothing
// due to hand over.
class PacedSource final : public Source {
 public:
  PacedSource(std::unique_ptr<Source> inner, ReplayOptions options, EventTimeFn event_time_ms,
              Clock& clock)
      : inner_(std::move(inner)),
        speed_(options.speed),
        event_time_ms_(std::move(event_time_ms)),
        clock_(clock) {
    if (!(speed_ > 0)) {
      throw std::invalid_argument("replay speed must be > 0, got " + std::to_string(speed_));
    }
  }

  std::string_view name() const override { return inner_->name(); }
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
  void Release(Item& item, Batch& out);
  bool PendingLeft() const { return next_pending_ < pending_.size(); }
  SourceStatus StatusAfter() const {
    return inner_ended_ && !PendingLeft() ? SourceStatus::kEnd : SourceStatus::kMore;
  }

  std::unique_ptr<Source> inner_;
  const double speed_;
  const EventTimeFn event_time_ms_;
  Clock& clock_;

  Batch pending_;
  size_t next_pending_ = 0;
  bool inner_ended_ = false;
  std::atomic<bool> interrupted_{false};

  bool anchored_ = false;
  int64_t first_event_ms_ = 0;
  Clock::TimePoint first_wall_{};
  int64_t latest_event_ms_ = 0;  // latest event time released; pacing never goes back
};

SourceStatus PacedSource::Read(Batch& batch, size_t max_items) {
  const size_t first_item = batch.size();
  while (batch.size() < max_items) {
    if (!PendingLeft()) {
      if (inner_ended_) return SourceStatus::kEnd;
      // The inner read may block (a pipe): never hold due items back for it.
      if (batch.size() > first_item) return SourceStatus::kMore;
      pending_ = Batch{};
      next_pending_ = 0;
      inner_ended_ = inner_->Read(pending_, max_items - batch.size()) == SourceStatus::kEnd;
      pending_.Seal();
      continue;
    }
    Item& item = pending_.items[next_pending_];
    if (const std::optional<Clock::TimePoint> due = DueTime(item);
        due.has_value() && *due > clock_.Now()) {
      if (batch.size() > first_item) return SourceStatus::kMore;  // cut the batch short
      while (clock_.Now() < *due && !interrupted_.load(std::memory_order_relaxed)) {
        clock_.SleepUntil(std::min(*due, clock_.Now() + kMaxSleepSlice));
      }
      if (interrupted_.load(std::memory_order_relaxed)) return SourceStatus::kEnd;
    }
    Release(item, batch);
    ++next_pending_;
  }
  return StatusAfter();
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
  latest_event_ms_ = std::max(latest_event_ms_, *event_ms);
  // Doubles: event spans up to centuries at any speed, without integer overflow.
  const double wait_ns =
      std::min(static_cast<double>(latest_event_ms_ - first_event_ms_) * 1e6 / speed_, 1e18);
  return first_wall_ + std::chrono::duration_cast<Clock::Duration>(
                           std::chrono::duration<double, std::nano>(wait_ns));
}

void PacedSource::Release(Item& item, Batch& out) {
  Item* moved = nullptr;
  if (item.line == 0 && item.raw.empty()) {
    moved = &out.AddRecord(std::move(item.record));
  } else {
    moved = &out.AddLine(item.raw, item.line, item.offset);
    moved->record = std::move(item.record);
  }
  moved->error = std::move(item.error);
}

}  // namespace

Result<std::unique_ptr<Source>> OpenFileSource(const FileSourceOptions& options) {
  if (options.max_line_bytes == 0) {
    return Error{.code = ErrorCode::kInvalidInput, .message = "max_line_bytes must be > 0"};
  }
  const bool is_stdin = options.path == "-";
  const std::string name = is_stdin ? "stdin" : options.path;
  const int fd = is_stdin ? STDIN_FILENO : ::open(options.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Error{.code = ErrorCode::kInvalidInput,
                 .message = "cannot open " + name + ": " + std::strerror(errno),
                 .source = name};
  }
  struct stat info {};
  uint64_t total_bytes = 0;
  if (::fstat(fd, &info) == 0) {
    if (S_ISDIR(info.st_mode)) {
      if (!is_stdin) ::close(fd);
      return Error{.code = ErrorCode::kInvalidInput,
                   .message = "cannot read " + name + ": " + std::strerror(EISDIR),
                   .source = name};
    }
    if (S_ISREG(info.st_mode)) {
      // stdin redirected from a file may start part-way in; count what is left.
      const off_t start = is_stdin ? ::lseek(fd, 0, SEEK_CUR) : 0;
      total_bytes =
          static_cast<uint64_t>(std::max<off_t>(info.st_size - std::max<off_t>(start, 0), 0));
      ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    }
  }
  return std::unique_ptr<Source>(
      std::make_unique<FileSource>(fd, !is_stdin, name, options.max_line_bytes, total_bytes));
}

std::unique_ptr<Source> MakePacedSource(std::unique_ptr<Source> inner, ReplayOptions options,
                                        EventTimeFn event_time_ms, Clock& clock) {
  return std::make_unique<PacedSource>(std::move(inner), options, std::move(event_time_ms), clock);
}

}  // namespace sluice
