// OutputFile: a buffered writer to a file or stdout that remembers its first write
// failure, shared by the result sinks and the dead-letter writer. Internal to stages/.
//
//   SLUICE_ASSIGN_OR_RETURN(auto out, detail::OutputFile::Open("out/errors.jsonl"));
//   out.buffer() += line;  out.EndRecord();  // flushes every 64 KiB
//   out.Append(batch_bytes, records);         // a batch encoded elsewhere
//   out.Flush();                              // what is buffered, now
//   sluice::Status status = out.Close();  // "writing out/errors.jsonl: No space left..."
//   out.written();                        // records that reached the file
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "framework/result.h"

namespace sluice::detail {

class OutputFile {
 public:
  /// Flush threshold of the buffer.
  static constexpr size_t kFlushBytes = size_t{64} << 10;

  /// "" or "-" is stdout, and the names of stdout and stderr write to those streams
  /// (framework/detail/standard_streams.h; stdin's names are refused); otherwise creates the
  /// parent directories and opens `path` empty (an existing ordinary file is replaced by a
  /// new one with the same permissions).
  static Result<OutputFile> Open(const std::string& path);
  /// Whether Open(path) can succeed, found without replacing anything: creates the parent
  /// directories, then opens `path` for writing without truncating it (a missing file is
  /// made and removed; a FIFO or a device is left to Open, as opening one waits for its
  /// reader). A run checks all its outputs before it opens one, so that one that cannot
  /// open leaves the others as they were.
  static Status CheckWritable(const std::string& path);

  OutputFile(OutputFile&& other) noexcept;
  OutputFile& operator=(OutputFile&& other) noexcept;
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
  /// Best effort: flushes and closes an output that was never Closed.
  ~OutputFile();

  /// Append one record's text here, then call EndRecord().
  std::string& buffer() { return buffer_; }
  /// Counts one record as buffered and flushes once the buffer is large.
  void EndRecord() {
    ++buffered_records_;
    if (buffer_.size() >= kFlushBytes) WriteBuffer();
  }
  /// Appends `records` records' text at once (encoded elsewhere), flushing when large.
  /// Text that fills the buffer is written from where it is, after the buffer, not
  /// copied into it first (a batch of encoded records is often that large).
  void Append(std::string_view text, uint64_t records) {
    buffered_records_ += records;
    if (buffer_.size() + text.size() >= kFlushBytes) {
      WriteBuffer(text);
      return;
    }
    buffer_ += text;
  }
  /// Writes the buffer out. After a failure, further output is dropped (and not counted).
  /// On a pipe or socket whose reader has gone, fails as the next write would (EPIPE),
  /// also with nothing to write: `| head` has exited while the input is quiet.
  void Flush();
  /// Flushes, closes the file (never stdout), and reports the first failure, if any.
  /// Later calls return the same status.
  Status Close();

  /// A write failed (or the reader has gone): what comes after is dropped.
  bool failed() const { return failure_errno_ != 0; }
  /// Records whose bytes were written without error.
  uint64_t written() const { return written_; }
  /// "stdout" or the path, for messages.
  const std::string& name() const { return name_; }

 private:
  OutputFile(int fd, bool owns_fd, std::string name);
  /// Writes the buffer, then `tail`, and counts the buffered records as written.
  void WriteBuffer(std::string_view tail = {});
  void Fail(int error_number);
  void Release() noexcept;

  int fd_ = -1;
  bool owns_fd_ = false;
  bool closed_ = false;
  bool pipe_ = false;  // a pipe or socket, whose reader may go away
  std::string name_;
  std::string buffer_;
  uint64_t buffered_records_ = 0;
  uint64_t written_ = 0;
  int failure_errno_ = 0;  // first write error; 0 while all is well
};

}  // namespace sluice::detail
