// Internal: the names of the standard streams, which sluice reads and writes through their
// descriptors, never by opening the name anew.
#pragma once

#include <string_view>

namespace sluice::detail {

/// The descriptor of the standard stream that `path` names ("/dev/stdout", "/dev/fd/1",
/// "/proc/self/fd/1", and likewise for 0 and 2), or -1 for any other path. Opened anew, the
/// name would be a new open file: writing from its start over what the shell opened to
/// append to (`>> log`), or reaching the /dev/null that holds a stream closed at start
/// (pipelines/cli/main.cc) where using the stream should fail.
inline int StandardStreamNamed(std::string_view path) {
  static constexpr std::string_view kNames[3][3] = {
      {"/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"},
      {"/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"},
      {"/dev/stderr", "/dev/fd/2", "/proc/self/fd/2"}};
  for (int fd = 0; fd < 3; ++fd) {
    for (const std::string_view name : kNames[fd]) {
      if (path == name) return fd;
    }
  }
  return -1;
}

}  // namespace sluice::detail
