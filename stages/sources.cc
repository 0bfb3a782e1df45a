#include "stages/sources.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "framework/detail/standard_streams.h"
#include "stages/detail/quoted_records.h"

namespace sluice {
namespace {

// ---------------------------------------------------------------------------------------
// FileSource

// Bytes asked of each read(2) at most: enough to amortise the syscall, about a batch's worth
// (1024 lines of 130 bytes), so that no single Read holds a pipeline's workers waiting for
// their turn to read much longer than others do (1 MiB blocks: 0.29 s on the replay, 0.27 s).
constexpr size_t kReadBlockBytes = size_t{128} << 10;
// The least asked of read(2) when the batch needs only a few more lines.
constexpr size_t kMinReadBytes = size_t{4} << 10;
// A batch stops growing once it holds this much text, so that batches of long lines do
// not pin (max_items x max_line_bytes) of memory per queue slot.
constexpr size_t kMaxBatchTextBytes = size_t{8} << 20;
constexpr size_t kNoItemLimit = std::numeric_limits<size_t>::max();

// What makes `framing` unusable, or "".
std::string FramingProblem(const RecordFraming& framing) {
  if (framing.quote == '\0') return "";
  const auto line_end = [](char c) { return c == '\n' || c == '\r'; };
  if (line_end(framing.quote) || line_end(framing.delimiter)) {
    return "framing: the quote and the delimiter cannot be CR or LF";
  }
  if (framing.quote == framing.delimiter) return "framing: the quote and the delimiter must differ";
  return "";
}

std::string TooLargeMessage(uint64_t length, size_t max_line_bytes) {
  return "line is " + std::to_string(length) + " bytes, over max_line_bytes " +
         std::to_string(max_line_bytes);
}

// Reads newline-separated lines with large read(2) calls straight into the batch's text, so
// that its lines are never copied (Batch::GrowText, AddTextLine). What a read brings past
// the batch's last line (the start of the next line, or lines a full batch has no room for)
// is carried into the next batch; reads are sized to the lines the batch still takes, so
// that this stays small. A line over max_line_bytes is never held whole: the reader keeps
// its first Error::kMaxExcerptBytes and skips the rest.
//
// A pipe, FIFO or terminal may go quiet for any time, and a read(2) blocked on it would hold
// the run's stop (SIGINT) until shutdown_timeout, losing what was read: on such inputs each
// read first polls the input together with an eventfd that Interrupt() signals. A regular
// file never blocks for long, and reads it without the extra system call.
class FileSource final : public Source {
 public:
  FileSource(int fd, bool owns_fd, std::string name, const FileSourceOptions& options,
             uint64_t total_bytes, bool may_block)
      : fd_(fd),
        owns_fd_(owns_fd),
        name_(std::move(name)),
        max_line_bytes_(options.max_line_bytes),
        framing_(options.framing),
        stop_grace_ms_(static_cast<int>(options.stop_grace.count())),
        stop_limit_(options.stop_limit),
        total_bytes_(total_bytes),
        may_block_(may_block),
        // Without an eventfd (out of descriptors, say), reads still work, uninterruptibly.
        wake_fd_(may_block ? ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK) : -1) {
    if (framing_.quote != '\0') quoted_records_.emplace(framing_);
  }
  ~FileSource() override {
    if (owns_fd_) ::close(fd_);
    if (wake_fd_ >= 0) ::close(wake_fd_);
  }
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  std::string_view name() const override { return name_; }
  std::optional<RecordFraming> framing() const override { return framing_; }
  uint64_t bytes_read() const override { return bytes_read_; }
  uint64_t total_bytes() const override { return total_bytes_; }
  /// Wakes a Read waiting on a quiet pipe; it returns kStopped with the lines it has (kEnd
  /// when the input's end came first). Reads of a regular file are not cut short (the
  /// pipeline stops asking for batches instead).
  void Interrupt() override {
    if (wake_fd_ < 0) return;
    interrupted_.store(true, std::memory_order_relaxed);
    const uint64_t one = 1;
    (void)!::write(wake_fd_, &one, sizeof one);
  }

  SourceStatus Read(Batch& batch, size_t max_items) override;

 private:
  // Makes lines of the batch's text from scan_ on; returns when the batch is full or no
  // complete line is left.
  void EmitLines(Batch& batch, size_t max_items);
  // At the start of the input: steps over a UTF-8 byte order mark; false while too few
  // bytes have arrived to tell.
  bool SkipByteOrderMark(const Batch& batch);
  // The newline in [from, end) that ends the line (the record) from scan_, or nullptr; with
  // a framing quote, one inside a quoted field does not, and quoted_records_ keeps its
  // place for the text after `end`.
  const char* FindLineEnd(const char* from, const char* end) {
    if (quoted_records_) return quoted_records_->FindEnd(from, end);
    return static_cast<const char*>(std::memchr(from, '\n', static_cast<size_t>(end - from)));
  }
  // The number of the line ending now (its first line), counting on past the line breaks
  // inside it.
  uint64_t TakeLineNumber() {
    const uint64_t number = next_line_++;
    if (quoted_records_) {
      next_line_ += quoted_records_->quoted_breaks();
      quoted_records_->Reset();
    }
    return number;
  }
  // Continues skipping an over-long line; true when its end was found (and it was emitted).
  bool SkipLongLine(Batch& batch);
  // The line at [scan_, scan_ + length) of the text.
  void EmitLine(Batch& batch, size_t length);
  void StartLongLine(Batch& batch);
  // Emits the long line as a too_large item. `at_input_end`: the input ended inside it (a
  // quote left open, or a stop), so a line end it took last is the input's, not its own.
  void FinishLongLine(Batch& batch, bool at_input_end);
  // Keeps the last two of the `n` bytes at `begin` just added to the long line.
  void KeepLongLineTail(const char* begin, size_t n);
  // Emits whatever follows the last newline at end of input.
  void EmitTail(Batch& batch);
  // Ends the input where a stop came (see the definition).
  void EndAtStop(Batch& batch);
  // Reads up to `want` more bytes after the batch's text (over it from scan_ on, while
  // skipping); false when Interrupt came first (see WaitForInput).
  bool ReadMore(Batch& batch, size_t want, bool with_grace = false);
  // True when the input is a pipe or FIFO whose writers are gone and which holds nothing
  // more: its end, seen without reading (what a stop leaves unread is the next reader's).
  bool OnlyItsEndIsLeft() const;
  // Waits until the input has something for read(2) (data, its end or an error); false
  // once Interrupt came: at once, or `with_grace`, when nothing came within stop_grace.
  // Only for inputs that may block.
  bool WaitForInput(bool with_grace);
  size_t ReadSize(const Batch& batch, size_t lines_wanted) const;
  // Moves the text after scan_ into carry_ (at the end of a Read), and back into the
  // batch (at the start of the next).
  void KeepCarry(Batch& batch);
  void TakeCarry(Batch& batch);
  bool BatchFull(const Batch& batch, size_t max_items) const {
    return batch.size() >= max_items || (scan_ >= kMaxBatchTextBytes && !taking_all_);
  }
  size_t pending(const Batch& batch) const { return batch.text_bytes() - scan_; }

  const int fd_;
  const bool owns_fd_;
  const std::string name_;
  const size_t max_line_bytes_;
  const RecordFraming framing_;
  // With a framing quote: where the line (the record) being read stands.
  std::optional<detail::QuotedRecordScanner> quoted_records_;
  const int stop_grace_ms_;                     // FileSourceOptions::stop_grace
  const std::chrono::milliseconds stop_limit_;  // FileSourceOptions::stop_limit
  const uint64_t total_bytes_;
  // Reads may wait (not a regular file): each is polled for first. A FIFO opened before its
  // writer would otherwise read its end at once.
  const bool may_block_;
  const int wake_fd_;  // an eventfd that Interrupt signals; -1 for a regular file, or none made
  std::atomic<bool> interrupted_{false};
  bool taking_all_ = false;  // stopping: the batch takes every line read, past its limits

  std::vector<char> carry_;  // read, not yet a line, between Reads
  size_t scan_ = 0;          // in the batch being read: where the next line starts
  // Bytes from scan_ on already searched for the line's end (with a framing quote, fed to
  // quoted_records_): an unfinished line is not searched again from its start after each
  // read (a 90 MB line took 1.45 s, 90 lines of 1 MB 0.26 s).
  size_t searched_ = 0;
  uint64_t scan_offset_ = 0;  // input offset of that byte
  uint64_t line_bytes_ = 0;   // bytes of the lines emitted so far, newlines included,
  uint64_t lines_ = 0;        // and how many: what a line takes on average
  uint64_t bytes_read_ = 0;
  uint64_t next_line_ = 1;
  bool at_eof_ = false;
  bool last_read_short_ = false;  // the last read got less than asked: a drained pipe
  bool ended_ = false;
  bool checked_for_bom_ = false;

  // The over-long line being skipped, if any.
  bool in_long_line_ = false;
  std::string long_excerpt_;
  uint64_t long_offset_ = 0;
  uint64_t long_length_ = 0;  // bytes seen so far, without the newline
  std::string long_tail_;     // its last two bytes: a line end to leave out of its length
};

SourceStatus FileSource::Read(Batch& batch, size_t max_items) {
  if (ended_) return at_eof_ ? SourceStatus::kEnd : SourceStatus::kStopped;
  batch.items.reserve(std::min<size_t>(max_items, 4096));
  const size_t first_item = batch.size();
  TakeCarry(batch);
  while (true) {
    // Once interrupted, this Read ends the input: the pipeline asks for no more batches.
    if (interrupted_.load(std::memory_order_relaxed)) {
      EndAtStop(batch);
      return at_eof_ ? SourceStatus::kEnd : SourceStatus::kStopped;
    }
    // While a long line is skipped, all that was read may belong to it: then read on.
    if (!in_long_line_ || SkipLongLine(batch)) {
      EmitLines(batch, max_items);
      if (BatchFull(batch, max_items)) break;
    }
    if (at_eof_) {  // a last line without its newline is a line too
      if (in_long_line_) {
        FinishLongLine(batch, /*at_input_end=*/true);
      } else {
        EmitTail(batch);
      }
      ended_ = true;
      return SourceStatus::kEnd;
    }
    // A pipe that had no more to give at the last read: hand over what we have rather than
    // block, so that a live stream's lines are not held back until a batch fills.
    if (last_read_short_ && batch.size() > first_item) break;
    // False when interrupted: the loop ends the input.
    ReadMore(batch, ReadSize(batch, max_items - batch.size()));
  }
  KeepCarry(batch);
  return SourceStatus::kMore;
}

// A stop ends the input at the end of the line being read, and nothing read is dropped (a
// pipe's text cannot be read again): every complete line read so far is handed over,
// however full the batch. The line being read is finished first (so that no line is cut
// where a producer's write happened to end), its rest read a byte at a time so that
// nothing after its end is taken from the input (a FIFO's next reader gets whole lines).
// It is taken as it is when its rest pauses for stop_grace, or takes over stop_limit.
void FileSource::EndAtStop(Batch& batch) {
  ended_ = true;
  taking_all_ = true;
  if (!in_long_line_ || SkipLongLine(batch)) EmitLines(batch, kNoItemLimit);
  const auto deadline = std::chrono::steady_clock::now() + stop_limit_;
  while (!in_long_line_ && pending(batch) > 0 && !at_eof_ &&
         std::chrono::steady_clock::now() < deadline && ReadMore(batch, 1, /*with_grace=*/true)) {
    const bool line_ended = batch.text_data()[batch.text_bytes() - 1] == '\n';
    if (line_ended || pending(batch) > max_line_bytes_ + 1) {
      EmitLines(batch, kNoItemLimit);  // the line, or the start of a long one
      if (pending(batch) == 0) break;  // else the line break was inside quotes: read on
    }
  }
  // A long line is reported as long as read so far: an endless one would hold the stop.
  if (in_long_line_) {
    FinishLongLine(batch, /*at_input_end=*/true);
  } else {
    EmitTail(batch);
  }
  // A stop that came once the writer had finished cut nothing short (a paced replay reads
  // its input late, and may not have met the end yet).
  if (!at_eof_ && OnlyItsEndIsLeft()) at_eof_ = true;
}

bool FileSource::OnlyItsEndIsLeft() const {
  if (!may_block_) return false;
  pollfd input{.fd = fd_, .events = POLLIN, .revents = 0};
  return ::poll(&input, 1, 0) == 1 && (input.revents & POLLHUP) != 0 &&
         (input.revents & POLLIN) == 0;
}

void FileSource::TakeCarry(Batch& batch) {
  scan_ = batch.text_bytes();
  if (carry_.empty()) return;
  std::memcpy(batch.GrowText(carry_.size()), carry_.data(), carry_.size());
  carry_.clear();
}

void FileSource::KeepCarry(Batch& batch) {
  carry_.assign(batch.text_data() + scan_, batch.text_data() + batch.text_bytes());
  batch.ShrinkText(scan_);
}

void FileSource::EmitLines(Batch& batch, size_t max_items) {
  if (!checked_for_bom_ && !SkipByteOrderMark(batch)) return;
  while (!BatchFull(batch, max_items) && scan_ < batch.text_bytes()) {
    const char* start = batch.text_data() + scan_;
    const char* newline = FindLineEnd(start + searched_, start + pending(batch));
    if (newline == nullptr) {
      searched_ = pending(batch);
      // An unfinished line: if it already cannot fit (even allowing for a '\r' whose '\n'
      // has not arrived yet), stop buffering it.
      if (pending(batch) > max_line_bytes_ + 1) StartLongLine(batch);
      return;
    }
    searched_ = 0;
    const size_t length = static_cast<size_t>(newline - start);
    EmitLine(batch, length);
    scan_ += length + 1;
    scan_offset_ += length + 1;
    line_bytes_ += length + 1;
    ++lines_;
  }
}

// A BOM (which some Windows tools write) would otherwise stick to the first line: a CSV
// header's first name, or a JSON line that no longer parses. Offsets still count it: they
// stay byte offsets in the input, so line 1 starts at offset 3.
bool FileSource::SkipByteOrderMark(const Batch& batch) {
  static constexpr std::string_view kBom = "\xEF\xBB\xBF";
  const std::string_view start(batch.text_data() + scan_, std::min(pending(batch), kBom.size()));
  if (start.size() < kBom.size() && !at_eof_ && kBom.starts_with(start)) return false;
  checked_for_bom_ = true;
  if (start == kBom) {
    scan_ += kBom.size();
    scan_offset_ += kBom.size();
  }
  return true;
}

void FileSource::EmitLine(Batch& batch, size_t length) {
  if (length > 0 && batch.text_data()[scan_ + length - 1] == '\r') --length;
  const uint64_t line_number = TakeLineNumber();
  if (length <= max_line_bytes_) {
    batch.AddTextLine(scan_, length, line_number, scan_offset_);
    return;
  }
  Item& item = batch.AddTextLine(scan_, std::min(length, Error::kMaxExcerptBytes), line_number,
                                 scan_offset_);
  item.Fail(ErrorCode::kTooLarge, TooLargeMessage(length, max_line_bytes_));
  item.error->raw_bytes = length;
}

void FileSource::StartLongLine(Batch& batch) {
  in_long_line_ = true;
  searched_ = 0;  // what is skipped goes; the text after it is new
  const char* start = batch.text_data() + scan_;
  long_excerpt_.assign(start, std::min(pending(batch), Error::kMaxExcerptBytes));
  long_offset_ = scan_offset_;
  long_length_ = pending(batch);
  long_tail_.clear();
  KeepLongLineTail(start, pending(batch));
  scan_offset_ += pending(batch);
  batch.ShrinkText(scan_);  // the rest is read over it
}

bool FileSource::SkipLongLine(Batch& batch) {
  if (pending(batch) == 0) return false;  // nothing read into this batch yet
  const char* start = batch.text_data() + scan_;
  const char* newline = FindLineEnd(start, start + pending(batch));
  const size_t skipped = newline ? static_cast<size_t>(newline - start) : pending(batch);
  if (skipped > 0) {
    // With a max_line_bytes under the excerpt size, the excerpt fills up across reads.
    const size_t excerpt_room = Error::kMaxExcerptBytes - long_excerpt_.size();
    long_excerpt_.append(start, std::min(skipped, excerpt_room));
    long_length_ += skipped;
    KeepLongLineTail(start, skipped);
  }
  const size_t consumed = newline ? skipped + 1 : skipped;
  scan_offset_ += consumed;
  if (newline == nullptr) {
    batch.ShrinkText(scan_);
    return false;
  }
  // The text after the line's end stays for the lines to come, after the excerpt.
  carry_.assign(start + consumed, batch.text_data() + batch.text_bytes());
  batch.ShrinkText(scan_);
  FinishLongLine(batch, /*at_input_end=*/false);
  TakeCarry(batch);
  return true;
}

void FileSource::KeepLongLineTail(const char* begin, size_t n) {
  long_tail_.append(begin + n - std::min<size_t>(n, 2), begin + n);
  if (long_tail_.size() > 2) long_tail_.erase(0, long_tail_.size() - 2);
}

void FileSource::FinishLongLine(Batch& batch, bool at_input_end) {
  in_long_line_ = false;
  uint64_t length = long_length_;
  std::string_view tail = long_tail_;
  // As EmitTail does: a quote left open took the input's last line end into its record.
  if (at_input_end && tail.ends_with('\n')) {
    --length;
    tail.remove_suffix(1);
  }
  if (tail.ends_with('\r')) --length;
  // A line shorter than the excerpt limit is kept whole, without the '\r' before its end.
  if (long_excerpt_.size() > length) long_excerpt_.resize(length);
  Item& item = batch.AddLine(long_excerpt_, TakeLineNumber(), long_offset_);
  item.Fail(ErrorCode::kTooLarge, TooLargeMessage(length, max_line_bytes_));
  item.error->raw_bytes = length;
}

void FileSource::EmitTail(Batch& batch) {
  if (pending(batch) == 0) return;  // the input ended with a newline (or was empty)
  const size_t length = pending(batch);
  // A quote left open took the input's last line end into its record: the end is not its.
  const bool ends_in_newline = batch.text_data()[scan_ + length - 1] == '\n';
  EmitLine(batch, ends_in_newline ? length - 1 : length);
  scan_ += length;
  scan_offset_ += length;
}

size_t FileSource::ReadSize(const Batch& batch, size_t lines_wanted) const {
  if (in_long_line_) return kReadBlockBytes;
  // The lines still wanted at their average length, one more for the variation, and
  // at least what the unfinished line holds (it grows geometrically while it is long).
  const size_t average = lines_ == 0 ? 0 : static_cast<size_t>(line_bytes_ / lines_) + 1;
  const size_t guess = average == 0 ? kReadBlockBytes : (lines_wanted + 1) * average;
  return std::clamp(std::max(guess, pending(batch)), kMinReadBytes, kReadBlockBytes);
}

bool FileSource::WaitForInput(bool with_grace) {
  pollfd fds[2] = {{.fd = fd_, .events = POLLIN, .revents = 0},
                   {.fd = wake_fd_, .events = POLLIN, .revents = 0}};
  while (true) {
    // Once interrupted, wait for the input only (the eventfd stays readable), and only
    // with the grace: what comes after a stop is not read, but for a line's rest.
    const bool interrupted = interrupted_.load(std::memory_order_relaxed);
    if (interrupted && !with_grace) return false;
    const int ready =
        ::poll(fds, interrupted || wake_fd_ < 0 ? 1 : 2, interrupted ? stop_grace_ms_ : -1);
    if (ready < 0 && errno == EINTR) continue;
    if (!interrupted && fds[1].revents != 0 && !with_grace) return false;  // the stop came first
    if (ready < 0 || fds[0].revents != 0) return true;  // input, its end, or an error to read
    if (interrupted) return false;                      // nothing came within the grace
    // Woken by Interrupt: go round.
  }
}

bool FileSource::ReadMore(Batch& batch, size_t want, bool with_grace) {
  if (may_block_ && !WaitForInput(with_grace)) return false;
  const size_t filled = batch.text_bytes();
  char* into = batch.GrowText(want);
  while (true) {
    const ssize_t got = ::read(fd_, into, want);
    if (got >= 0) {
      batch.ShrinkText(filled + static_cast<size_t>(got));
      bytes_read_ += static_cast<uint64_t>(got);
      at_eof_ = got == 0;
      last_read_short_ = static_cast<size_t>(got) < want;
      return true;
    }
    if (errno == EINTR) continue;
    batch.ShrinkText(filled);
    throw std::runtime_error("reading " + name_ + ": " + std::strerror(errno));
  }
}

}  // namespace

Result<std::unique_ptr<Source>> OpenFileSource(const FileSourceOptions& options) {
  if (options.max_line_bytes == 0) {
    return Error{.code = ErrorCode::kInvalidInput, .message = "max_line_bytes must be > 0"};
  }
  if (std::string problem = FramingProblem(options.framing); !problem.empty()) {
    return Error{.code = ErrorCode::kInvalidInput, .message = problem};
  }
  // stdin's own names read fd 0 itself: opened anew, the /dev/null that sluice holds in the
  // place of a closed stdin (pipelines/cli/main.cc) read as an empty input.
  const int stream = options.path == "-" ? STDIN_FILENO : detail::StandardStreamNamed(options.path);
  const bool is_stdin = stream == STDIN_FILENO;
  const std::string name = options.path == "-" ? "stdin" : options.path;
  if (stream == STDOUT_FILENO || stream == STDERR_FILENO) {  // opened anew, as for stdin
    return Error{.code = ErrorCode::kInvalidInput,
                 .message = "cannot read " + name + ": it names " +
                            (stream == STDOUT_FILENO ? "stdout" : "stderr") + ", an output",
                 .source = name};
  }
  // Not blocking in open(2): a FIFO waits there for a writer, where no stop can reach it.
  // Reads block again; the first one's poll waits for the writer instead.
  const int fd =
      is_stdin ? STDIN_FILENO : ::open(options.path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    return Error{.code = ErrorCode::kInvalidInput,
                 .message = "cannot open " + name + ": " + std::strerror(errno),
                 .source = name};
  }
  const int flags = ::fcntl(fd, F_GETFL);
  // A closed stdin (`<&-`) fails F_GETFL; one held open write-only, so that no file takes
  // its number (what `sluice` does with a closed one), is not read either.
  const bool readable = flags >= 0 && (flags & O_ACCMODE) != O_WRONLY;
  if (!readable || (!is_stdin && ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0)) {
    const int error = flags >= 0 && !readable ? EBADF : errno;
    if (!is_stdin) ::close(fd);
    return Error{.code = ErrorCode::kInvalidInput,
                 .message = "cannot read " + name + ": " + std::strerror(error),
                 .source = name};
  }
  struct stat info {};
  uint64_t total_bytes = 0;
  bool may_block = true;  // a pipe, FIFO, terminal, socket: reads may wait for input
  if (::fstat(fd, &info) == 0) {
    if (S_ISDIR(info.st_mode)) {
      if (!is_stdin) ::close(fd);
      return Error{.code = ErrorCode::kInvalidInput,
                   .message = "cannot read " + name + ": " + std::strerror(EISDIR),
                   .source = name};
    }
    if (S_ISREG(info.st_mode)) {
      may_block = false;
      // stdin redirected from a file may start part-way in; count what is left.
      const off_t start = is_stdin ? ::lseek(fd, 0, SEEK_CUR) : 0;
      total_bytes =
          static_cast<uint64_t>(std::max<off_t>(info.st_size - std::max<off_t>(start, 0), 0));
      ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    }
  }
  return std::unique_ptr<Source>(
      std::make_unique<FileSource>(fd, !is_stdin, name, options, total_bytes, may_block));
}

}  // namespace sluice
