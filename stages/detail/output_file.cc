#include "stages/detail/output_file.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>

#include "framework/detail/standard_streams.h"

namespace sluice::detail {
namespace {

// The stream that an output path names: stdout for "" and "-", else the standard stream
// it names (framework/detail/standard_streams.h); -1 for a file to open.
int OutputStream(const std::string& path) {
  return path.empty() || path == "-" ? STDOUT_FILENO : StandardStreamNamed(path);
}

// stdin's names are not outputs: opened anew, they would reach the /dev/null that holds a
// closed stdin, and write nowhere.
Error StdinIsNoOutput(const std::string& path) {
  return Error{.code = ErrorCode::kInvalidInput,
               .message = "cannot write " + path + ": it names stdin, an input",
               .source = path};
}

ErrorCode CodeForErrno(int error_number) {
  switch (error_number) {
    case ENOSPC:
    case EDQUOT:
    case EFBIG:
    case ENOMEM: return ErrorCode::kResourceExhausted;
    default: return ErrorCode::kInvalidInput;
  }
}

Error OpenError(const std::string& what, const std::string& path, int error_number) {
  return Error{.code = CodeForErrno(error_number),
               .message = what + " " + path + ": " + std::strerror(error_number),
               .source = path};
}

// Opens `path` empty for writing. An existing ordinary file (regular, one link, writable)
// is unlinked and made anew with its permission bits, not truncated: ext4 flushes a file
// that was truncated to 0 and rewritten when it is closed (auto_da_alloc), and that serial
// flush took 0.17 s of a 0.95 s run writing 258 MB (docs/benchmark-history.md: "replaced, not
// truncated"). Other paths (symlinks, hard links, FIFOs, devices) are truncated, so that
// writes reach what the path names.
int OpenEmpty(const std::string& path) {
  constexpr int kFlags = O_WRONLY | O_CREAT | O_CLOEXEC;
  struct stat existing {};
  if (::lstat(path.c_str(), &existing) == 0 && S_ISREG(existing.st_mode) &&
      existing.st_nlink == 1 && ::access(path.c_str(), W_OK) == 0 && ::unlink(path.c_str()) == 0) {
    const mode_t mode = existing.st_mode & 07777;
    const int fd = ::open(path.c_str(), kFlags | O_TRUNC, mode);
    if (fd >= 0) (void)::fchmod(fd, mode);  // open applied the umask to `mode`
    return fd;
  }
  return ::open(path.c_str(), kFlags | O_TRUNC, 0644);
}

bool IsPipeOrSocket(int fd) {
  struct stat info {};
  return ::fstat(fd, &info) == 0 && (S_ISFIFO(info.st_mode) || S_ISSOCK(info.st_mode));
}

// A pipe's write end polls as an error once no reader is left; a socket as hung up.
bool ReaderGone(int fd) {
  pollfd poll_fd{.fd = fd, .events = POLLOUT, .revents = 0};
  return ::poll(&poll_fd, 1, 0) == 1 && (poll_fd.revents & (POLLERR | POLLHUP)) != 0;
}

// Creates the parent directories of `path`.
Status MakeParents(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) {
    std::error_code error;
    std::filesystem::create_directories(parent, error);
    if (error) return OpenError("cannot create directory", parent.string(), error.value());
  }
  return Status::Ok();
}

// CheckWritable's part past the parent directories: `path` opened for writing, untruncated,
// or made and removed again; a symlink to a missing file is followed to it.
Status CheckFile(const std::string& path) {
  const auto opens = [&](int flags) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC | flags, 0644);
    if (fd >= 0) ::close(fd);
    return fd >= 0;
  };
  struct stat existing {};
  if (::stat(path.c_str(), &existing) == 0) {
    if (S_ISDIR(existing.st_mode)) return OpenError("cannot open", path + " for writing", EISDIR);
    // Opened, not truncated; a FIFO or a device is left to Open: one waits for its reader.
    if (!S_ISREG(existing.st_mode) || opens(0)) return Status::Ok();
    return OpenError("cannot open", path + " for writing", errno);
  }
  if (errno != ENOENT) return OpenError("cannot open", path + " for writing", errno);  // ELOOP
  // Missing: made and removed again, so that a run that fails later leaves no empty file.
  if (opens(O_CREAT | O_EXCL)) {
    ::unlink(path.c_str());
    return Status::Ok();
  }
  std::error_code error;
  if (errno == EEXIST &&
      std::filesystem::is_symlink(std::filesystem::symlink_status(path, error))) {
    std::filesystem::path target = std::filesystem::read_symlink(path, error);
    if (!error) {
      if (target.is_relative()) target = std::filesystem::path(path).parent_path() / target;
      return CheckFile(target.string());
    }
  }
  return OpenError("cannot open", path + " for writing", errno);
}

}  // namespace

Status OutputFile::CheckWritable(const std::string& path) {
  if (const int stream = OutputStream(path); stream >= 0) {
    if (stream == STDIN_FILENO) return StdinIsNoOutput(path);
    return Status::Ok();
  }
  SLUICE_RETURN_IF_ERROR(MakeParents(path));
  return CheckFile(path);
}

Result<OutputFile> OutputFile::Open(const std::string& path) {
  if (const int stream = OutputStream(path); stream >= 0) {
    if (stream == STDIN_FILENO) return StdinIsNoOutput(path);
    std::fflush(stream == STDOUT_FILENO ? stdout : stderr);  // what stdio printed comes first
    return OutputFile(stream, /*owns_fd=*/false, path.empty() || path == "-" ? "stdout" : path);
  }
  SLUICE_RETURN_IF_ERROR(MakeParents(path));
  const int fd = OpenEmpty(path);
  if (fd < 0) return OpenError("cannot open", path + " for writing", errno);
  return OutputFile(fd, /*owns_fd=*/true, path);
}

OutputFile::OutputFile(int fd, bool owns_fd, std::string name)
    : fd_(fd), owns_fd_(owns_fd), pipe_(IsPipeOrSocket(fd)), name_(std::move(name)) {
  buffer_.reserve(kFlushBytes + kFlushBytes / 4);
}

OutputFile::OutputFile(OutputFile&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      owns_fd_(std::exchange(other.owns_fd_, false)),
      closed_(std::exchange(other.closed_, true)),
      pipe_(other.pipe_),
      name_(std::move(other.name_)),
      buffer_(std::move(other.buffer_)),
      buffered_records_(std::exchange(other.buffered_records_, 0)),
      written_(other.written_),
      failure_errno_(other.failure_errno_) {}

OutputFile& OutputFile::operator=(OutputFile&& other) noexcept {
  if (this != &other) {
    Release();
    fd_ = std::exchange(other.fd_, -1);
    owns_fd_ = std::exchange(other.owns_fd_, false);
    closed_ = std::exchange(other.closed_, true);
    pipe_ = other.pipe_;
    name_ = std::move(other.name_);
    buffer_ = std::move(other.buffer_);
    buffered_records_ = std::exchange(other.buffered_records_, 0);
    written_ = other.written_;
    failure_errno_ = other.failure_errno_;
  }
  return *this;
}

OutputFile::~OutputFile() { Release(); }

void OutputFile::Release() noexcept {
  if (closed_) return;
  (void)Close();
}

void OutputFile::Flush() {
  WriteBuffer();
  if (pipe_ && failure_errno_ == 0 && ReaderGone(fd_)) Fail(EPIPE);
}

void OutputFile::WriteBuffer(std::string_view tail) {
  if (failure_errno_ != 0 || fd_ < 0) {
    buffer_.clear();  // the output is already broken: drop, never count
    buffered_records_ = 0;
    return;
  }
  std::array<iovec, 2> parts = {iovec{buffer_.data(), buffer_.size()},
                                iovec{const_cast<char*>(tail.data()), tail.size()}};
  iovec* next = parts.data();
  iovec* const end = parts.data() + parts.size();
  while (true) {
    while (next != end && next->iov_len == 0) ++next;
    if (next == end) break;
    const ssize_t n = ::writev(fd_, next, static_cast<int>(end - next));
    if (n < 0) {
      if (errno == EINTR) continue;
      Fail(errno);
      return;
    }
    for (auto done = static_cast<size_t>(n); done > 0; ++next) {  // a write may stop short
      const size_t step = std::min(done, next->iov_len);
      next->iov_base = static_cast<char*>(next->iov_base) + step;
      next->iov_len -= step;
      done -= step;
      if (next->iov_len > 0) break;
    }
  }
  buffer_.clear();
  written_ += buffered_records_;
  buffered_records_ = 0;
}

void OutputFile::Fail(int error_number) {
  failure_errno_ = error_number;
  buffer_.clear();
  buffered_records_ = 0;
}

Status OutputFile::Close() {
  if (!closed_) {
    closed_ = true;
    WriteBuffer();  // no reader check: once all is written, a reader that
                    // stopped early (`| head`) is no failure
    if (owns_fd_ && ::close(fd_) != 0 && failure_errno_ == 0 && errno != EINTR) {
      failure_errno_ = errno;  // NFS and the like report delayed write errors here
    }
    fd_ = -1;
  }
  if (failure_errno_ == 0) return Status::Ok();
  return Error{.code = CodeForErrno(failure_errno_),
               .message = "writing " + name_ + ": " + std::strerror(failure_errno_),
               .source = name_};
}

}  // namespace sluice::detail
