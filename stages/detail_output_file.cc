#include "stages/detail_output_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>

namespace sluice::detail {
namespace {

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

}  // namespace

Result<OutputFile> OutputFile::Open(const std::string& path) {
  if (path.empty() || path == "-") {
    std::fflush(stdout);  // keep anything printed through stdio before our output
    return OutputFile(STDOUT_FILENO, /*owns_fd=*/false, "stdout");
  }
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) {
    std::error_code error;
    std::filesystem::create_directories(parent, error);
    if (error) return OpenError("cannot create directory", parent.string(), error.value());
  }
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return OpenError("cannot open", path + " for writing", errno);
  return OutputFile(fd, /*owns_fd=*/true, path);
}

OutputFile::OutputFile(int fd, bool owns_fd, std::string name)
    : fd_(fd), owns_fd_(owns_fd), name_(std::move(name)) {
  buffer_.reserve(kFlushBytes + kFlushBytes / 4);
}

OutputFile::OutputFile(OutputFile&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      owns_fd_(std::exchange(other.owns_fd_, false)),
      closed_(std::exchange(other.closed_, true)),
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
  if (failure_errno_ != 0 || fd_ < 0) {
    buffer_.clear();  // the output is already broken: drop, never count
    buffered_records_ = 0;
    return;
  }
  size_t done = 0;
  while (done < buffer_.size()) {
    const ssize_t n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
    if (n >= 0) {
      done += static_cast<size_t>(n);
    } else if (errno != EINTR) {
      Fail(errno);
      return;
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
    Flush();
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
